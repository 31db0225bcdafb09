// The general network of imported models (architecture.hpp windows, snn/neuron.hpp,
// sumpool / scale / threshold / li, frames of input), checked against slow obvious loops
// written from the documented equations, and the model file's version 2 against itself.
//
// The networks here use weights, inputs and neuron parameters that are small multiples
// of 1/8 (and decays 0.5, 0.75), so every sum and product is exact in float: the kernels
// and the reference must then agree bit for bit, whatever their summation order.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <unistd.h>
#include <vector>

#include "common/rng.hpp"
#include "snn/engine.hpp"
#include "snn/kernels.hpp"
#include "snn/model_io.hpp"
#include "snn/neuron.hpp"

using namespace snn;

namespace {

// Values k/8 for k in [lo, hi], drawn from a counter stream.
std::vector<float> eighths(std::uint64_t seed, std::size_t n, int lo, int hi, double zeros = 0) {
    spikebar::counter_stream s{seed, 0x6e657572u};
    std::vector<float> v(n);
    for (auto& x : v) {
        const double u = s.uniform();
        x = u < zeros ? 0.0f : float(lo + int(s.uniform() * (hi - lo + 1))) / 8.0f;
    }
    return v;
}

// PyTorch's conv2d from its definition, on a (C, H, W) map and weight [out, in/g, kh, kw],
// asymmetric zero padding (top, bottom, left, right).
std::vector<float> reference_conv_chw(const std::vector<float>& x, int cin, int h, int w,
                                      const std::vector<float>& wt, int cout, int kh, int kw,
                                      int sh, int sw, int pt, int pb, int pl, int pr, int dh,
                                      int dw, int groups, const std::vector<float>& b, int& oh,
                                      int& ow) {
    oh = (h + pt + pb - dh * (kh - 1) - 1) / sh + 1;
    ow = (w + pl + pr - dw * (kw - 1) - 1) / sw + 1;
    const int cin_g = cin / groups, cout_g = cout / groups;
    std::vector<float> out(std::size_t(cout) * oh * ow);
    for (int co = 0; co < cout; ++co)
        for (int oy = 0; oy < oh; ++oy)
            for (int ox = 0; ox < ow; ++ox) {
                double acc = b[co];
                const int g = co / cout_g;
                for (int cf = 0; cf < cin_g; ++cf)
                    for (int ky = 0; ky < kh; ++ky)
                        for (int kx = 0; kx < kw; ++kx) {
                            const int iy = oy * sh - pt + ky * dh, ix = ox * sw - pl + kx * dw;
                            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                            acc += double(x[(std::size_t(g * cin_g + cf) * h + iy) * w + ix]) *
                                   wt[((std::size_t(co) * cin_g + cf) * kh + ky) * kw + kx];
                        }
                out[(std::size_t(co) * oh + oy) * ow + ox] = float(acc);
            }
    return out;
}

std::vector<float> chw_to_hwc(const std::vector<float>& v, int c, int h, int w) {
    std::vector<float> o(v.size());
    for (int ch = 0; ch < c; ++ch)
        for (int p = 0; p < h * w; ++p) o[std::size_t(p) * c + ch] = v[std::size_t(ch) * h * w + p];
    return o;
}

}  // namespace

