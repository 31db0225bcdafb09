#include "snn/model_io.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <unistd.h>

#include "common/errors.hpp"
#include "common/h5.hpp"

namespace snn {

namespace {

constexpr std::size_t no_file_index = ~std::size_t{0};

std::string layer_group(std::size_t i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "/layers/%02zu", i);
    return buf;
}

// Input shape (C, H, W) of the map a linear layer's input was flattened from, or
// {n, 1, 1} when it reads a vector; determines the (c, y, x) <-> (y, x, c) permutation.
shape3 flattened_from(const architecture& a, std::size_t i) {
    for (std::size_t j = i; j-- > 0;) {
        if (a.layers[j].kind == layer_kind::linear) break;
        if (a.layers[j].kind == layer_kind::flatten) return a.layers[j].in;
    }
    return a.layers[i].in;
}

// Index of input (c, y, x) in the internal (y, x, c) order.
std::size_t internal_index(const shape3& s, std::size_t pt_index) {
    const std::size_t hw = static_cast<std::size_t>(s.h) * s.w;
    const std::size_t c = pt_index / hw, p = pt_index % hw;
    return p * s.c + c;
}

std::vector<hsize_t> file_shape(const architecture& a, std::size_t i) {
    const auto& l = a.layers[i];
    if (l.kind == layer_kind::conv)
        return {hsize_t(l.out.c), hsize_t(l.in.c / l.groups), hsize_t(l.kh()), hsize_t(l.kw())};
    return {hsize_t(l.out.c), hsize_t(l.in.size())};
}

// file_index[k]: where internal weight element k ([rows][out]) sits in the file layout.
std::vector<std::size_t> file_order(const architecture& a, std::size_t i) {
    const auto& l = a.layers[i];
    const std::size_t cout = l.out.c;
    std::vector<std::size_t> at(static_cast<std::size_t>(weight_rows(l)) * cout, no_file_index);
    if (l.kind == layer_kind::conv) {
        // Grouped: input channel ci of output co's group g is file channel ci - g * cin_g;
        // the other (ci, co) pairs are the dense matrix's zeros and have no file element.
        const std::size_t cin = l.in.c, kh = l.kh(), kw = l.kw();
        const std::size_t cin_g = cin / l.groups, cout_g = cout / l.groups;
        for (std::size_t co = 0; co < cout; ++co) {
            const std::size_t g = co / cout_g;
            for (std::size_t cf = 0; cf < cin_g; ++cf) {
                const std::size_t ci = g * cin_g + cf;
                for (std::size_t ky = 0; ky < kh; ++ky)
                    for (std::size_t kx = 0; kx < kw; ++kx)
                        at[((ky * kw + kx) * cin + ci) * cout + co] =
                            ((co * cin_g + cf) * kh + ky) * kw + kx;
            }
        }
    } else {
        const shape3 s = flattened_from(a, i);
        const std::size_t nin = l.in.size();
        for (std::size_t o = 0; o < cout; ++o)
            for (std::size_t j = 0; j < nin; ++j) at[internal_index(s, j) * cout + o] = o * nin + j;
    }
    return at;
}

std::vector<float> to_file(const architecture& a, std::size_t i, const std::vector<float>& w) {
    const auto at = file_order(a, i);
    std::vector<float> f(w.size() / std::size_t(a.layers[i].groups));
    for (std::size_t k = 0; k < w.size(); ++k)
        if (at[k] != no_file_index) f[at[k]] = w[k];
    return f;
}

std::vector<float> from_file(const architecture& a, std::size_t i, const std::vector<float>& f) {
    const auto at = file_order(a, i);
    std::vector<float> w(at.size(), 0.0f);
    for (std::size_t k = 0; k < w.size(); ++k)
        if (at[k] != no_file_index) w[k] = f[at[k]];
    return w;
}

// A per-neuron (or per-element) vector of a layer's output: internal channel-last order
// <-> file order [C, H, W] (PyTorch's), or [1] for one shared value.
std::vector<hsize_t> element_shape(const shape3& s, std::size_t n) {
    if (n == 1) return {1};
    if (s.h == 1 && s.w == 1) return {hsize_t(s.c)};
    return {hsize_t(s.c), hsize_t(s.h), hsize_t(s.w)};
}

std::vector<float> elements_to_file(const shape3& s, const std::vector<float>& v) {
    if (v.size() == 1) return v;
    std::vector<float> f(v.size());
    for (std::size_t j = 0; j < v.size(); ++j) f[j] = v[internal_index(s, j)];
    return f;
}

std::vector<float> elements_from_file(const shape3& s, const std::vector<float>& f) {
    if (f.size() == 1) return f;
    std::vector<float> v(f.size());
    for (std::size_t j = 0; j < f.size(); ++j) v[internal_index(s, j)] = f[j];
    return v;
}

// The neuron parameter datasets of a lif or li layer, by file name.
std::vector<std::pair<const char*, std::vector<float> neuron_layer_params::*>> neuron_fields() {
    return {{"decay", &neuron_layer_params::decay},         {"gain", &neuron_layer_params::gain},
            {"drive", &neuron_layer_params::drive},         {"threshold", &neuron_layer_params::threshold},
            {"v_reset", &neuron_layer_params::v_reset},     {"syn_decay", &neuron_layer_params::syn_decay},
            {"syn_gain", &neuron_layer_params::syn_gain},   {"v_init", &neuron_layer_params::v_init},
            {"levels", &neuron_layer_params::levels}};
}

bool is_window(layer_kind k) {
    return k == layer_kind::conv || k == layer_kind::avgpool || k == layer_kind::maxpool ||
           k == layer_kind::sumpool;
}

// A window attribute: one integer where both axes agree, [vertical, horizontal] otherwise.
void write_pair(const h5::file& f, const std::string& g, const char* name, int v, int h) {
    if (v == h)
        h5::write_attr(f, g, name, std::int64_t{v});
    else
        h5::write_attr(f, g, name, std::vector<std::int64_t>{v, h});
}

// Parameter tensors of layer i in optimizer order, with their file names.
std::vector<std::pair<std::string, const std::vector<float>*>> tensors(const model& m, std::size_t i) {
    const auto& s = m.layers[i];
    if (m.arch.layers[i].has_weights()) return {{"weight", &s.weight}, {"bias", &s.bias}};
    if (m.arch.layers[i].kind == layer_kind::bn) return {{"gamma", &s.gamma}, {"beta", &s.beta}};
    // A QCFS activation's trained threshold λ (snn/trainer.hpp).
    if (m.is_ann() && m.arch.layers[i].kind == layer_kind::lif && !s.neuron.levels.empty())
        return {{"threshold", &s.neuron.threshold}};
    return {};
}

void write_file(const model& m, const std::string& path, const optimizer_state* opt, int epochs_done) {
    const h5::file f = h5::file::create(path);
    h5::write_attr(f, "/", "format", std::string("spikebar-model"));
    h5::write_attr(f, "/", "format_version", std::int64_t{model_format_version});
    h5::create_group(f, "/network");
    const auto& in = m.arch.input;
    h5::write_attr(f, "/network", "input_shape", std::vector<std::int64_t>{in.c, in.h, in.w});
    h5::write_attr(f, "/network", "num_classes", std::int64_t{m.num_classes()});
    h5::write_attr(f, "/network", "timesteps", std::int64_t{m.net.timesteps});
    h5::write_attr(f, "/network", "encoding", m.net.encoding);
    h5::write_attr(f, "/network", "kind", m.net.kind);
    h5::write_attr(f, "/network", "layers", m.arch.to_string());
    h5::write_attr(f, "/network", "input_max", double(m.input_max));
    h5::create_group(f, "/neuron");
    h5::write_attr(f, "/neuron", "decay", m.lif.decay);
    h5::write_attr(f, "/neuron", "threshold", m.lif.threshold);
    h5::write_attr(f, "/neuron", "reset", m.lif.reset);
    h5::write_attr(f, "/neuron", "v_reset", m.lif.v_reset);
    for (std::size_t i = 0; i < m.arch.layers.size(); ++i) {
        const auto& l = m.arch.layers[i];
        const auto& s = m.layers[i];
        const std::string g = layer_group(i);
        h5::create_group(f, g);
        h5::write_attr(f, g, "type", std::string(layer_kind_name(l.kind)));
        if (l.has_weights()) h5::write_attr(f, g, "out_features", std::int64_t{l.out.c});
        if (is_window(l.kind)) {
            write_pair(f, g, "kernel_size", l.kh(), l.kw());
            if (l.kind == layer_kind::conv || !(l.sh() == l.kh() && l.sw() == l.kw()))
                write_pair(f, g, "stride", l.sh(), l.sw());
            if (l.kind == layer_kind::conv || l.ph() || l.pw()) write_pair(f, g, "padding", l.ph(), l.pw());
            if (l.pb() != l.ph() || l.pr() != l.pw()) write_pair(f, g, "padding_end", l.pb(), l.pr());
            if (l.dh() != 1 || l.dw() != 1) write_pair(f, g, "dilation", l.dh(), l.dw());
            if (l.groups != 1) h5::write_attr(f, g, "groups", std::int64_t{l.groups});
        }
        if (l.has_weights()) {
            const auto fw = to_file(m.arch, i, s.weight);
            h5::write_floats(f, g + "/weight", file_shape(m.arch, i), fw.data());
            h5::write_floats(f, g + "/bias", {hsize_t(l.out.c)}, s.bias.data());
        } else if (l.kind == layer_kind::bn) {
            h5::write_attr(f, g, "eps", double(s.bn_eps));
            const hsize_t c = l.out.c;
            h5::write_floats(f, g + "/gamma", {c}, s.gamma.data());
            h5::write_floats(f, g + "/beta", {c}, s.beta.data());
            h5::write_floats(f, g + "/running_mean", {c}, s.running_mean.data());
            h5::write_floats(f, g + "/running_var", {c}, s.running_var.data());
        } else if (l.is_neuron() && s.neuron.explicit_params()) {
            const neuron_layer_params& np = s.neuron;
            for (const auto& [name, field] : neuron_fields()) {
                const auto& v = np.*field;
                if (v.empty()) continue;
                const auto fv = elements_to_file(l.out, v);
                h5::write_floats(f, g + "/" + name, element_shape(l.out, v.size()), fv.data());
            }
            if (!np.reset.empty()) h5::write_attr(f, g, "reset", np.reset);
            h5::write_attr(f, g, "spike_test", std::string(np.fire_above ? "gt" : "ge"));
        } else if (l.kind == layer_kind::scale || l.kind == layer_kind::threshold) {
            const auto& v = l.kind == layer_kind::scale ? s.weight : s.bias;
            const auto fv = elements_to_file(l.out, v);
            h5::write_floats(f, g + "/" + layer_kind_name(l.kind), element_shape(l.out, v.size()),
                             fv.data());
            if (l.kind == layer_kind::threshold)
                h5::write_attr(f, g, "spike_test", std::string(s.fire_above ? "gt" : "ge"));
        }
    }
    h5::create_group(f, "/metadata");
    for (const auto& [k, v] : m.metadata) h5::write_attr(f, "/metadata", k, v);
    if (opt) {
        h5::create_group(f, "/optimizer");
        h5::write_attr(f, "/optimizer", "step", std::int64_t{opt->step});
        h5::write_attr(f, "/optimizer", "epochs_done", std::int64_t{epochs_done});
        std::size_t q = 0;
        for (std::size_t i = 0; i < m.arch.layers.size(); ++i)
            for (const auto& [name, t] : tensors(m, i)) {
                const std::string base = "/optimizer" + layer_group(i).substr(7) + "_" + name;
                h5::write_floats(f, base + "_m", {hsize_t(t->size())}, opt->m[q].data());
                h5::write_floats(f, base + "_v", {hsize_t(t->size())}, opt->v[q].data());
                ++q;
            }
    }
}

bool has_attr(const h5::file& f, const std::string& obj, const std::string& name) {
    const auto names = h5::attr_names(f, obj);
    return std::find(names.begin(), names.end(), name) != names.end();
}

// A window attribute (write_pair): {vertical, horizontal}, or `fallback` where absent.
std::pair<int, int> read_pair(const h5::file& f, const std::string& g, const char* name,
                              std::pair<int, int> fallback) {
    if (!has_attr(f, g, name)) return fallback;
    const auto v = h5::read_attr_ints(f, g, name);
    if (v.size() != 1 && v.size() != 2)
        throw spikebar::io_error(f.path + ": " + g + "@" + name + " must hold 1 or 2 integers");
    for (auto x : v)
        if (x < 0 || x > 1 << 20)
            throw spikebar::io_error(f.path + ": " + g + "@" + name + " = " + std::to_string(x) +
                                     " is out of range");
    return {int(v[0]), int(v.back())};
}

layer_kind kind_of(const h5::file& f, const std::string& g, const std::string& type) {
    static const layer_kind all[] = {
        layer_kind::conv,    layer_kind::linear,  layer_kind::bn,      layer_kind::lif,
        layer_kind::relu,    layer_kind::avgpool, layer_kind::maxpool, layer_kind::flatten,
        layer_kind::sumpool, layer_kind::scale,   layer_kind::threshold, layer_kind::li};
    for (layer_kind k : all)
        if (type == layer_kind_name(k)) return k;
    throw spikebar::io_error(f.path + ": " + g + "@type = '" + type +
                             "' is not a known layer type (conv, linear, bn, lif, relu, avgpool, "
                             "maxpool, flatten, sumpool, scale, threshold, li)");
}

layer_spec read_layer_spec(const h5::file& f, const std::string& g) {
    layer_spec l;
    l.kind = kind_of(f, g, h5::read_attr_string(f, g, "type"));
    if (l.has_weights()) {
        const auto out = h5::read_attr_int(f, g, "out_features");
        if (out < 1 || out > 1 << 24)
            throw spikebar::io_error(f.path + ": " + g + "@out_features = " + std::to_string(out) +
                                     " is out of range");
        l.out_channels = int(out);
    }
    if (is_window(l.kind)) {
        const auto k = read_pair(f, g, "kernel_size", {-1, -1});
        if (k.first < 1) throw spikebar::io_error(f.path + ": " + g + "@kernel_size is missing");
        const auto st = read_pair(f, g, "stride", l.kind == layer_kind::conv ? std::pair{1, 1} : k);
        const auto pad = read_pair(f, g, "padding", {0, 0});
        const auto end = read_pair(f, g, "padding_end", pad);
        const auto dil = read_pair(f, g, "dilation", {1, 1});
        l.kernel = k.first, l.kernel_w = k.second;
        l.stride = st.first, l.stride_w = st.second;
        l.pad = pad.first, l.pad_w = pad.second;
        l.pad_end_h = end.first, l.pad_end_w = end.second;
        l.dilation = dil.first, l.dilation_w = dil.second;
        if (has_attr(f, g, "groups")) {
            const auto gr = h5::read_attr_int(f, g, "groups");
            if (gr < 1 || gr > 1 << 20)
                throw spikebar::io_error(f.path + ": " + g + "@groups = " + std::to_string(gr) +
                                         " is out of range");
            l.groups = int(gr);
        }
    }
    return l;
}

// A per-element dataset of layer l: [1] or the layer's output shape.
std::vector<float> read_elements(const h5::file& f, const std::string& path, const shape3& s) {
    const auto shape = h5::dataset_shape(f, path);
    const auto full = element_shape(s, std::size_t(s.size()));
    const std::vector<hsize_t> one{1};
    if (shape != one && shape != full)
        throw spikebar::io_error(f.path + ": " + path + " has shape " + h5::shape_string(shape) +
                                 ", expected [1] or " + h5::shape_string(full));
    return elements_from_file(s, h5::read_floats(f, path, shape));
}

// spike_test = "gt" (u > θ) or "ge" (u >= θ, the default).
bool spike_test_above(const h5::file& f, const std::string& g) {
    if (!has_attr(f, g, "spike_test")) return false;
    const std::string t = h5::read_attr_string(f, g, "spike_test");
    if (t != "gt" && t != "ge")
        throw spikebar::io_error(f.path + ": " + g + "@spike_test = '" + t + "', expected gt or ge");
    return t == "gt";
}

// An ANN layer's QCFS activation (snn/neuron.hpp): one clip threshold λ and one number of
// quantization levels L, as the engine needs them.
void check_qcfs(const h5::file& f, const std::string& g, const neuron_layer_params& np) {
    const bool ok = np.levels.size() == 1 && np.threshold.size() == 1 && np.levels[0] >= 1 &&
                    np.levels[0] <= 1 << 16 && np.levels[0] == std::floor(np.levels[0]) &&
                    np.threshold[0] > 0 && std::isfinite(np.threshold[0]);
    if (!ok)
        throw spikebar::io_error(f.path + ": " + g + ": a QCFS activation needs one levels, an " +
                                 "integer in [1, 65536], and one threshold > 0 (finite)");
}

model read_model(const h5::file& f) {
    if (h5::read_attr_string(f, "/", "format") != "spikebar-model")
        throw spikebar::io_error(f.path + ": /@format is not 'spikebar-model'");
    const auto version = h5::read_attr_int(f, "/", "format_version");
    if (version < 1 || version > model_format_version)
        throw spikebar::io_error(f.path + ": /@format_version = " + std::to_string(version) +
                                 ", this build reads versions 1 to " +
                                 std::to_string(model_format_version));
    model m;
    const auto shape = h5::read_attr_ints(f, "/network", "input_shape");
    if (shape.size() != 3 || shape[0] < 1 || shape[1] < 1 || shape[2] < 1 || shape[0] > 1 << 16 ||
        shape[1] > 1 << 16 || shape[2] > 1 << 16)
        throw spikebar::io_error(f.path + ": /network@input_shape must be [C, H, W] of positive integers");
    m.net.timesteps = static_cast<int>(h5::read_attr_int(f, "/network", "timesteps"));
    m.net.encoding = h5::read_attr_string(f, "/network", "encoding");
    m.net.kind = h5::read_attr_string(f, "/network", "kind");
    if (has_attr(f, "/network", "input_max")) {
        const double v = h5::read_attr_double(f, "/network", "input_max");
        if (!(v > 0 && v < 1e30))
            throw spikebar::io_error(f.path + ": /network@input_max must be > 0");
        m.input_max = static_cast<float>(v);
    }
    m.lif.decay = h5::read_attr_double(f, "/neuron", "decay");
    m.lif.threshold = h5::read_attr_double(f, "/neuron", "threshold");
    m.lif.reset = h5::read_attr_string(f, "/neuron", "reset");
    m.lif.v_reset = h5::read_attr_double(f, "/neuron", "v_reset");
    m.arch.input = {int(shape[0]), int(shape[1]), int(shape[2])};
    for (std::size_t i = 0;; ++i) {
        const std::string g = layer_group(i);
        if (!h5::exists(f, g)) break;
        m.arch.layers.push_back(read_layer_spec(f, g));
    }
    if (m.arch.layers.empty()) throw spikebar::io_error(f.path + ": /layers/00 is missing (no layers)");
    try {
        infer_shapes(m.arch);
        const shape3 out = m.arch.layers.back().out;
        if (out.h != 1 || out.w != 1)
            throw spikebar::config_error("the last layer's output must be a vector (flatten it)");
        m.net.layers = m.arch.to_string();
        m.net.validate();
        m.lif.validate();
    } catch (const spikebar::config_error& e) {
        throw spikebar::io_error(f.path + ": " + e.what());
    }
    const auto classes = h5::read_attr_int(f, "/network", "num_classes");
    if (classes != m.num_classes())
        throw spikebar::io_error(f.path + ": /network@num_classes = " + std::to_string(classes) +
                                 " but the readout has " + std::to_string(m.num_classes()) + " outputs");
    m.layers.resize(m.arch.layers.size());
    for (std::size_t i = 0; i < m.arch.layers.size(); ++i) {
        const auto& l = m.arch.layers[i];
        auto& s = m.layers[i];
        const std::string g = layer_group(i);
        if (l.has_weights()) {
            s.weight = from_file(m.arch, i, h5::read_floats(f, g + "/weight", file_shape(m.arch, i)));
            s.bias = h5::read_floats(f, g + "/bias", {hsize_t(l.out.c)});
        } else if (l.kind == layer_kind::bn) {
            const hsize_t c = l.out.c;
            s.bn_eps = static_cast<float>(h5::read_attr_double(f, g, "eps"));
            s.gamma = h5::read_floats(f, g + "/gamma", {c});
            s.beta = h5::read_floats(f, g + "/beta", {c});
            s.running_mean = h5::read_floats(f, g + "/running_mean", {c});
            s.running_var = h5::read_floats(f, g + "/running_var", {c});
        } else if (l.is_neuron()) {
            neuron_layer_params& np = s.neuron;
            for (const auto& [name, field] : neuron_fields())
                if (h5::exists(f, g + "/" + name)) np.*field = read_elements(f, g + "/" + name, l.out);
            if (has_attr(f, g, "reset")) {
                np.reset = h5::read_attr_string(f, g, "reset");
                if (np.reset != "hard" && np.reset != "soft")
                    throw spikebar::io_error(f.path + ": " + g + "@reset = '" + np.reset +
                                             "', expected hard or soft");
            }
            np.fire_above = spike_test_above(f, g);
            if (m.is_ann() && !np.levels.empty()) check_qcfs(f, g, np);
            if (!np.syn_gain.empty() && np.syn_decay.empty())
                throw spikebar::io_error(f.path + ": " + g + "/syn_gain needs " + g + "/syn_decay");
        } else if (l.kind == layer_kind::scale) {
            s.weight = read_elements(f, g + "/scale", l.out);
        } else if (l.kind == layer_kind::threshold) {
            s.bias = read_elements(f, g + "/threshold", l.out);
            s.fire_above = spike_test_above(f, g);
        }
    }
    if (h5::exists(f, "/metadata"))
        for (const auto& k : h5::attr_names(f, "/metadata")) m.metadata[k] = h5::read_attr_string(f, "/metadata", k);
    return m;
}

}  // namespace

