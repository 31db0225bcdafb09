#include "snn/params.hpp"

#include <sstream>

#include "common/errors.hpp"
#include "snn/surrogate.hpp"

namespace snn {

namespace {

template <class V>
[[noreturn]] void bad(const char* key, const V& value, const std::string& why) {
    std::ostringstream s;
    s << key << " = " << value << ": " << why;
    throw spikebar::config_error(s.str());
}

void one_of(const char* key, const std::string& value, std::initializer_list<const char*> allowed) {
    std::string list;
    for (const char* a : allowed) {
        if (value == a) return;
        list += list.empty() ? a : std::string(" | ") + a;
    }
    bad(key, value, "expected one of " + list);
}

}  // namespace

surrogate_kind parse_surrogate(const std::string& name) {
    if (name == "fast_sigmoid") return surrogate_kind::fast_sigmoid;
    if (name == "arctan") return surrogate_kind::arctan;
    if (name == "triangle") return surrogate_kind::triangle;
    bad("train.surrogate", name, "expected one of fast_sigmoid | arctan | triangle");
}

void network_params::validate() const {
    if (timesteps < 1 || timesteps > 1024) bad("network.timesteps", timesteps, "must be in [1, 1024] [steps]");
    one_of("network.encoding", encoding, {"direct", "rate"});
    one_of("network.kind", kind, {"snn", "ann"});
    if (kind == "ann" && timesteps != 1)
        bad("network.timesteps", timesteps, "must be 1 for network.kind = ann [steps]");
    if (layers.empty()) bad("network.layers", "\"\"", "must list at least the readout layer");
}

void neuron_params::validate() const {
    if (!(decay > 0.0 && decay <= 1.0)) bad("lif.decay", decay, "must be in (0, 1] [1]");
    if (!(threshold > 0.0)) bad("lif.threshold", threshold, "must be > 0 [weight units]");
    one_of("lif.reset", reset, {"hard", "soft"});
    if (!(v_reset < threshold)) bad("lif.v_reset", v_reset, "must be below lif.threshold [weight units]");
}

void train_params::validate() const {
    if (epochs < 1) bad("train.epochs", epochs, "must be >= 1");
    if (batch_size < 1) bad("train.batch_size", batch_size, "must be >= 1");
    if (!(lr > 0.0)) bad("train.lr", lr, "must be > 0");
    if (!(lr_min >= 0.0 && lr_min <= lr)) bad("train.lr_min", lr_min, "must be in [0, train.lr]");
    if (warmup_epochs < 0 || warmup_epochs >= epochs)
        bad("train.warmup_epochs", warmup_epochs, "must be in [0, train.epochs)");
    if (!(weight_decay >= 0.0)) bad("train.weight_decay", weight_decay, "must be >= 0");
    if (!(beta1 >= 0.0 && beta1 < 1.0)) bad("train.beta1", beta1, "must be in [0, 1)");
    if (!(beta2 >= 0.0 && beta2 < 1.0)) bad("train.beta2", beta2, "must be in [0, 1)");
    parse_surrogate(surrogate);
    if (!(surrogate_alpha > 0.0)) bad("train.surrogate_alpha", surrogate_alpha, "must be > 0 [1/weight units]");
    if (!(tet_lambda >= 0.0 && tet_lambda <= 1.0)) bad("train.tet_lambda", tet_lambda, "must be in [0, 1]");
    if (crop_pad < 0 || crop_pad > 16) bad("train.crop_pad", crop_pad, "must be in [0, 16] [pixels]");
    if (!(bn_momentum > 0.0 && bn_momentum <= 1.0)) bad("train.bn_momentum", bn_momentum, "must be in (0, 1]");
    one_of("train.ann_activation", ann_activation, {"relu", "qcfs"});
    if (qcfs_levels < 1 || qcfs_levels > 1024)
        bad("train.qcfs_levels", qcfs_levels, "must be in [1, 1024] [1]");
    if (!(qcfs_lambda > 0.0)) bad("train.qcfs_lambda", qcfs_lambda, "must be > 0 [weight units]");
    if (hwa_calibration_samples < 1)
        bad("train.hwa_calibration_samples", hwa_calibration_samples, "must be >= 1 [samples]");
}

}  // namespace snn