TEST_CASE("general conv windows equal PyTorch's conv2d written out as loops") {
    // Reference: conv2d's definition (reference_conv_chw) on the file-layout weights, so
    // the weight layout conversion for groups is checked too. Exact: eighths.
    struct window_case {
        int cin, h, w, cout, kh, kw, sh, sw, pt, pb, pl, pr, dh, dw, groups;
    };
    const window_case cases[] = {
        {2, 9, 7, 4, 3, 2, 1, 2, 1, 1, 0, 0, 1, 1, 1},  // rectangular, strided one axis
        {4, 8, 8, 6, 3, 3, 2, 2, 1, 1, 1, 1, 2, 2, 2},  // dilated, grouped
        {3, 6, 5, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 3},  // depthwise
        {2, 7, 7, 16, 2, 2, 1, 1, 0, 1, 0, 1, 1, 1, 1},  // asymmetric ("same", even kernel)
        {16, 6, 6, 8, 5, 5, 2, 2, 1, 1, 1, 1, 1, 1, 1},  // cnn_sinabs' first layer shape
    };
    std::uint64_t seed = 11;
    for (const auto& c : cases) {
        architecture a;
        a.input = {c.cin, c.h, c.w};
        layer_spec l;
        l.kind = layer_kind::conv;
        l.out_channels = c.cout;
        l.kernel = c.kh, l.kernel_w = c.kw, l.stride = c.sh, l.stride_w = c.sw;
        l.pad = c.pt, l.pad_end_h = c.pb, l.pad_w = c.pl, l.pad_end_w = c.pr;
        l.dilation = c.dh, l.dilation_w = c.dw, l.groups = c.groups;
        a.layers = {l};
        infer_shapes(a);
        const layer_spec& L = a.layers[0];
        const auto x = eighths(++seed, std::size_t(c.cin) * c.h * c.w, -8, 8, 0.3);
        const auto wf = eighths(++seed, std::size_t(c.cout) * (c.cin / c.groups) * c.kh * c.kw, -4, 4);
        const auto b = eighths(++seed, std::size_t(c.cout), -8, 8);
        int oh = 0, ow = 0;
        const auto ref = reference_conv_chw(x, c.cin, c.h, c.w, wf, c.cout, c.kh, c.kw, c.sh, c.sw,
                                            c.pt, c.pb, c.pl, c.pr, c.dh, c.dw, c.groups, b, oh, ow);
        INFO("case cin " << c.cin << " k " << c.kh << "x" << c.kw << " groups " << c.groups);
        REQUIRE(L.out == shape3{c.cout, oh, ow});
        const auto w = weight_from_file_layout(a, 0, wf);
        CHECK(weight_to_file_layout(a, 0, w) == wf);
        const auto xi = chw_to_hwc(x, c.cin, c.h, c.w);
        kernels::sparse_map<float> sx;
        sx.build(xi.data(), c.h * c.w, c.cin);
        std::vector<float> out(std::size_t(L.out.size()), -7.0f);
        kernels::conv_forward(L, sx, w.data(), b.data(), out.data());
        CHECK(out == chw_to_hwc(ref, c.cout, oh, ow));
    }
}

TEST_CASE("sum and average pools with stride and padding equal their definitions") {
    // Reference: the window sum over in-range taps (zero padding), divided by kh * kw for
    // the average (count_include_pad, PyTorch's default).
    architecture a;
    a.input = {3, 7, 6};
    layer_spec l;
    l.kind = layer_kind::sumpool;
    l.kernel = 3, l.kernel_w = 2, l.stride = 2, l.stride_w = 1, l.pad = 1, l.pad_w = 0;
    a.layers = {l};
    infer_shapes(a);
    const layer_spec& L = a.layers[0];
    REQUIRE(L.out == shape3{3, 4, 5});
    const auto x = eighths(3, std::size_t(a.input.size()), 0, 8);
    for (bool average : {false, true}) {
        std::vector<float> out(std::size_t(L.out.size()));
        kernels::pool_sum_forward(L, x.data(), out.data(), average);
        for (int oy = 0; oy < L.out.h; ++oy)
            for (int ox = 0; ox < L.out.w; ++ox)
                for (int c = 0; c < 3; ++c) {
                    float s = 0;
                    for (int ky = 0; ky < 3; ++ky)
                        for (int kx = 0; kx < 2; ++kx) {
                            const int iy = oy * 2 - 1 + ky, ix = ox + kx;
                            if (iy >= 0 && iy < 7 && ix < 6) s += x[(iy * 6 + ix) * 3 + c];
                        }
                    if (average) s *= 1.0f / 6.0f;
                    CHECK(out[(oy * L.out.w + ox) * 3 + c] == s);
                }
    }
}

TEST_CASE("neuron_step with uniform parameters is bit-identical to lif_step") {
    // Reference: kernels::lif_step, the trained models' kernel, on random currents.
    spikebar::counter_stream s{5, 1};
    const int n = 257;
    std::vector<float> x(n);
    for (const bool soft : {false, true}) {
        std::vector<float> v1(n, 0), v2(n, 0), c(n, 0), o1(n), o2(n);
        const float decay = 0.7f, th = 1.0f, vr = -0.25f, one = 1, zero = 0;
        kernels::neuron_coeffs k;
        k.decay = {&decay, 0}, k.gain = {&one, 0}, k.drive = {&zero, 0};
        k.threshold = {&th, 0}, k.v_reset = {&vr, 0}, k.soft = soft;
        for (int t = 0; t < 6; ++t) {
            for (auto& xi : x) xi = float(2 * s.uniform() - 0.5);
            const int a = kernels::lif_step(n, decay, th, soft, vr, v1.data(), x.data(), o1.data());
            const int b = kernels::neuron_step(n, k, v2.data(), c.data(), x.data(), o2.data());
            CHECK(a == b);
            CHECK(std::memcmp(v1.data(), v2.data(), n * sizeof(float)) == 0);
            CHECK(o1 == o2);
        }
    }
}