void save_model(const model& m, const std::string& path, const optimizer_state* opt, int epochs_done) {
    const std::string tmp = path + ".tmp";
    try {
        write_file(m, tmp, opt, epochs_done);
    } catch (...) {
        std::remove(tmp.c_str());
        throw;
    }
    // The HDF5 file is closed here; make it durable before it takes the final name.
    h5::commit_file(tmp, path);
}

std::vector<float> weight_from_file_layout(const architecture& a, std::size_t layer,
                                          const std::vector<float>& file) {
    return from_file(a, layer, file);
}

std::vector<float> weight_to_file_layout(const architecture& a, std::size_t layer,
                                        const std::vector<float>& internal) {
    return to_file(a, layer, internal);
}

std::vector<float> elements_from_file_layout(const shape3& s, const std::vector<float>& file) {
    return elements_from_file(s, file);
}

std::vector<float> elements_to_file_layout(const shape3& s, const std::vector<float>& internal) {
    return elements_to_file(s, internal);
}

model load_model(const std::string& path) {
    const h5::file f = h5::file::open_read(path);
    return read_model(f);
}

checkpoint load_checkpoint(const std::string& path) {
    const h5::file f = h5::file::open_read(path);
    checkpoint c;
    c.m = read_model(f);
    if (!h5::exists(f, "/optimizer"))
        throw spikebar::io_error(path + ": /optimizer is missing (a model file, not a training checkpoint)");
    c.opt.step = h5::read_attr_int(f, "/optimizer", "step");
    c.epochs_done = static_cast<int>(h5::read_attr_int(f, "/optimizer", "epochs_done"));
    for (std::size_t i = 0; i < c.m.arch.layers.size(); ++i)
        for (const auto& [name, t] : tensors(c.m, i)) {
            const std::string base = "/optimizer" + layer_group(i).substr(7) + "_" + name;
            c.opt.m.push_back(h5::read_floats(f, base + "_m", {hsize_t(t->size())}));
            c.opt.v.push_back(h5::read_floats(f, base + "_v", {hsize_t(t->size())}));
        }
    return c;
}

}  // namespace snn
