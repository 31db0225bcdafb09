#include "snn/architecture.hpp"

#include <sstream>

#include "common/errors.hpp"
#include "common/format.hpp"

namespace snn {

const char* layer_kind_name(layer_kind k) {
    switch (k) {
        case layer_kind::conv: return "conv";
        case layer_kind::linear: return "linear";
        case layer_kind::bn: return "bn";
        case layer_kind::lif: return "lif";
        case layer_kind::relu: return "relu";
        case layer_kind::avgpool: return "avgpool";
        case layer_kind::maxpool: return "maxpool";
        case layer_kind::flatten: return "flatten";
        case layer_kind::sumpool: return "sumpool";
        case layer_kind::scale: return "scale";
        case layer_kind::threshold: return "threshold";
        case layer_kind::li: return "li";
    }
    return "?";
}

namespace {

using spikebar::trim;

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::string item;
    std::istringstream in(s);
    while (std::getline(in, item, sep)) out.push_back(trim(item));
    // getline drops an empty last field: keep it, so "linear:10," is a stray comma.
    if (!s.empty() && s.back() == sep) out.push_back("");
    return out;
}

[[noreturn]] void fail(const std::string& text, const std::string& token, const std::string& why) {
    throw spikebar::config_error("network.layers", "\"" + text + "\"", "layer '" + token + "' " + why);
}

int positive_int(const std::string& text, const std::string& token, const std::string& field) {
    try {
        std::size_t used = 0;
        const int v = std::stoi(field, &used);
        if (used == field.size() && v > 0) return v;
    } catch (const std::exception&) {
    }
    fail(text, token, "needs a positive integer, got '" + field + "'");
}

}  // namespace

int window_output(int in, int k, int s, int p_begin, int p_end, int d) {
    const long span = long(in) + p_begin + p_end - long(d) * (k - 1) - 1;
    return span < 0 ? 0 : int(span / s + 1);
}

void infer_shapes(architecture& a) {
    shape3 cur = a.input;
    for (std::size_t i = 0; i < a.layers.size(); ++i) {
        layer_spec& l = a.layers[i];
        auto bad = [&](const std::string& why) {
            throw spikebar::config_error("layer " + std::to_string(i) + " (" +
                                         layer_kind_name(l.kind) + "): " + why);
        };
        l.in = cur;
        const bool window = l.kind == layer_kind::conv || l.kind == layer_kind::avgpool ||
                            l.kind == layer_kind::maxpool || l.kind == layer_kind::sumpool;
        if (window) {
            if (l.kh() < 1 || l.kw() < 1 || l.sh() < 1 || l.sw() < 1 || l.dh() < 1 || l.dw() < 1)
                bad("kernel, stride and dilation must be >= 1");
            if (l.ph() < 0 || l.pw() < 0 || l.pb() < 0 || l.pr() < 0) bad("padding must be >= 0");
            if (l.kind == layer_kind::conv && l.kh() * l.kw() > 121)
                bad("has a " + std::to_string(l.kh()) + "x" + std::to_string(l.kw()) +
                    " kernel; the kernels support at most 121 taps");
            if (l.kind == layer_kind::maxpool && l.kh() * l.kw() > 256)
                bad("the maxpool window holds at most 256 taps");
            if (l.kind != layer_kind::conv && (l.dh() != 1 || l.dw() != 1))
                bad("pooling has no dilation");
            const int oh = window_output(cur.h, l.kh(), l.sh(), l.ph(), l.pb(), l.dh());
            const int ow = window_output(cur.w, l.kw(), l.sw(), l.pw(), l.pr(), l.dw());
            if (oh < 1 || ow < 1)
                bad("its window does not fit its input " + std::to_string(cur.h) + "x" +
                    std::to_string(cur.w));
            int c = cur.c;
            if (l.kind == layer_kind::conv) {
                if (l.out_channels < 1) bad("needs at least one output channel");
                if (l.groups < 1 || cur.c % l.groups || l.out_channels % l.groups)
                    bad("groups = " + std::to_string(l.groups) + " must divide its " +
                        std::to_string(cur.c) + " input and " + std::to_string(l.out_channels) +
                        " output channels");
                c = l.out_channels;
            } else if (l.groups != 1) {
                bad("pooling has no groups");
            }
            cur = {c, oh, ow};
        } else if (l.kind == layer_kind::linear) {
            if (cur.h != 1 || cur.w != 1) bad("needs flatten before it");
            if (l.out_channels < 1) bad("needs at least one output");
            cur = {l.out_channels, 1, 1};
        } else if (l.kind == layer_kind::flatten) {
            cur = {cur.size(), 1, 1};
        } else if (l.kind == layer_kind::bn && (i == 0 || !a.layers[i - 1].has_weights())) {
            bad("must directly follow conv or linear (it is folded into them)");
        }
        l.out = cur;
    }
}