TEST_CASE("neuron_step follows hand-solved traces") {
    const float one = 1, zero = 0;
    SUBCASE("IF with gain 1, threshold 1 and constant input 0.5: first spike at step 2 (>=), 3 (>)") {
        // By hand: v = 0.5, 1.0 (>= fires at 2; > does not), 1.5 (> fires at 3).
        for (const bool above : {false, true}) {
            kernels::neuron_coeffs k;
            k.decay = {&one, 0}, k.gain = {&one, 0}, k.drive = {&zero, 0};
            k.threshold = {&one, 0}, k.v_reset = {&zero, 0}, k.fire_above = above;
            float v = 0, c = 0, x = 0.5f, s = 0;
            int first = 0;
            for (int t = 1; t <= 4 && !first; ++t) {
                kernels::neuron_step(1, k, &v, &c, &x, &s);
                if (s == 1.0f) first = t;
            }
            CHECK(first == (above ? 3 : 2));
        }
    }
    SUBCASE("LIF with drive and per-neuron thresholds, soft reset") {
        // u = 0.5 v + 1.5 x + 0.25; neuron 0 threshold 1, neuron 1 threshold 2; x = 0.5.
        // Neuron 0: u1 = 1.0 -> fires, v = 0; u2 = 1.0 -> fires, v = 0, ...
        // Neuron 1: u1 = 1.0, u2 = 1.5, u3 = 1.75, u4 = 1.875 (never reaches 2 by t = 4).
        const float decay = 0.5f, gain = 1.5f, drive = 0.25f, th[2] = {1.0f, 2.0f};
        kernels::neuron_coeffs k;
        k.decay = {&decay, 0}, k.gain = {&gain, 0}, k.drive = {&drive, 0};
        k.threshold = {th, 1}, k.v_reset = {&zero, 0}, k.soft = true;
        float v[2] = {0, 0}, c[2] = {0, 0}, x[2] = {0.5f, 0.5f}, s[2];
        const float v1[4] = {1.0f, 1.5f, 1.75f, 1.875f};
        for (int t = 0; t < 4; ++t) {
            CHECK(kernels::neuron_step(2, k, v, c, x, s) == 1);
            CHECK(s[0] == 1.0f);
            CHECK(v[0] == 0.0f);
            CHECK(s[1] == 0.0f);
            CHECK(v[1] == v1[t]);
        }
    }
    SUBCASE("current stage and a non-spiking li readout") {
        // c = 0.5 c + 2 x, u = 0.75 v + c; x = 1 at t = 1 only:
        // c = 2, 1, 0.5;  v = 2, 2.5, 2.375 (li: the output is v).
        const float sd = 0.5f, sg = 2.0f, decay = 0.75f;
        kernels::neuron_coeffs k;
        k.decay = {&decay, 0}, k.gain = {&one, 0}, k.drive = {&zero, 0};
        k.threshold = {&one, 0}, k.v_reset = {&zero, 0};
        k.has_syn = true, k.syn_decay = {&sd, 0}, k.syn_gain = {&sg, 0}, k.spiking = false;
        float v = 0, c = 0, out = 0;
        const float xs[3] = {1, 0, 0}, cs[3] = {2, 1, 0.5f}, vs[3] = {2, 2.5f, 2.375f};
        for (int t = 0; t < 3; ++t) {
            CHECK(kernels::neuron_step(1, k, &v, &c, &xs[t], &out) == 0);
            CHECK(c == cs[t]);
            CHECK(v == vs[t]);
            CHECK(out == vs[t]);
        }
    }
}

