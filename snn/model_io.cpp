#include "snn/model_io.hpp"

#include <cstdio>
#include <filesystem>
#include <unistd.h>

#include "common/errors.hpp"
#include "snn/h5.hpp"

namespace snn {

namespace {

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
        return {hsize_t(l.out.c), hsize_t(l.in.c), hsize_t(l.kernel), hsize_t(l.kernel)};
    return {hsize_t(l.out.c), hsize_t(l.in.size())};
}

// file_index[k]: where internal weight element k ([rows][out]) sits in the file layout.
std::vector<std::size_t> file_order(const architecture& a, std::size_t i) {
    const auto& l = a.layers[i];
    const std::size_t cout = l.out.c;
    std::vector<std::size_t> at(static_cast<std::size_t>(weight_rows(l)) * cout);
    if (l.kind == layer_kind::conv) {
        const std::size_t cin = l.in.c, k = l.kernel;
        for (std::size_t co = 0; co < cout; ++co)
            for (std::size_t ci = 0; ci < cin; ++ci)
                for (std::size_t ky = 0; ky < k; ++ky)
                    for (std::size_t kx = 0; kx < k; ++kx)
                        at[((ky * k + kx) * cin + ci) * cout + co] = ((co * cin + ci) * k + ky) * k + kx;
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
    std::vector<float> f(w.size());
    for (std::size_t k = 0; k < w.size(); ++k) f[at[k]] = w[k];
    return f;
}

std::vector<float> from_file(const architecture& a, std::size_t i, const std::vector<float>& f) {
    const auto at = file_order(a, i);
    std::vector<float> w(f.size());
    for (std::size_t k = 0; k < w.size(); ++k) w[k] = f[at[k]];
    return w;
}

// Parameter tensors of layer i in optimizer order, with their file names.
std::vector<std::pair<std::string, const std::vector<float>*>> tensors(const model& m, std::size_t i) {
    const auto& s = m.layers[i];
    if (m.arch.layers[i].has_weights()) return {{"weight", &s.weight}, {"bias", &s.bias}};
    if (m.arch.layers[i].kind == layer_kind::bn) return {{"gamma", &s.gamma}, {"beta", &s.beta}};
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
        if (l.has_weights()) {
            h5::write_attr(f, g, "out_features", std::int64_t{l.out.c});
            if (l.kind == layer_kind::conv) {
                h5::write_attr(f, g, "kernel_size", std::int64_t{l.kernel});
                h5::write_attr(f, g, "stride", std::int64_t{l.stride});
                h5::write_attr(f, g, "padding", std::int64_t{l.pad});
            }
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
        } else if (l.kind == layer_kind::avgpool || l.kind == layer_kind::maxpool) {
            h5::write_attr(f, g, "kernel_size", std::int64_t{l.kernel});
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

std::string token_of(const h5::file& f, const std::string& g, const std::string& type) {
    auto num = [&](const char* key) { return std::to_string(h5::read_attr_int(f, g, key)); };
    if (type == "conv")
        return "conv:" + num("out_features") + ":" + num("kernel_size") + ":" + num("stride") + ":" + num("padding");
    if (type == "linear") return "linear:" + num("out_features");
    if (type == "avgpool" || type == "maxpool") return type + ":" + num("kernel_size");
    if (type == "bn" || type == "lif" || type == "relu" || type == "flatten") return type;
    throw spikebar::io_error(f.path + ": " + g + "@type = '" + type +
                             "' is not a known layer type (conv, linear, bn, lif, relu, avgpool, maxpool, flatten)");
}

model read_model(const h5::file& f) {
    if (h5::read_attr_string(f, "/", "format") != "spikebar-model")
        throw spikebar::io_error(f.path + ": /@format is not 'spikebar-model'");
    const auto version = h5::read_attr_int(f, "/", "format_version");
    if (version != model_format_version)
        throw spikebar::io_error(f.path + ": /@format_version = " + std::to_string(version) +
                                 ", this build reads version " + std::to_string(model_format_version));
    model m;
    const auto shape = h5::read_attr_ints(f, "/network", "input_shape");
    if (shape.size() != 3 || shape[0] < 1 || shape[1] < 1 || shape[2] < 1)
        throw spikebar::io_error(f.path + ": /network@input_shape must be [C, H, W] of positive integers");
    m.net.timesteps = static_cast<int>(h5::read_attr_int(f, "/network", "timesteps"));
    m.net.encoding = h5::read_attr_string(f, "/network", "encoding");
    m.net.kind = h5::read_attr_string(f, "/network", "kind");
    m.lif.decay = h5::read_attr_double(f, "/neuron", "decay");
    m.lif.threshold = h5::read_attr_double(f, "/neuron", "threshold");
    m.lif.reset = h5::read_attr_string(f, "/neuron", "reset");
    m.lif.v_reset = h5::read_attr_double(f, "/neuron", "v_reset");
    std::string layers;
    for (std::size_t i = 0;; ++i) {
        const std::string g = layer_group(i);
        if (!h5::exists(f, g)) break;
        layers += (i ? ", " : "") + token_of(f, g, h5::read_attr_string(f, g, "type"));
    }
    if (layers.empty()) throw spikebar::io_error(f.path + ": /layers/00 is missing (no layers)");
    m.net.layers = layers;
    try {
        m.net.validate();
        m.lif.validate();
        m.arch = parse_architecture(layers, {int(shape[0]), int(shape[1]), int(shape[2])});
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
