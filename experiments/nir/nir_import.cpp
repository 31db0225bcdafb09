#include "experiments/nir/nir_import.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <sstream>

#include "common/errors.hpp"
#include "common/version.hpp"
#include "experiments/nir/nir_file.hpp"
#include "snn/model_io.hpp"

namespace experiments {

namespace {

using snn::layer_kind;
using snn::layer_spec;
using snn::shape3;

std::string shape_text(const std::vector<std::int64_t>& s) {
    std::string t = "[";
    for (std::size_t i = 0; i < s.size(); ++i) t += (i ? ", " : "") + std::to_string(s[i]);
    return t + "]";
}

std::string shape_text(const shape3& s) {
    if (s.h == 1 && s.w == 1) return "[" + std::to_string(s.c) + "]";
    return shape_text(std::vector<std::int64_t>{s.c, s.h, s.w});
}

std::string fmt(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.6g", v);
    return b;
}

// A shape read as reals (a file's `shape` parameter): whole numbers as integers, anything
// else (fractions, NaN, values past 2^53) as the real it is, never cast out of range.
std::string shape_text(const std::vector<double>& s) {
    std::string t = "[";
    for (std::size_t i = 0; i < s.size(); ++i) {
        const double x = s[i];
        const bool whole = std::abs(x) <= 9007199254740992.0 && x == std::floor(x);
        t += (i ? ", " : "") + (whole ? std::to_string(std::int64_t(x)) : fmt(x));
    }
    return t + "]";
}

// Reads one node into layers, with its context for messages.
class mapper {
public:
    mapper(const std::string& path, const nir::graph& g, const nir_import_options& opt)
        : path_(path), g_(g), opt_(opt) {}

    [[noreturn]] void fail(const nir::node& n, const std::string& why) const {
        throw spikebar::io_error(path_ + ": node \"" + n.name + "\" (" + n.type + "): " + why);
    }

    const nir::array& param(const nir::node& n, const std::string& key) const {
        const auto it = n.params.find(key);
        if (it == n.params.end()) fail(n, "has no '" + key + "' dataset");
        if (it->second.is_text) fail(n, "'" + key + "' must be numeric, not a string");
        if (it->second.values.empty()) fail(n, "'" + key + "' is empty");
        for (double v : it->second.values)
            if (!std::isfinite(v)) fail(n, "'" + key + "' holds a non-finite value");
        return it->second;
    }
    bool has(const nir::node& n, const std::string& key) const { return n.params.count(key) > 0; }

    // An integer pair parameter ([2] or one value), each within [lo, hi].
    std::pair<int, int> pair_of(const nir::node& n, const std::string& key, int lo, int hi) const {
        const nir::array& a = param(n, key);
        if (a.values.size() != 1 && a.values.size() != 2)
            fail(n, "'" + key + "' must hold 1 or 2 values, has " + std::to_string(a.values.size()));
        for (double v : a.values)
            if (v != std::floor(v) || v < lo || v > hi)
                fail(n, "'" + key + "' = " + fmt(v) + " must be an integer in [" + std::to_string(lo) +
                            ", " + std::to_string(hi) + "]");
        return {int(a.values[0]), int(a.values.back())};
    }

    // A per-neuron parameter for a map of shape s, as doubles in file (c, y, x) order:
    // one value, or one per neuron with the activation's shape.
    std::vector<double> elements(const nir::node& n, const std::string& key, const shape3& s,
                                 const double* fallback = nullptr) const {
        if (!has(n, key)) {
            if (fallback) return {*fallback};
            fail(n, "has no '" + key + "' dataset");
        }
        const nir::array& a = param(n, key);
        std::size_t count = 1;
        for (auto d : a.shape) count *= std::size_t(d);
        if (a.values.size() == 1) return a.values;
        std::vector<std::int64_t> want{s.c};
        if (s.h != 1 || s.w != 1) want = {s.c, s.h, s.w};
        if (a.shape != want && !(a.values.size() == std::size_t(s.size()) && a.shape.size() == 1))
            fail(n, "'" + key + "' has shape " + shape_text(a.shape) + ", its input is " +
                        shape_text(s) + " (expected one value or that shape)");
        for (double v : a.values)
            if (!std::isfinite(v)) fail(n, "'" + key + "' holds a non-finite value");
        return a.values;
    }