namespace {

// conv(2->4, 3x2, stride 1x2, dilated, grouped 2) -> lif (per-neuron thresholds, current
// stage, > test) -> sumpool 2 -> scale 0.5 -> threshold 0.75 -> flatten -> linear -> li.
model general_model() {
    model m;
    m.net.timesteps = 5;
    m.lif.decay = 0.5;
    m.arch.input = {2, 8, 9};
    layer_spec conv;
    conv.kind = layer_kind::conv;
    conv.out_channels = 4;
    conv.kernel = 3, conv.kernel_w = 2, conv.stride_w = 2, conv.pad = 1, conv.dilation = 2;
    conv.groups = 2;
    layer_spec lif, pool, scale, thr, flat, lin, li;
    lif.kind = layer_kind::lif;
    pool.kind = layer_kind::sumpool;
    pool.kernel = 2, pool.stride = 2;
    scale.kind = layer_kind::scale;
    thr.kind = layer_kind::threshold;
    flat.kind = layer_kind::flatten;
    lin.kind = layer_kind::linear;
    lin.out_channels = 3;
    li.kind = layer_kind::li;
    m.arch.layers = {conv, lif, pool, scale, thr, flat, lin, li};
    infer_shapes(m.arch);
    m.layers.resize(m.arch.layers.size());
    m.layers[0].weight = weight_from_file_layout(m.arch, 0, eighths(21, 4 * 1 * 3 * 2, -6, 8));
    m.layers[0].bias = eighths(22, 4, -2, 4);
    auto& np = m.layers[1].neuron;
    np.threshold = eighths(23, std::size_t(m.arch.layers[1].out.size()), 4, 12);
    np.decay = {0.75f};
    np.syn_decay = {0.5f};
    np.syn_gain = {1.0f};
    np.reset = "soft";
    np.fire_above = true;
    m.layers[3].weight = {0.5f};
    m.layers[4].bias = {0.75f};
    m.layers[6].weight = eighths(24, std::size_t(m.arch.layers[6].in.size()) * 3, -4, 4);
    m.layers[6].bias = eighths(25, 3, -2, 2);
    m.layers[7].neuron.decay = {0.5f};
    m.layers[7].neuron.drive = {0.125f};
    return m;
}

// The network above written out from the equations, on frames [T][C,H,W] (channel-major).
std::vector<std::vector<float>> reference_outputs(const model& m, const std::vector<float>& frames,
                                                  int T) {
    const auto& L = m.arch.layers;
    const shape3 in = m.arch.input;
    const shape3 c1 = L[0].out, p1 = L[2].out;
    const std::size_t n1 = std::size_t(c1.size()), np = std::size_t(p1.size());
    std::vector<float> v1(n1, 0), i1(n1, 0), v7(3, 0);
    std::vector<std::vector<float>> out;
    const auto& th = m.layers[1].neuron.threshold;  // channel-last per neuron
    for (int t = 0; t < T; ++t) {
        const float* x = frames.data() + std::size_t(t) * in.size();
        // conv via the internal layout: out[p][co] = b + sum over taps
        std::vector<float> y(n1);
        for (int oy = 0; oy < c1.h; ++oy)
            for (int ox = 0; ox < c1.w; ++ox)
                for (int co = 0; co < c1.c; ++co) {
                    float acc = m.layers[0].bias[co];
                    for (int ky = 0; ky < 3; ++ky)
                        for (int kx = 0; kx < 2; ++kx)
                            for (int ci = 0; ci < in.c; ++ci) {
                                const int iy = oy - 1 + 2 * ky, ix = ox * 2 - 1 + 2 * kx;
                                if (iy < 0 || iy >= in.h || ix < 0 || ix >= in.w) continue;
                                acc += x[(ci * in.h + iy) * in.w + ix] *
                                       m.layers[0].weight[((ky * 2 + kx) * in.c + ci) * c1.c + co];
                            }
                    y[(oy * c1.w + ox) * c1.c + co] = acc;
                }
        std::vector<float> s(n1);
        for (std::size_t k = 0; k < n1; ++k) {
            i1[k] = 0.5f * i1[k] + y[k];
            const float u = 0.75f * v1[k] + i1[k];
            const bool fire = u > th[k];
            s[k] = fire ? 1.0f : 0.0f;
            v1[k] = fire ? u - th[k] : u;
        }
        std::vector<float> z(np);  // sumpool 2, scale 0.5, threshold >= 0.75
        for (int oy = 0; oy < p1.h; ++oy)
            for (int ox = 0; ox < p1.w; ++ox)
                for (int c = 0; c < p1.c; ++c) {
                    float sum = 0;
                    for (int ky = 0; ky < 2; ++ky)
                        for (int kx = 0; kx < 2; ++kx)
                            sum += s[((oy * 2 + ky) * c1.w + ox * 2 + kx) * c1.c + c];
                    z[(oy * p1.w + ox) * p1.c + c] = 0.5f * sum >= 0.75f ? 1.0f : 0.0f;
                }
        std::vector<float> o(3);
        for (int k = 0; k < 3; ++k) {
            float acc = m.layers[6].bias[k];
            for (std::size_t i = 0; i < np; ++i) acc += z[i] * m.layers[6].weight[i * 3 + k];
            v7[k] = 0.5f * v7[k] + acc + 0.125f;
            o[k] = v7[k];
        }
        out.push_back(o);
    }
    return out;
}

}  // namespace

