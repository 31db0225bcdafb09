#include "experiments/nir/nir_export.hpp"

#include <cmath>

#include "common/errors.hpp"
#include "common/version.hpp"
#include "experiments/nir/nir_file.hpp"
#include "snn/model_io.hpp"

namespace experiments {

namespace {

using snn::layer_kind;
using snn::layer_spec;
using snn::shape3;

nir::array ints(std::vector<std::int64_t> v, bool scalar = false) {
    nir::array a;
    a.is_integer = true;
    if (!scalar) a.shape = {std::int64_t(v.size())};
    a.values.assign(v.begin(), v.end());
    return a;
}

nir::array text(const std::string& s) {
    nir::array a;
    a.is_text = true;
    a.text = s;
    return a;
}

nir::array number(double v) {
    nir::array a;
    a.values = {v};
    return a;
}

// float32 data of the given shape.
nir::array floats(const std::vector<float>& v, std::vector<std::int64_t> shape) {
    nir::array a;
    a.is_float32 = true;
    a.shape = std::move(shape);
    a.values.assign(v.begin(), v.end());
    return a;
}

std::vector<std::int64_t> map_shape(const shape3& s) {
    if (s.h == 1 && s.w == 1) return {s.c};
    return {s.c, s.h, s.w};
}

// A per-neuron parameter in file order with the activation's full shape: the reference
// reader checks each neuron node's shape against its neighbours'.
nir::array full(const std::vector<double>& per_neuron_file_order, const shape3& s) {
    nir::array a;
    a.shape = map_shape(s);
    a.values = per_neuron_file_order;
    return a;
}

[[noreturn]] void refuse(std::size_t i, const layer_spec& l, const std::string& why) {
    throw spikebar::config_error("export-nir: layer " + std::to_string(i) + " (" +
                                 snn::layer_kind_name(l.kind) + ") " + why);
}

// A layer parameter (or the network-wide default) for every neuron, in file order.
std::vector<double> expand(const std::vector<float>& own, double fallback, const shape3& s) {
    const std::size_t n = std::size_t(s.size());
    std::vector<float> v;
    if (own.empty())
        v.assign(n, float(fallback));
    else if (own.size() == 1)
        v.assign(n, own[0]);
    else
        v = snn::elements_to_file_layout(s, own);
    return {v.begin(), v.end()};
}

void window(nir::node& n, const layer_spec& l, std::size_t i, bool conv) {
    n.params["stride"] = ints({l.sh(), l.sw()});
    if (l.pb() == l.ph() && l.pr() == l.pw()) {
        n.params["padding"] = ints({l.ph(), l.pw()});
    } else {
        const int th = l.dh() * (l.kh() - 1), tw = l.dw() * (l.kw() - 1);
        const bool same = conv && l.sh() == 1 && l.sw() == 1 && l.ph() == th / 2 &&
                          l.pb() == th - th / 2 && l.pw() == tw / 2 && l.pr() == tw - tw / 2;
        if (!same) refuse(i, l, "has asymmetric padding other than 'same', which NIR cannot write");
        n.params["padding"] = text("same");
    }
    if (conv) n.params["dilation"] = ints({l.dh(), l.dw()});
}

}  // namespace

void export_nir(const snn::model& m, const std::string& path, double dt) {
    if (!(dt > 0) || !std::isfinite(dt))
        throw spikebar::config_error("export-nir: --dt must be > 0");
    if (m.net.kind != "snn")
        throw spikebar::config_error("export-nir: an ANN model (network.kind = " + m.net.kind +
                                     ") has no NIR form: NIR has no ReLU");
    nir::graph g;
    g.version = "0.2.0";
    std::string prev = "input";
    auto add = [&](nir::node n) {
        g.edges.emplace_back(prev, n.name);
        prev = n.name;
        g.nodes.push_back(std::move(n));
    };
    {
        nir::node in;
        in.name = "input";
        in.type = "Input";
        in.params["shape"] = ints(map_shape(m.arch.input));
        g.nodes.push_back(std::move(in));
    }
    std::string reset, spike_test;  // one per file: NIR metadata cannot vary by node
    auto agree = [&](std::string& have, const std::string& want, std::size_t i, const layer_spec& l,
                     const char* what) {
        if (have.empty()) have = want;
        if (have != want)
            refuse(i, l, std::string("has ") + what + " '" + want + "' while an earlier layer has '" +
                             have + "'; a NIR file records one");
    };
    for (std::size_t i = 0; i < m.arch.layers.size(); ++i) {
        const layer_spec& l = m.arch.layers[i];
        const snn::layer_state& s = m.layers[i];
        nir::node n;
        n.name = std::to_string(i) + "_" + snn::layer_kind_name(l.kind);
        switch (l.kind) {
            case layer_kind::conv: {
                n.type = "Conv2d";
                n.params["weight"] = floats(snn::weight_to_file_layout(m.arch, i, s.weight),
                                            {l.out.c, l.in.c / l.groups, l.kh(), l.kw()});
                n.params["bias"] = floats(s.bias, {l.out.c});
                window(n, l, i, true);
                n.params["groups"] = ints({l.groups}, true);
                n.params["input_shape"] = ints({l.in.h, l.in.w});
                break;
            }
            case layer_kind::linear:
                n.type = "Affine";
                n.params["weight"] = floats(snn::weight_to_file_layout(m.arch, i, s.weight),
                                            {l.out.c, l.in.size()});
                n.params["bias"] = floats(s.bias, {l.out.c});
                break;
            case layer_kind::maxpool: {
                // Exact on spikes only: max of 0/1 values = (their sum > 0.5).
                const bool spikes_in = i > 0 && (m.arch.layers[i - 1].kind == layer_kind::lif ||
                                                 m.arch.layers[i - 1].kind == layer_kind::threshold);
                if (!spikes_in)
                    refuse(i, l, "pools values that are not spikes; NIR has no max pool");
                n.type = "SumPool2d";
                n.name += "_sum";
                n.params["kernel_size"] = ints({l.kh(), l.kw()});
                window(n, l, i, false);
                add(std::move(n));
                nir::node t;
                t.name = std::to_string(i) + "_maxpool_threshold";
                t.type = "Threshold";
                t.params["threshold"] = full(std::vector<double>(std::size_t(l.out.size()), 0.5), l.out);
                n = std::move(t);
                break;
            }
            case layer_kind::avgpool:
            case layer_kind::sumpool:
                n.type = l.kind == layer_kind::avgpool ? "AvgPool2d" : "SumPool2d";
                n.params["kernel_size"] = ints({l.kh(), l.kw()});
                window(n, l, i, false);
                break;
            case layer_kind::flatten:
                n.type = "Flatten";
                n.params["start_dim"] = ints({0}, true);
                n.params["end_dim"] = ints({-1}, true);
                n.params["input_type"] = ints(map_shape(l.in));
                break;
            case layer_kind::scale:
                n.type = "Scale";
                n.params["scale"] = full(expand(s.weight, 1.0, l.out), l.out);
                break;
            case layer_kind::threshold:
                n.type = "Threshold";
                n.params["threshold"] = full(expand(s.bias, 0.0, l.out), l.out);
                agree(spike_test, s.fire_above ? "gt" : "ge", i, l, "spike test");
                break;
            case layer_kind::lif:
            case layer_kind::li: {
                const snn::neuron_layer_params& np = s.neuron;
                const auto decay = expand(np.decay, m.lif.decay, l.out);
                const auto gain = expand(np.gain, 1.0, l.out);
                const auto drive = expand(np.drive, 0.0, l.out);
                bool integrator = true, leaky = true;
                for (double d : decay) integrator = integrator && d == 1.0, leaky = leaky && d < 1.0;
                if (!integrator && !leaky)
                    refuse(i, l, "mixes neurons with decay 1 and below 1; NIR needs one type per node");
                for (double d : decay)
                    if (d < 0) refuse(i, l, "has a negative decay, which no tau gives");
                std::vector<double> tau, r, v_leak;
                for (std::size_t k = 0; k < decay.size(); ++k) {
                    if (integrator) {
                        if (drive[k] != 0) refuse(i, l, "has decay 1 with a constant drive (no NIR form)");
                        r.push_back(gain[k] / dt);
                    } else {
                        tau.push_back(dt / (1 - decay[k]));
                        r.push_back(gain[k] / (1 - decay[k]));
                        v_leak.push_back(drive[k] / (1 - decay[k]));
                    }
                }
                const bool spiking = l.kind == layer_kind::lif;
                const bool cuba = !np.syn_decay.empty();
                if (cuba && integrator) refuse(i, l, "has a current stage with decay 1 (no NIR form)");
                if (cuba) {
                    const auto sd = expand(np.syn_decay, 0.0, l.out);
                    const auto sg = expand(np.syn_gain, 1.0, l.out);
                    std::vector<double> tau_syn, w_in;
                    for (std::size_t k = 0; k < sd.size(); ++k) {
                        if (!(sd[k] >= 0 && sd[k] < 1)) refuse(i, l, "has a current decay outside [0, 1)");
                        tau_syn.push_back(dt / (1 - sd[k]));
                        w_in.push_back(sg[k] / (1 - sd[k]));
                    }
                    n.params["tau_syn"] = full(tau_syn, l.out);
                    n.params["w_in"] = full(w_in, l.out);
                    n.params["tau_mem"] = full(tau, l.out);
                    n.type = spiking ? "CubaLIF" : "CubaLI";
                } else if (integrator) {
                    n.type = spiking ? "IF" : "I";
                } else {
                    n.params["tau"] = full(tau, l.out);
                    n.type = spiking ? "LIF" : "LI";
                }
                n.params["r"] = full(r, l.out);
                if (!integrator) n.params["v_leak"] = full(v_leak, l.out);
                if (spiking) {
                    const std::string mode = np.reset.empty() ? m.lif.reset : np.reset;
                    agree(reset, mode == "soft" ? "subtract" : "zero", i, l, "reset");
                    agree(spike_test, np.fire_above ? "gt" : "ge", i, l, "spike test");
                    n.params["v_threshold"] = full(expand(np.threshold, m.lif.threshold, l.out), l.out);
                    n.params["v_reset"] = mode == "soft"
                                              ? full(std::vector<double>(std::size_t(l.out.size()), 0.0), l.out)
                                              : full(expand(np.v_reset, m.lif.v_reset, l.out), l.out);
                }
                break;
            }
            case layer_kind::relu:
                refuse(i, l, "has no NIR form (NIR has no ReLU)");
            case layer_kind::bn:
                refuse(i, l, "must be folded into its conv or linear first");
        }
        add(std::move(n));
    }
    {
        nir::node out;
        out.name = "output";
        out.type = "Output";
        out.params["shape"] = ints({m.num_classes()});
        add(std::move(out));
    }
    auto& md = g.metadata;
    md["dt"] = number(dt);
    md["discretization"] = text("euler");
    md["reset"] = text(reset.empty() ? "zero" : reset);
    md["spike_test"] = text(spike_test.empty() ? "gt" : spike_test);
    md["timesteps"] = number(m.net.timesteps);
    md["encoding"] = text(m.net.encoding);
    md["input_max"] = number(m.input_max);
    md["exporter"] = text(std::string("spikebar ") + SPIKEBAR_VERSION + " (git " +
                          spikebar::git_revision() + ")");
    nir::write_graph(g, path);
}

}  // namespace experiments