    const nir_import_options& opt() const { return opt_; }

private:
    const std::string& path_;
    const nir::graph& g_;
    const nir_import_options& opt_;
};

// Internal per-neuron vector from file-order doubles; one shared value when all agree.
std::vector<float> to_floats(const std::vector<double>& v, const shape3& s) {
    bool same = true;
    for (double x : v) same = same && float(x) == float(v[0]);
    if (same) return {float(v[0])};
    std::vector<float> f(v.begin(), v.end());
    return snn::elements_from_file_layout(s, f);
}

std::string range_text(const std::vector<float>& v) {
    if (v.size() == 1) return fmt(v[0]);
    float lo = v[0], hi = v[0];
    for (float x : v) lo = std::min(lo, x), hi = std::max(hi, x);
    return "[" + fmt(lo) + " .. " + fmt(hi) + "] per neuron";
}

struct built {
    layer_spec spec;
    snn::layer_state state;
    std::string report;
};

// The decay, gain and drive of tau dv/dt = (v_leak - v) + r I over one step dt.
struct leak_terms {
    std::vector<double> decay, gain, drive;
};

leak_terms discretize(const mapper& mp, const nir::node& n, const std::vector<double>& tau,
                      const std::vector<double>& r, const std::vector<double>& v_leak) {
    const std::size_t size = std::max({tau.size(), r.size(), v_leak.size()});
    auto at = [](const std::vector<double>& v, std::size_t i) { return v.size() == 1 ? v[0] : v[i]; };
    const double dt = mp.opt().dt;
    const bool exact = mp.opt().discretization == "exact";
    leak_terms t;
    for (std::size_t i = 0; i < size; ++i) {
        const double ta = at(tau, i);
        if (!(ta > 0)) mp.fail(n, "tau = " + fmt(ta) + " must be > 0");
        double a;  // the fraction of the way to the fixed point covered in one step
        if (exact) {
            a = -std::expm1(-dt / ta);
        } else {
            a = dt / ta;
            if (a > 1)
                mp.fail(n, "dt / tau = " + fmt(a) +
                               " > 1: forward Euler overshoots (decay < 0); use a smaller --dt or "
                               "--discretization exact");
        }
        t.decay.push_back(exact ? std::exp(-dt / ta) : 1 - a);
        t.gain.push_back(a * at(r, i));
        t.drive.push_back(a * at(v_leak, i));
    }
    return t;
}

// lif or li layer for a neuron node on input shape s.
built neuron_layer(const mapper& mp, const nir::node& n, const shape3& s) {
    const std::string& type = n.type;
    const bool spiking = type == "IF" || type == "LIF" || type == "CubaLIF";
    const bool leaky = type == "LIF" || type == "LI" || type == "CubaLIF" || type == "CubaLI";
    const bool cuba = type == "CubaLIF" || type == "CubaLI";
    const double zero = 0, one = 1;
    const double dt = mp.opt().dt;
    built b;
    b.spec.kind = spiking ? layer_kind::lif : layer_kind::li;
    auto& np = b.state.neuron;
    const auto r = mp.elements(n, "r", s);
    leak_terms lt;
    if (leaky) {
        lt = discretize(mp, n, mp.elements(n, cuba ? "tau_mem" : "tau", s), r,
                        mp.elements(n, "v_leak", s, &zero));
    } else {  // IF, I: dv/dt = r I, exactly v += dt r I
        for (double x : r) lt.gain.push_back(dt * x);
        lt.decay = {1.0};
        lt.drive = {0.0};
    }
    np.decay = to_floats(lt.decay, s);
    np.gain = to_floats(lt.gain, s);
    np.drive = to_floats(lt.drive, s);
    if (cuba) {
        const auto syn = discretize(mp, n, mp.elements(n, "tau_syn", s), mp.elements(n, "w_in", s, &one),
                                    {0.0});
        np.syn_decay = to_floats(syn.decay, s);
        np.syn_gain = to_floats(syn.gain, s);
    }
    std::ostringstream rep;
    rep << "decay " << range_text(np.decay) << ", gain " << range_text(np.gain) << ", drive "
        << range_text(np.drive);
    if (cuba)
        rep << ", current decay " << range_text(np.syn_decay) << ", current gain "
            << range_text(np.syn_gain);
    if (spiking) {
        np.threshold = to_floats(mp.elements(n, "v_threshold", s), s);
        const auto vr = mp.elements(n, "v_reset", s, &zero);
        const bool subtract = mp.opt().reset == "subtract";
        if (subtract) {
            for (double v : vr)
                if (v != 0)
                    mp.fail(n, "v_reset = " + fmt(v) +
                                   " is not 0, but --reset subtract ignores v_reset; use --reset zero");
        } else {
            np.v_reset = to_floats(vr, s);
        }
        np.reset = subtract ? "soft" : "hard";
        np.fire_above = mp.opt().spike_test == "gt";
        rep << ", threshold " << range_text(np.threshold) << ", reset "
            << (subtract ? "subtract" : "to " + range_text(np.v_reset)) << ", spike when v "
            << (np.fire_above ? ">" : ">=") << " threshold";
    }
    b.report = rep.str();
    return b;
}

// Window parameters of Conv2d and the pools; padding may be "same" or "valid" (conv).
void read_window(const mapper& mp, const nir::node& n, layer_spec& l, const shape3& s, bool conv,
                 int kh, int kw) {
    l.kernel = kh, l.kernel_w = kw;
    const auto st = mp.pair_of(n, "stride", 1, 1 << 16);
    l.stride = st.first, l.stride_w = st.second;
    if (conv && mp.has(n, "dilation")) {
        const auto d = mp.pair_of(n, "dilation", 1, 1 << 16);
        l.dilation = d.first, l.dilation_w = d.second;
    }
    const auto it = n.params.find("padding");
    if (it != n.params.end() && it->second.is_text) {
        const std::string& p = it->second.text;
        if (p == "valid") {
            l.pad = 0, l.pad_w = 0;
        } else if (p == "same") {
            if (l.sh() != 1 || l.sw() != 1) mp.fail(n, "padding 'same' needs stride 1");
            // PyTorch's split: the total d (k - 1), the smaller half before.
            const int th = l.dh() * (kh - 1), tw = l.dw() * (kw - 1);
            l.pad = th / 2, l.pad_end_h = th - th / 2;
            l.pad_w = tw / 2, l.pad_end_w = tw - tw / 2;
        } else {
            mp.fail(n, "padding '" + p + "' must be 'same', 'valid' or integers");
        }
    } else if (it != n.params.end()) {
        const auto p = mp.pair_of(n, "padding", 0, 1 << 16);
        l.pad = p.first, l.pad_w = p.second;
    }
    (void)s;
}

// Shapes of the layers so far; a window that does not fit names the node. Maps and dense
// weight matrices are capped so that a hostile file cannot make eval allocate without
// bound (2^26 floats, 256 MiB, each).
void infer(snn::model& m, const mapper& mp, const nir::node& n) {
    try {
        snn::infer_shapes(m.arch);
    } catch (const spikebar::config_error& e) {
        const std::string what = e.what();
        const auto colon = what.find("): ");
        mp.fail(n, colon == std::string::npos ? what : what.substr(colon + 3));
    }
    constexpr double cap = double(1 << 26);
    const snn::layer_spec& l = m.arch.layers.back();
    if (double(l.out.c) * l.out.h * l.out.w > cap)
        mp.fail(n, "its output of " + fmt(double(l.out.c) * l.out.h * l.out.w) +
                       " values is over the limit of 2^26");
    if (l.has_weights() && double(snn::weight_rows(l)) * l.out.c > cap)
        mp.fail(n, "its weight matrix (dense over groups) holds more than 2^26 values");
}

}  // namespace

nir_import_result import_nir(const std::string& path, const nir_import_options& given,
                             const std::string& command) {
    const nir::graph g = nir::read_graph(path);

    // Defaults from the file's metadata (spikebar's export records its choices), then ours.
    nir_import_options opt = given;
    auto meta_text = [&](const char* key) -> std::string {
        const auto it = g.metadata.find(key);
        return it != g.metadata.end() && it->second.is_text ? it->second.text : "";
    };
    auto meta_num = [&](const char* key) -> double {
        const auto it = g.metadata.find(key);
        return it != g.metadata.end() && !it->second.is_text && it->second.values.size() == 1
                   ? it->second.values[0]
                   : 0.0;
    };
    if (opt.dt == 0) opt.dt = meta_num("dt");
    if (!(opt.dt > 0) || !std::isfinite(opt.dt))
        throw spikebar::io_error(path + ": the file records no dt; give --dt (the step, in the "
                                        "graph's time unit)");
    auto pick = [&](std::string& v, const char* key, const char* dflt,
                    std::initializer_list<const char*> allowed) {
        if (v.empty()) v = meta_text(key);
        if (v.empty()) v = dflt;
        for (const char* a : allowed)
            if (v == a) return;
        std::string list;
        for (const char* a : allowed) list += std::string(list.empty() ? "" : " or ") + a;
        throw spikebar::config_error("import-nir: --" + std::string(key) + " = '" + v +
                                     "': expected " + list);
    };
    pick(opt.discretization, "discretization", "euler", {"euler", "exact"});
    pick(opt.reset, "reset", "zero", {"zero", "subtract"});
    pick(opt.spike_test, "spike_test", "gt", {"gt", "ge"});
    pick(opt.encoding, "encoding", "direct", {"direct", "rate"});
    if (opt.timesteps == 0) opt.timesteps = int(meta_num("timesteps"));
    if (opt.timesteps < 1 || opt.timesteps > 1024)
        throw spikebar::config_error(
            "import-nir: --timesteps must be in [1, 1024] (the steps the model runs by default)");
    if (opt.input_max == 0) opt.input_max = meta_num("input_max");
    if (opt.input_max == 0) opt.input_max = 1;

    // One chain from the Input node to the Output node.
    const auto order = nir::topological_order(g, path);
    std::map<std::string, std::size_t> index;
    for (std::size_t i = 0; i < g.nodes.size(); ++i) index[g.nodes[i].name] = i;
    std::vector<std::vector<std::size_t>> succ(g.nodes.size()), pred(g.nodes.size());
    for (const auto& [a, b] : g.edges) {
        succ[index.at(a)].push_back(index.at(b));
        pred[index.at(b)].push_back(index.at(a));
    }
    const mapper mp(path, g, opt);
    std::vector<std::size_t> inputs, outputs;
    for (std::size_t i = 0; i < g.nodes.size(); ++i) {
        const nir::node& n = g.nodes[i];
        if (n.type == "Input") inputs.push_back(i);
        if (n.type == "Output") outputs.push_back(i);
        if (pred[i].size() > 1)
            mp.fail(n, "has " + std::to_string(pred[i].size()) +
                           " incoming edges; only a chain of nodes (one input each) is supported");
        if (succ[i].size() > 1)
            mp.fail(n, "has " + std::to_string(succ[i].size()) +
                           " outgoing edges; only a chain of nodes (one output each) is supported");
    }
    if (inputs.size() != 1)
        throw spikebar::io_error(path + ": the graph has " + std::to_string(inputs.size()) +
                                 " Input nodes; exactly one is supported");
    if (outputs.size() != 1)
        throw spikebar::io_error(path + ": the graph has " + std::to_string(outputs.size()) +
                                 " Output nodes; exactly one is supported");
    (void)order;  // a cycle has been refused; walk the chain from the input

    nir_import_result res;
    snn::model& m = res.model;
    {
        const nir::node& in = g.nodes[inputs[0]];
        const nir::array& s = mp.param(in, "shape");
        const auto& v = s.values;
        for (double x : v)
            if (!(x >= 1 && x <= 1 << 16 && x == std::floor(x)))
                mp.fail(in, "shape " + shape_text(v) +
                                " must hold positive integers");
        if (v.size() == 1)
            m.arch.input = {int(v[0]), 1, 1};
        else if (v.size() == 3)
            m.arch.input = {int(v[0]), int(v[1]), int(v[2])};
        else
            mp.fail(in, "shape " + shape_text(v) +
                            " must be [C, H, W] or [N]");
        const shape3 s3 = m.arch.input;
        if (double(s3.c) * s3.h * s3.w > double(1 << 26))
            mp.fail(in, "shape holds more than 2^26 values");
    }
    shape3 cur = m.arch.input;
    bool binary = opt.encoding == "rate";
    bool pool_input_binary = false;  // the last layer's input held only 0 and 1
    std::size_t at = inputs[0];
    std::vector<std::string> names;
    while (true) {
        if (succ[at].empty()) {
            if (g.nodes[at].type != "Output")
                mp.fail(g.nodes[at], "leads nowhere: every node must lie on the path to the Output node");
            break;
        }
        at = succ[at][0];
        const nir::node& n = g.nodes[at];
        if (n.type == "Output") {
            const nir::array& s = mp.param(n, "shape");
            double size = 1;  // exact: every factor is checked to be a whole number <= 2^26
            for (double x : s.values) {
                if (!(x >= 1 && x <= 1 << 26 && x == std::floor(x)))
                    mp.fail(n, "shape " + shape_text(s.values) + " must hold positive integers");
                size = std::min(size * x, 1e18);
            }
            if (size != double(cur.size()) || (cur.h != 1 || cur.w != 1))
                mp.fail(n, "shape " + shape_text(s.values) +
                               " does not match its input " + shape_text(cur) +
                               " (the output must be a vector)");
            if (!succ[at].empty()) mp.fail(n, "has outgoing edges");
            break;
        }
        built b;
        layer_spec& l = b.spec;
        const std::string& t = n.type;
        if (t == "Affine" || t == "Linear") {
            const nir::array& w = mp.param(n, "weight");
            if (w.shape.size() != 2) mp.fail(n, "weight has shape " + shape_text(w.shape) + ", expected [out, in]");
            if (cur.h != 1 || cur.w != 1)
                mp.fail(n, "its input " + shape_text(cur) + " is not a vector (a Flatten must come first)");
            if (w.shape[1] != cur.size())
                mp.fail(n, "weight has shape " + shape_text(w.shape) + ", its input is " + shape_text(cur));
            l.kind = layer_kind::linear;
            l.out_channels = int(w.shape[0]);
            b.state.weight.assign(w.values.begin(), w.values.end());  // file layout, converted below
            if (t == "Affine") {
                const nir::array& bias = mp.param(n, "bias");
                if (bias.values.size() != std::size_t(w.shape[0]))
                    mp.fail(n, "bias has " + std::to_string(bias.values.size()) + " values for " +
                                   std::to_string(w.shape[0]) + " outputs");
                b.state.bias.assign(bias.values.begin(), bias.values.end());
            } else {
                b.state.bias.assign(std::size_t(w.shape[0]), 0.0f);
            }
            b.report = std::to_string(cur.size()) + " -> " + std::to_string(w.shape[0]) +
                       (t == "Linear" ? " (no bias)" : "");
        } else if (t == "Conv2d") {
            const nir::array& w = mp.param(n, "weight");
            if (w.shape.size() != 4)
                mp.fail(n, "weight has shape " + shape_text(w.shape) + ", expected [out, in/groups, kh, kw]");
            if (cur.h == 1 && cur.w == 1 && m.arch.layers.size() && m.arch.layers.back().kind == layer_kind::flatten)
                mp.fail(n, "its input is a flattened vector");
            l.kind = layer_kind::conv;
            l.out_channels = int(w.shape[0]);
            if (mp.has(n, "groups")) l.groups = mp.pair_of(n, "groups", 1, 1 << 16).first;
            if (w.shape[1] * l.groups != cur.c)
                mp.fail(n, "weight has shape " + shape_text(w.shape) + " with groups = " +
                               std::to_string(l.groups) + ", its input is " + shape_text(cur));
            read_window(mp, n, l, cur, true, int(w.shape[2]), int(w.shape[3]));
            if (mp.has(n, "input_shape")) {
                const auto is = mp.pair_of(n, "input_shape", 1, 1 << 16);
                if (is.first != cur.h || is.second != cur.w)
                    mp.fail(n, "input_shape [" + std::to_string(is.first) + ", " +
                                   std::to_string(is.second) + "] does not match its input " +
                                   shape_text(cur));
            }
            b.state.weight.assign(w.values.begin(), w.values.end());
            const nir::array& bias = mp.param(n, "bias");
            if (bias.values.size() == 1 && w.shape[0] != 1)
                b.state.bias.assign(std::size_t(w.shape[0]), float(bias.values[0]));
            else if (bias.values.size() == std::size_t(w.shape[0]))
                b.state.bias.assign(bias.values.begin(), bias.values.end());
            else
                mp.fail(n, "bias has " + std::to_string(bias.values.size()) + " values for " +
                               std::to_string(w.shape[0]) + " output channels");
        } else if (t == "SumPool2d" || t == "AvgPool2d") {
            if (cur.h == 1 && cur.w == 1 && m.arch.layers.size() && m.arch.layers.back().kind == layer_kind::flatten)
                mp.fail(n, "its input is a flattened vector");
            const auto k = mp.pair_of(n, "kernel_size", 1, 1 << 16);
            l.kind = t == "SumPool2d" ? layer_kind::sumpool : layer_kind::avgpool;
            read_window(mp, n, l, cur, false, k.first, k.second);
        } else if (t == "Flatten") {
            auto dim = [&](const char* key, double fallback) {
                if (!mp.has(n, key)) return fallback;
                const nir::array& d = mp.param(n, key);
                if (d.values.size() != 1) mp.fail(n, std::string("'") + key + "' must be one integer");
                return d.values[0];
            };
            const double sd = dim("start_dim", 1), ed = dim("end_dim", -1);
            // Exporters disagree (docs/nir.md): Sinabs writes 0 on batch-less shapes,
            // snnTorch subtracts 1 from its batched start_dim 1. Both flatten everything.
            if (!(sd == 0 || sd == 1) || !(ed == -1 || ed == 2))
                mp.fail(n, "start_dim = " + fmt(sd) + ", end_dim = " + fmt(ed) +
                               ": only a flatten of the whole map (start_dim 0 or 1, end_dim -1) "
                               "is supported");
            if (mp.has(n, "input_type")) {
                const nir::array& it = mp.param(n, "input_type");
                double size = 1;  // a product of reals, capped: never cast out of range
                for (double x : it.values) size = std::min(size * std::max(0.0, x), 1e18);
                if (!(size == double(cur.size())))
                    mp.fail(n, "input_type " +
                                   shape_text(it.values) +
                                   " does not match its input " + shape_text(cur));
            }
            l.kind = layer_kind::flatten;
        } else if (t == "Scale") {
            l.kind = layer_kind::scale;
            b.state.weight = to_floats(mp.elements(n, "scale", cur), cur);
            b.report = "scale " + range_text(b.state.weight);
        } else if (t == "Threshold") {
            l.kind = layer_kind::threshold;
            b.state.bias = to_floats(mp.elements(n, "threshold", cur), cur);
            b.state.fire_above = opt.spike_test == "gt";
            b.report = "out = (in " + std::string(b.state.fire_above ? ">" : ">=") + " " +
                       range_text(b.state.bias) + ")";
        } else if (t == "IF" || t == "LIF" || t == "LI" || t == "I" || t == "CubaLIF" ||
                   t == "CubaLI") {
            b = neuron_layer(mp, n, cur);
        } else if (t == "Delay") {
            mp.fail(n, "is not supported: the engine has no synaptic delays");
        } else if (t == "Conv1d") {
            mp.fail(n, "is not supported: spikebar runs 2-d maps (use Conv2d with a 1-pixel axis)");
        } else if (t == "Input") {
            mp.fail(n, "a second Input node inside the chain");
        } else {
            mp.fail(n, "is not a known NIR node type");
        }

        // A sum pool of spikes read through a threshold in [0, 1) is their max pool.
        if (l.kind == layer_kind::threshold && !m.arch.layers.empty()) {
            const layer_spec& prev = m.arch.layers.back();
            const auto& th = b.state.bias;
            const bool pool_of_spikes = prev.kind == layer_kind::sumpool && prev.kh() == prev.kw() &&
                                        prev.sh() == prev.kh() && prev.sw() == prev.kw() &&
                                        prev.ph() == 0 && prev.pw() == 0 && prev.pb() == 0 &&
                                        prev.pr() == 0 && pool_input_binary;
            const float lo = b.state.fire_above ? 0.0f : 1e-30f;  // th must select any nonzero sum
            if (pool_of_spikes && th.size() == 1 && th[0] >= lo && th[0] < 1.0f &&
                (b.state.fire_above || th[0] > 0.0f)) {
                m.arch.layers.back().kind = layer_kind::maxpool;
                res.report.back() = "node \"" + names.back() + "\" + \"" + n.name +
                                    "\" (SumPool2d + Threshold): maxpool " +
                                    std::to_string(prev.kh()) + "x" + std::to_string(prev.kw()) +
                                    " of spikes";
                names.back() += "+" + n.name;
                binary = true;
                infer(m, mp, n);
                cur = m.arch.layers.back().out;
                continue;
            }
        }
        pool_input_binary = binary;
        m.arch.layers.push_back(l);
        m.layers.push_back(std::move(b.state));
        names.push_back(n.name);
        infer(m, mp, n);
        cur = m.arch.layers.back().out;
        const auto& L = m.arch.layers.back();
        binary = L.kind == layer_kind::lif || L.kind == layer_kind::threshold ||
                 ((L.kind == layer_kind::maxpool || L.kind == layer_kind::flatten) && binary);
        std::string line = "node \"" + n.name + "\" (" + t + "): " + snn::layer_kind_name(L.kind) +
                           " " + shape_text(L.in) + " -> " + shape_text(L.out);
        if (!b.report.empty()) line += ", " + b.report;
        res.report.push_back(line);
    }
    if (m.arch.layers.empty()) throw spikebar::io_error(path + ": the graph has no layers between Input and Output");

    // Weights arrived in the file layout (PyTorch's, as NIR stores them).
    for (std::size_t i = 0; i < m.arch.layers.size(); ++i)
        if (m.arch.layers[i].has_weights())
            m.layers[i].weight = snn::weight_from_file_layout(m.arch, i, m.layers[i].weight);

    m.net.timesteps = opt.timesteps;
    m.net.encoding = opt.encoding;
    m.net.kind = "snn";
    m.net.layers = m.arch.to_string();
    m.input_max = float(opt.input_max);
    auto& md = m.metadata;
    md["command"] = command;
    md["imported_from"] = path;
    md["nir_version"] = g.version;
    md["nir_dt"] = fmt(opt.dt);
    md["nir_discretization"] = opt.discretization;
    md["nir_reset"] = opt.reset;
    md["nir_spike_test"] = opt.spike_test;
    std::string layers_text;
    for (const auto& r : res.report) layers_text += r + "\n";
    md["nir_layers"] = layers_text;
    md["spikebar_version"] = std::string(SPIKEBAR_VERSION) + " (git " + spikebar::git_revision() + ")";
    return res;
}

}  // namespace experiments