TEST_CASE("the engine runs a general network on frames exactly as its equations say") {
    // Reference: reference_outputs, the network written out as loops (exact: eighths).
    const model m = general_model();
    const int T = 5, n = 3;
    const std::size_t isz = std::size_t(m.arch.input.size());
    std::vector<float> frames(n * T * isz);
    for (std::size_t i = 0; i < frames.size(); ++i) frames[i] = float((i * 7 + i / 5) % 4) / 2.0f;
    const ideal_synapse syn(m);
    engine e(m, syn);
    e.start(frames.data(), n, 0, T);
    CHECK(e.num_lif_layers() == 1);  // the li readout is not a lif layer
    std::vector<std::vector<std::vector<float>>> ref;
    for (int s = 0; s < n; ++s)
        ref.push_back(reference_outputs(
            m, std::vector<float>(frames.begin() + std::ptrdiff_t(s * T * isz),
                                  frames.begin() + std::ptrdiff_t((s + 1) * T * isz)),
            T));
    int spikes = 0;
    for (int t = 0; t < T; ++t) {
        e.step();
        for (int s = 0; s < n; ++s) {
            const float* o = e.logits(s);
            CHECK(std::vector<float>(o, o + 3) == ref[s][t]);
            spikes += int(e.spike_count(s, 0));
        }
    }
    CHECK(spikes > 0);  // the case exercises the spike path
    CHECK_THROWS_AS(e.step(), std::invalid_argument);  // no sixth frame
}

TEST_CASE("model file version 2 keeps a general network bit for bit") {
    // Reference: the model written, read back and run again gives the same outputs.
    const model m = general_model();
    const std::string path = "/tmp/spikebar_general_net_" + std::to_string(getpid()) + ".h5";
    save_model(m, path);
    const model r = load_model(path);
    std::remove(path.c_str());
    REQUIRE(r.arch.layers.size() == m.arch.layers.size());
    for (std::size_t i = 0; i < m.arch.layers.size(); ++i) {
        const auto &a = m.arch.layers[i], &b = r.arch.layers[i];
        INFO("layer " << i);
        CHECK(a.kind == b.kind);
        CHECK(a.out == b.out);
        CHECK(a.kw() == b.kw());
        CHECK(a.sw() == b.sw());
        CHECK(a.dh() == b.dh());
        CHECK(a.groups == b.groups);
        CHECK(m.layers[i].weight == r.layers[i].weight);
        CHECK(m.layers[i].bias == r.layers[i].bias);
        CHECK(m.layers[i].neuron.threshold == r.layers[i].neuron.threshold);
        CHECK(m.layers[i].neuron.decay == r.layers[i].neuron.decay);
        CHECK(m.layers[i].neuron.drive == r.layers[i].neuron.drive);
        CHECK(m.layers[i].neuron.syn_decay == r.layers[i].neuron.syn_decay);
        CHECK(m.layers[i].neuron.reset == r.layers[i].neuron.reset);
        CHECK(m.layers[i].neuron.fire_above == r.layers[i].neuron.fire_above);
    }
    CHECK(r.is_general());
    CHECK(r.parameter_count() == m.parameter_count());
    CHECK(m.parameter_count() == 4 * 1 * 3 * 2 + 4 + 1 + 1 + std::size_t(m.arch.layers[6].in.size()) * 3 + 3);
}
