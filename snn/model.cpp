#include "snn/model.hpp"

#include <cmath>

#include "common/errors.hpp"
#include "common/rng.hpp"

namespace snn {

int weight_rows(const layer_spec& l) {
    return l.kind == layer_kind::conv ? l.kh() * l.kw() * l.in.c : l.in.size();
}

bool model::is_general() const {
    for (std::size_t i = 0; i < arch.layers.size(); ++i) {
        const auto& l = arch.layers[i];
        switch (l.kind) {
            case layer_kind::sumpool:
            case layer_kind::scale:
            case layer_kind::threshold:
            case layer_kind::li: return true;
            case layer_kind::lif:
                if (layers[i].neuron.explicit_params()) return true;
                break;
            case layer_kind::conv:
                if (!l.simple_window()) return true;
                break;
            case layer_kind::avgpool:
            case layer_kind::maxpool:
                if (!l.simple_window() || l.sh() != l.kh() || l.ph() != 0) return true;
                break;
            default: break;
        }
    }
    return false;
}

bool model::has_batchnorm() const {
    for (const auto& l : arch.layers)
        if (l.kind == layer_kind::bn) return true;
    return false;
}

std::size_t model::parameter_count() const {
    // A grouped conv stores its weights densely with zeros across groups; count only
    // the weights a group holds, as PyTorch and NIR do.
    std::size_t n = 0;
    for (std::size_t i = 0; i < layers.size(); ++i) {
        const auto& s = layers[i];
        n += s.weight.size() / std::size_t(arch.layers[i].groups) + s.bias.size() + s.gamma.size() +
             s.beta.size();
    }
    return n;
}

model make_model(const network_params& net, const neuron_params& lif, shape3 input,
                 std::uint64_t seed) {
    model m;
    m.net = net;
    m.lif = lif;
    m.arch = parse_architecture(net.layers, input);
    m.layers.resize(m.arch.layers.size());
    for (std::size_t i = 0; i < m.arch.layers.size(); ++i) {
        const auto& l = m.arch.layers[i];
        auto& s = m.layers[i];
        if (l.has_weights()) {
            const int rows = weight_rows(l);
            const double bound = 1.0 / std::sqrt(static_cast<double>(rows));
            spikebar::counter_rng rng{seed, 0x1417u, i};
            s.weight.resize(static_cast<std::size_t>(rows) * l.out_channels);
            for (std::size_t j = 0; j < s.weight.size(); ++j)
                s.weight[j] = static_cast<float>((2 * rng.uniform(j) - 1) * bound);
            s.bias.resize(l.out_channels);
            for (int j = 0; j < l.out_channels; ++j)
                s.bias[j] = static_cast<float>((2 * rng.uniform(s.weight.size() + j) - 1) * bound);
        } else if (l.kind == layer_kind::bn) {
            const int c = l.in.c;
            s.gamma.assign(c, 1.0f);
            s.beta.assign(c, 0.0f);
            s.running_mean.assign(c, 0.0f);
            s.running_var.assign(c, 1.0f);
        }
    }
    return m;
}

model fold_batchnorm(const model& m) {
    model f;
    f.net = m.net;
    f.lif = m.lif;
    f.metadata = m.metadata;
    f.input_max = m.input_max;
    f.arch.input = m.arch.input;
    for (std::size_t i = 0; i < m.arch.layers.size(); ++i) {
        const auto& l = m.arch.layers[i];
        if (l.kind != layer_kind::bn) {
            f.arch.layers.push_back(l);
            f.layers.push_back(m.layers[i]);
            continue;
        }
        auto& prev = f.layers.back();
        const auto& bn = m.layers[i];
        const int cout = l.in.c;
        const std::size_t rows = prev.weight.size() / cout;
        for (int c = 0; c < cout; ++c) {
            const double scale = bn.gamma[c] / std::sqrt(double(bn.running_var[c]) + bn.bn_eps);
            for (std::size_t r = 0; r < rows; ++r)
                prev.weight[r * cout + c] = static_cast<float>(prev.weight[r * cout + c] * scale);
            prev.bias[c] =
                static_cast<float>((prev.bias[c] - double(bn.running_mean[c])) * scale + bn.beta[c]);
        }
    }
    f.net.layers = f.arch.to_string();
    return f;
}

}  // namespace snn
