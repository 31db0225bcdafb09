#include "snn/params.hpp"

#include "common/validate.hpp"
#include "snn/surrogate.hpp"

namespace snn {

surrogate_kind parse_surrogate(const std::string& name) {
    if (name == "fast_sigmoid") return surrogate_kind::fast_sigmoid;
    if (name == "arctan") return surrogate_kind::arctan;
    if (name == "triangle") return surrogate_kind::triangle;
    throw spikebar::check::not_one_of("train.surrogate", name, {"fast_sigmoid", "arctan", "triangle"});
}

net_kind parse_net_kind(const std::string& name) {
    if (name == "snn") return net_kind::snn;
    if (name == "ann") return net_kind::ann;
    throw spikebar::check::not_one_of("network.kind", name, {"snn", "ann"});
}

void network_params::validate() const {
    using namespace spikebar::check;
    in_range("network.timesteps", timesteps, closed(1, 1024), "steps");
    one_of("network.encoding", encoding, {"direct", "rate"});
    require(parse_net_kind(kind) != net_kind::ann || timesteps == 1, "network.timesteps", timesteps,
            "must be 1 for network.kind = ann", "steps");
    require(!layers.empty(), "network.layers", "\"\"", "must list at least the readout layer");
}

void neuron_params::validate() const {
    using namespace spikebar::check;
    in_range("lif.decay", decay, left_open(0, 1), "1");
    greater_than("lif.threshold", threshold, 0, "weight units");
    one_of("lif.reset", reset, {"hard", "soft"});
    require(v_reset < threshold, "lif.v_reset", v_reset, "must be below lif.threshold",
            "weight units");
}

void train_params::validate() const {
    using namespace spikebar::check;
    at_least("train.epochs", epochs, 1);
    at_least("train.batch_size", batch_size, 1);
    greater_than("train.lr", lr, 0);
    in_range("train.lr_min", lr_min, closed(0, {lr, "train.lr"}));
    in_range("train.warmup_epochs", warmup_epochs, right_open(0, {double(epochs), "train.epochs"}));
    at_least("train.weight_decay", weight_decay, 0);
    in_range("train.beta1", beta1, right_open(0, 1));
    in_range("train.beta2", beta2, right_open(0, 1));
    parse_surrogate(surrogate);
    greater_than("train.surrogate_alpha", surrogate_alpha, 0, "1/weight units");
    in_range("train.tet_lambda", tet_lambda, closed(0, 1));
    in_range("train.crop_pad", crop_pad, closed(0, 16), "pixels");
    in_range("train.bn_momentum", bn_momentum, left_open(0, 1));
    one_of("train.ann_activation", ann_activation, {"relu", "qcfs"});
    in_range("train.qcfs_levels", qcfs_levels, closed(1, 1024), "1");
    greater_than("train.qcfs_lambda", qcfs_lambda, 0, "weight units");
    at_least("train.hwa_calibration_samples", hwa_calibration_samples, 1, "samples");
}

}  // namespace snn