std::string architecture::to_string() const {
    std::ostringstream s;
    for (std::size_t i = 0; i < layers.size(); ++i) {
        const auto& l = layers[i];
        if (i) s << ", ";
        s << layer_kind_name(l.kind);
        const bool pool = l.kind == layer_kind::avgpool || l.kind == layer_kind::maxpool ||
                          l.kind == layer_kind::sumpool;
        if (l.kind == layer_kind::conv && l.simple_window()) {
            s << ':' << l.out_channels << ':' << l.kernel << ':' << l.stride << ':' << l.pad;
        } else if (l.kind == layer_kind::conv) {
            s << ':' << l.out_channels << ':' << l.kh() << 'x' << l.kw() << ":s" << l.sh() << 'x'
              << l.sw() << ":p" << l.ph() << 'x' << l.pw() << ":d" << l.dh() << 'x' << l.dw()
              << ":g" << l.groups;
        } else if (l.kind == layer_kind::linear) {
            s << ':' << l.out_channels;
        } else if (pool && l.kh() == l.kw() && l.sh() == l.kh() && l.sw() == l.kw() && l.ph() == 0 &&
                   l.pw() == 0) {
            s << ':' << l.kernel;
        } else if (pool) {
            s << ':' << l.kh() << 'x' << l.kw() << ":s" << l.sh() << 'x' << l.sw() << ":p" << l.ph()
              << 'x' << l.pw();
        }
    }
    return s.str();
}

architecture parse_architecture(const std::string& text, shape3 input) {
    architecture a;
    a.input = input;
    shape3 cur = input;
    bool flat = false;
    for (const std::string& token : split(text, ',')) {
        if (token.empty()) fail(text, token, "is empty (stray comma?)");
        const auto f = split(token, ':');
        layer_spec l;
        l.in = cur;
        const std::string& kind = f[0];
        auto want_fields = [&](std::size_t lo, std::size_t hi) {
            if (f.size() < lo || f.size() > hi)
                fail(text, token, "has " + std::to_string(f.size() - 1) + " parameters, expected " +
                                      std::to_string(lo - 1) +
                                      (hi > lo ? " to " + std::to_string(hi - 1) : ""));
        };
        if (kind == "conv") {
            want_fields(3, 5);
            if (flat) fail(text, token, "cannot follow flatten or linear");
            l.kind = layer_kind::conv;
            l.out_channels = positive_int(text, token, f[1]);
            l.kernel = positive_int(text, token, f[2]);
            // conv_forward and conv_backward_input gather at most 11 x 11 taps on the stack.
            if (l.kernel > 11)
                fail(text, token, "has kernel " + f[2] + ", the kernels support at most 11");
            l.stride = f.size() > 3 ? positive_int(text, token, f[3]) : 1;
            l.pad = l.kernel / 2;
            if (f.size() > 4) {
                l.pad = f[4] == "0" ? 0 : positive_int(text, token, f[4]);
            }
            const int oh = window_output(cur.h, l.kernel, l.stride, l.pad, l.pad, 1);
            const int ow = window_output(cur.w, l.kernel, l.stride, l.pad, l.pad, 1);
            if (oh < 1 || ow < 1) fail(text, token, "does not fit its input");
            cur = {l.out_channels, oh, ow};
        } else if (kind == "linear") {
            want_fields(2, 2);
            if (!flat && (cur.h != 1 || cur.w != 1)) fail(text, token, "needs flatten before it");
            l.kind = layer_kind::linear;
            l.out_channels = positive_int(text, token, f[1]);
            cur = {l.out_channels, 1, 1};
            flat = true;
        } else if (kind == "avgpool" || kind == "maxpool") {
            want_fields(2, 2);
            if (flat) fail(text, token, "cannot follow flatten or linear");
            l.kind = kind == "avgpool" ? layer_kind::avgpool : layer_kind::maxpool;
            l.kernel = l.stride = positive_int(text, token, f[1]);
            // maxpool records the argmax window offset ky * k + kx in one byte.
            if (l.kind == layer_kind::maxpool && l.kernel > 16)
                fail(text, token, "has kernel " + f[1] + ", the kernels support at most 16");
            if (cur.h < l.kernel || cur.w < l.kernel) fail(text, token, "is larger than its input");
            cur = {cur.c, cur.h / l.kernel, cur.w / l.kernel};
        } else if (kind == "bn" || kind == "lif" || kind == "relu" || kind == "flatten") {
            want_fields(1, 1);
            l.kind = kind == "bn"    ? layer_kind::bn
                     : kind == "lif" ? layer_kind::lif
                     : kind == "relu" ? layer_kind::relu
                                      : layer_kind::flatten;
            if (l.kind == layer_kind::bn &&
                (a.layers.empty() || !a.layers.back().has_weights()))
                fail(text, token, "must directly follow conv or linear (it is folded into them)");
            if (l.kind == layer_kind::flatten) {
                cur = {cur.size(), 1, 1};
                flat = true;
            }
        } else {
            fail(text, token,
                 "has unknown type '" + kind +
                     "': expected conv, linear, bn, lif, relu, avgpool, maxpool or flatten");
        }
        l.out = cur;
        a.layers.push_back(l);
    }
    if (a.layers.empty() || a.layers.back().kind != layer_kind::linear)
        throw spikebar::config_error("network.layers", "\"" + text + "\"",
                                     "the last layer must be linear (the readout)");
    return a;
}

}  // namespace snn
