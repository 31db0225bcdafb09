#include "snn/convert.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "common/errors.hpp"
#include "snn/engine.hpp"
#include "snn/synapse.hpp"

namespace snn {

namespace {

[[noreturn]] void fail(const std::string& why) { throw spikebar::config_error(why); }

std::string num(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
}

}  // namespace

void convert_params::validate() const {
    if (timesteps < 1) fail("convert --timesteps " + std::to_string(timesteps) + ": must be >= 1 [steps]");
    if (timesteps > 1024)
        fail("convert --timesteps " + std::to_string(timesteps) + ": must be <= 1024 [steps]");
    if (method != "qcfs" && method != "percentile")
        fail("convert --method " + method + ": expected qcfs or percentile");
    if (!(percentile > 0 && percentile <= 100))
        fail("convert --percentile " + num(percentile) + ": must be in (0, 100] [%]");
    if (encoding != "direct" && encoding != "rate")
        fail("convert --encoding " + encoding + ": expected direct or rate");
    if (!(v_init < 0 || v_init < 1))
        fail("convert --v-init " + num(v_init) + ": must be in [0, 1) [threshold]");
}

void check_convertible(const model& ann, const convert_params& p) {
    p.validate();
    if (ann.has_batchnorm())
        fail("convert: the model has BatchNorm layers that are not folded (a training "
             "checkpoint); convert the deployed model that spikebar train --out writes");
    if (!ann.is_ann())
        fail("convert: the model is an SNN (network.kind = " + ann.net.kind +
             "); convert takes an ANN (network.kind = ann) with ReLU or QCFS activations");
    const auto& layers = ann.arch.layers;
    int lifs = 0;
    for (std::size_t i = 0; i < layers.size(); ++i) {
        const auto k = layers[i].kind;
        const std::string where = "convert: layer " + std::to_string(i) + " (" + layer_kind_name(k) + ")";
        switch (k) {
            case layer_kind::conv:
            case layer_kind::avgpool:
            case layer_kind::maxpool:
                if (!layers[i].simple_window() && k == layer_kind::conv)
                    fail(where + " has a window outside the config syntax; convert takes "
                         "config-built ANNs");
                break;
            case layer_kind::linear:
            case layer_kind::flatten: break;
            case layer_kind::lif: {
                ++lifs;
                neuron_layer_params n = ann.layers[i].neuron;
                const bool qcfs = !n.levels.empty();
                if (p.method == "qcfs" && !qcfs)
                    fail("convert --method qcfs: " + where.substr(9) +
                         " has no trained threshold (a ReLU ANN); train with "
                         "train.ann_activation = qcfs or convert with --method percentile");
                n.levels.clear();
                if (qcfs) n.threshold.clear();
                if (n.explicit_params())
                    fail(where + " has neuron parameters of its own; convert takes ANNs "
                         "whose activations are ReLU or QCFS");
                break;
            }
            default:
                fail(where + " cannot be converted: an ANN for conversion has conv, linear, "
                     "lif (its activations), avgpool, maxpool and flatten layers only");
        }
    }
    if (lifs == 0) fail("convert: the model has no lif layer (no activation to turn into spikes)");
}

std::vector<float> qcfs_thresholds(const model& ann) {
    std::vector<float> th;
    for (std::size_t i = 0; i < ann.arch.layers.size(); ++i)
        if (ann.arch.layers[i].kind == layer_kind::lif) {
            const auto& n = ann.layers[i].neuron;
            if (n.levels.empty() || n.threshold.size() != 1)
                fail("convert --method qcfs: layer " + std::to_string(i) +
                     " (lif) has no trained threshold (a ReLU ANN); train with "
                     "train.ann_activation = qcfs or convert with --method percentile");
            th.push_back(n.threshold[0]);
        }
    return th;
}

std::vector<float> activation_percentiles(const model& ann, const float* images,
                                          std::size_t n_images, double p) {
    const ideal_synapse syn(ann);
    engine e(ann, syn);
    const int L = e.num_lif_layers();
    std::vector<std::vector<float>> pos(L);
    const std::size_t in = ann.arch.input.size(), batch = 256;
    for (std::size_t first = 0; first < n_images; first += batch) {
        const std::size_t n = std::min(batch, n_images - first);
        e.start(images + first * in, n, first);
        e.step();
        for (std::size_t s = 0; s < n; ++s)  // slot order: the result does not depend on threads
            for (int j = 0; j < L; ++j) {
                const float* a = e.spikes(static_cast<int>(s), j);
                for (int k = 0; k < e.lif_layer_size(j); ++k)
                    if (a[k] > 0) pos[j].push_back(a[k]);
            }
    }
    std::vector<float> th(L);
    for (int j = 0; j < L; ++j) {
        auto& v = pos[j];
        if (v.empty())
            fail("convert --method percentile: lif layer " + std::to_string(j + 1) +
                 " is never active on the " + std::to_string(n_images) + " calibration images");
        // Nearest rank: the ceil(p/100 n)-th smallest value (1-based).
        const double rank = std::ceil(p / 100.0 * static_cast<double>(v.size()));
        const std::size_t k = static_cast<std::size_t>(std::clamp(rank, 1.0, double(v.size()))) - 1;
        std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
        th[j] = v[k];
    }
    return th;
}

model convert(const model& ann, const convert_params& p, const std::vector<float>& thresholds) {
    check_convertible(ann, p);
    model m = ann;
    const auto& layers = m.arch.layers;
    std::vector<int> lif_index(layers.size(), -1);
    int j = 0;
    for (std::size_t i = 0; i < layers.size(); ++i)
        if (layers[i].kind == layer_kind::lif) lif_index[i] = j++;
    if (static_cast<int>(thresholds.size()) != j)
        throw std::invalid_argument("snn::convert: " + std::to_string(thresholds.size()) +
                                    " thresholds for " + std::to_string(j) + " lif layers");
    for (float th : thresholds)
        if (!(th > 0) || !std::isfinite(th))
            fail("convert: a layer threshold is " + num(th) + "; thresholds must be > 0");
    const double frac = p.v_init >= 0 ? p.v_init : (p.method == "qcfs" ? 0.5 : 0.0);

    m.net.kind = "snn";
    m.net.timesteps = p.timesteps;
    m.net.encoding = p.encoding;
    m.lif.decay = 1.0;
    m.lif.threshold = 1.0;
    m.lif.reset = "soft";
    m.lif.v_reset = 0.0;
    for (std::size_t i = 0; i < layers.size(); ++i) {
        if (lif_index[i] >= 0) {
            const float th = thresholds[lif_index[i]];
            neuron_layer_params n;
            n.decay = {1.0f};
            n.threshold = {th};
            n.reset = "soft";
            if (frac > 0) n.v_init = {static_cast<float>(frac * th)};
            m.layers[i].neuron = n;
        } else if (layers[i].has_weights()) {
            // Spikes of lif layer l stand for a_l / θ_l: scale the weights that read them.
            std::size_t k = i;
            while (k > 0 && (layers[k - 1].kind == layer_kind::avgpool ||
                             layers[k - 1].kind == layer_kind::maxpool ||
                             layers[k - 1].kind == layer_kind::flatten))
                --k;
            if (k > 0 && lif_index[k - 1] >= 0) {
                const float th = thresholds[lif_index[k - 1]];
                for (float& w : m.layers[i].weight) w *= th;
            }
        }
    }
    std::string list;
    for (float th : thresholds) list += (list.empty() ? "" : " ") + num(th);
    m.metadata["conversion"] = "method " + p.method +
                               (p.method == "percentile" ? " p=" + num(p.percentile) : "") +
                               ", IF soft reset, v_init " + num(frac) + " threshold";
    m.metadata["conversion_thresholds"] = list;
    return m;
}

}  // namespace snn
