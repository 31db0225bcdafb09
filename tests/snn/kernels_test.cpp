// Checks the per-image kernels (snn/kernels.hpp) against slow, obvious nested loops in
// double precision over random shapes (stride 1 and 2, pad 0 and 1, kernels 1, 3, 5,
// channel counts on and off the 16/32/64/128 fast paths), checks that the event-driven
// path is bit-identical to a dense same-order accumulation for binary spikes, and checks
// lif_step against membrane sequences computed by hand.
#include "snn/kernels.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "helpers.hpp"

using namespace snn;
using snn_test::gamma_n;

namespace {

// out[oy,ox,co] = b[co] + sum in[iy,ix,ci] w[(ky*k+kx)*Cin+ci][co], in double; absum gets
// |b| + sum |in * w| (the scale of the rounding error of any summation order).
template <class F>
void reference_conv(const layer_spec& l, const std::vector<F>& x, const std::vector<F>& w,
                    const std::vector<F>& b, std::vector<double>& out, std::vector<double>& absum) {
    const int cin = l.in.c, cout = l.out.c, k = l.kernel;
    out.assign(static_cast<std::size_t>(l.out.size()), 0.0);
    absum = out;
    for (int oy = 0; oy < l.out.h; ++oy)
        for (int ox = 0; ox < l.out.w; ++ox)
            for (int co = 0; co < cout; ++co) {
                double acc = b[co], s = std::abs(double(b[co]));
                for (int ky = 0; ky < k; ++ky)
                    for (int kx = 0; kx < k; ++kx) {
                        const int iy = oy * l.stride + ky - l.pad, ix = ox * l.stride + kx - l.pad;
                        if (iy < 0 || iy >= l.in.h || ix < 0 || ix >= l.in.w) continue;
                        for (int ci = 0; ci < cin; ++ci) {
                            const double t = double(x[(iy * l.in.w + ix) * cin + ci]) *
                                             double(w[((ky * k + kx) * cin + ci) * cout + co]);
                            acc += t;
                            s += std::abs(t);
                        }
                    }
                out[(oy * l.out.w + ox) * cout + co] = acc;
                absum[(oy * l.out.w + ox) * cout + co] = s;
            }
}

template <class F>
void run_conv(const layer_spec& l, const std::vector<F>& x, const std::vector<F>& w,
              const std::vector<F>& b, std::vector<F>& out) {
    kernels::sparse_map<F> sx;
    sx.build(x.data(), l.in.h * l.in.w, l.in.c);
    out.assign(static_cast<std::size_t>(l.out.size()), F(-7));
    kernels::conv_forward(l, sx, w.data(), b.data(), out.data());
}

template <class F>
void run_linear(int n_in, int n_out, const std::vector<F>& x, const std::vector<F>& w,
                const std::vector<F>& b, std::vector<F>& out) {
    kernels::sparse_map<F> sx;
    sx.build(x.data(), 1, n_in);
    out.assign(static_cast<std::size_t>(n_out), F(-7));
    kernels::linear_forward(n_out, sx, w.data(), b.data(), out.data());
}

// |kernel - reference| <= gamma_{n+2}(u) * (|b| + sum |x w|), n = terms in the reduction
// (+1 for the bias, +1 slack for the double reference's own rounding).
template <class F>
void check_conv_case(const layer_spec& l, std::uint64_t seed, double u) {
    spikebar::counter_stream s{seed, 0xC0};
    const auto x = snn_test::random_values<F>(s, l.in.size(), -1, 1, 0.3);
    const auto w =
        snn_test::random_values<F>(s, std::size_t(l.kernel) * l.kernel * l.in.c * l.out.c, -1, 1);
    const auto b = snn_test::random_values<F>(s, l.out.c, -1, 1);
    std::vector<double> ref, absum;
    reference_conv(l, x, w, b, ref, absum);
    std::vector<F> out;
    run_conv(l, x, w, b, out);
    const double g = gamma_n(l.kernel * l.kernel * l.in.c + 2, u);
    int bad = 0;
    for (std::size_t i = 0; i < out.size(); ++i)
        if (!(std::abs(out[i] - ref[i]) <= g * absum[i])) ++bad;
    CHECK(bad == 0);
}

}  // namespace

TEST_CASE("conv_forward matches a nested-loop double reference over random shapes") {
    const std::uint64_t seed0 = snn_test::base_seed();
    const int cins[] = {1, 3, 10, 16, 17, 32};
    const int couts[] = {3, 10, 16, 17, 32, 64, 128};
    const int ks[] = {1, 3, 5};
    spikebar::counter_stream pick{seed0, 0x5A9E};
    for (int c = 0; c < 36; ++c) {
        const int cin = cins[pick.below(6)], cout = couts[c % 7], k = ks[pick.below(3)];
        const int stride = 1 + static_cast<int>(pick.below(2)),
                  pad = static_cast<int>(pick.below(2));
        const int h = k + static_cast<int>(pick.below(7)), w = k + static_cast<int>(pick.below(7));
        const layer_spec l =
            snn_test::first_layer("conv:" + std::to_string(cout) + ":" + std::to_string(k) + ":" +
                                      std::to_string(stride) + ":" + std::to_string(pad),
                                  {cin, h, w});
        const std::uint64_t seed = seed0 + 1000 + c;
        INFO("seed " << seed << ": " << snn_test::describe(l));
        check_conv_case<double>(l, seed, snn_test::u_double);
        check_conv_case<float>(l, seed, snn_test::u_float);
    }
}

TEST_CASE("linear_forward matches a nested-loop double reference over random sizes") {
    const std::uint64_t seed0 = snn_test::base_seed();
    const int n_ins[] = {1, 5, 17, 64, 100};
    const int n_outs[] = {3, 10, 16, 17, 32, 64, 128};
    for (int a : n_ins)
        for (int o : n_outs) {
            const std::uint64_t seed = seed0 + 31 * a + o;
            INFO("seed " << seed << ": linear " << a << " -> " << o);
            auto check = [&](auto zero, double u) {
                using F = decltype(zero);
                spikebar::counter_stream s{seed, 0x11};
                const auto x = snn_test::random_values<F>(s, a, -1, 1, 0.3);
                const auto w = snn_test::random_values<F>(s, std::size_t(a) * o, -1, 1);
                const auto b = snn_test::random_values<F>(s, o, -1, 1);
                std::vector<F> out;
                run_linear(a, o, x, w, b, out);
                int bad = 0;
                for (int j = 0; j < o; ++j) {
                    double ref = b[j], sum = std::abs(double(b[j]));
                    for (int i = 0; i < a; ++i) {
                        ref += double(x[i]) * double(w[std::size_t(i) * o + j]);
                        sum += std::abs(double(x[i]) * double(w[std::size_t(i) * o + j]));
                    }
                    if (!(std::abs(out[j] - ref) <= gamma_n(a + 2, u) * sum)) ++bad;
                }
                CHECK(bad == 0);
            };
            check(0.0, snn_test::u_double);
            check(0.0f, snn_test::u_float);
        }
}

TEST_CASE(
    "binary spikes: the event-driven kernels equal a dense same-order float sum bit for bit") {
    // For 0/1 inputs every product x*w is exact (w or 0) and adding an exact zero changes
    // nothing, so skipping silent inputs must give exactly the dense sum taken in the
    // documented (ky, kx, ci) / i order, whether or not the compiler fuses multiply-adds.
    const std::uint64_t seed0 = snn_test::base_seed();
    const int channels[] = {3, 10, 16, 17, 32, 64};
    int case_no = 0;
    for (int cin : {3, 16, 17})
        for (int cout : channels)
            for (double density : {0.0, 0.1, 0.5, 1.0}) {
                const std::uint64_t seed = seed0 + 5000 + case_no++;
                const layer_spec l = snn_test::first_layer(
                    "conv:" + std::to_string(cout) + ":3:" + std::to_string(1 + case_no % 2) + ":1",
                    {cin, 7, 6});
                INFO("seed " << seed << ": " << snn_test::describe(l) << " density " << density);
                spikebar::counter_stream s{seed, 0xB1};
                const auto x = snn_test::random_spikes<float>(s, l.in.size(), density);
                const auto w =
                    snn_test::random_values<float>(s, 9 * std::size_t(cin) * cout, -1, 1);
                const auto b = snn_test::random_values<float>(s, cout, -1, 1);
                std::vector<float> out, dense(static_cast<std::size_t>(l.out.size()));
                run_conv(l, x, w, b, out);
                for (int oy = 0; oy < l.out.h; ++oy)
                    for (int ox = 0; ox < l.out.w; ++ox)
                        for (int co = 0; co < cout; ++co) {
                            float acc = b[co];
                            for (int ky = 0; ky < 3; ++ky)
                                for (int kx = 0; kx < 3; ++kx) {
                                    const int iy = oy * l.stride + ky - 1,
                                              ix = ox * l.stride + kx - 1;
                                    if (iy < 0 || iy >= l.in.h || ix < 0 || ix >= l.in.w) continue;
                                    for (int ci = 0; ci < cin; ++ci)
                                        acc += x[(iy * l.in.w + ix) * cin + ci] *
                                               w[((ky * 3 + kx) * cin + ci) * cout + co];
                                }
                            dense[(oy * l.out.w + ox) * cout + co] = acc;
                        }
                CHECK(std::memcmp(out.data(), dense.data(), out.size() * sizeof(float)) == 0);

                // The same spikes as one flattened vector through linear_forward.
                const int n_in = l.in.size();
                const auto wl = snn_test::random_values<float>(s, std::size_t(n_in) * cout, -1, 1);
                std::vector<float> lo, ld(b);
                run_linear(n_in, cout, x, wl, b, lo);
                for (int i = 0; i < n_in; ++i)
                    for (int o = 0; o < cout; ++o) ld[o] += x[i] * wl[std::size_t(i) * cout + o];
                CHECK(std::memcmp(lo.data(), ld.data(), lo.size() * sizeof(float)) == 0);
            }
}

TEST_CASE("sparse_map lists exactly the nonzero entries per position in channel order") {
    const float x[] = {0, 2, 0, -1, 0, 0,
                       0, 0, 3, 0,  0, 5};  // 4 positions x 3 channels, one entry each
    kernels::sparse_map<float> sx;
    sx.build(x, 4, 3);
    CHECK(sx.start == std::vector<int>{0, 1, 2, 3, 4});
    CHECK(std::vector<int>(sx.channel.begin(), sx.channel.begin() + 4) ==
          std::vector<int>{1, 0, 2, 2});
    CHECK(std::vector<float>(sx.value.begin(), sx.value.begin() + 4) ==
          std::vector<float>{2, -1, 3, 5});
}

TEST_CASE("pooling matches nested-loop references, maxpool keeps the first maximum") {
    const std::uint64_t seed0 = snn_test::base_seed();
    int case_no = 0;
    for (int c : {1, 3, 10, 16, 17})
        for (int k : {2, 3})
            for (bool binary : {false, true}) {
                const std::uint64_t seed = seed0 + 7000 + case_no++;
                spikebar::counter_stream s{seed, 0x9001};
                // Sizes that are not multiples of k: the parser floors, the kernel crops.
                const int h = k + static_cast<int>(s.below(2 * k + 2));
                const int w = k + static_cast<int>(s.below(2 * k + 2));
                const layer_spec mp =
                    snn_test::first_layer("maxpool:" + std::to_string(k), {c, h, w});
                const layer_spec ap =
                    snn_test::first_layer("avgpool:" + std::to_string(k), {c, h, w});
                INFO("seed " << seed << ": " << snn_test::describe(mp)
                             << (binary ? " binary" : ""));
                REQUIRE(mp.out.h == h / k);
                REQUIRE(mp.out.w == w / k);
                const auto x = binary ? snn_test::random_spikes<double>(s, mp.in.size(), 0.3)
                                      : snn_test::random_values<double>(s, mp.in.size(), -1, 1);
                std::vector<double> mo(mp.out.size()), ao(ap.out.size());
                std::vector<unsigned char> arg(mp.out.size());
                kernels::maxpool_forward(mp, x.data(), mo.data(), arg.data());
                kernels::avgpool_forward(ap, x.data(), ao.data());
                int bad_max = 0, bad_arg = 0, bad_avg = 0;
                for (int oy = 0; oy < mp.out.h; ++oy)
                    for (int ox = 0; ox < mp.out.w; ++ox)
                        for (int ch = 0; ch < c; ++ch) {
                            double best = -1e300, sum = 0, abssum = 0;
                            int best_off = -1;
                            for (int ky = 0; ky < k; ++ky)
                                for (int kx = 0; kx < k; ++kx) {
                                    const double v = x[((oy * k + ky) * w + ox * k + kx) * c + ch];
                                    if (v > best) best = v, best_off = ky * k + kx;
                                    sum += v;
                                    abssum += std::abs(v);
                                }
                            const std::size_t o = (oy * mp.out.w + ox) * c + ch;
                            bad_max += mo[o] != best;
                            bad_arg += arg[o] != best_off;
                            // k*k additions and one scaling, each within u of the exact value.
                            bad_avg += !(std::abs(ao[o] - sum / (k * k)) <=
                                         gamma_n(k * k + 1, snn_test::u_double) * abssum);
                        }
                CHECK(bad_max == 0);
                CHECK(bad_arg == 0);
                CHECK(bad_avg == 0);
            }
}

namespace {

struct lif_trace {
    std::vector<float> v, s;
};

// Runs one neuron through `current` with lif_step and returns v and s after each step.
lif_trace run_lif(float decay, float threshold, bool soft, float v_reset,
                  const std::vector<float>& current) {
    lif_trace r;
    float v = 0, s = -1;
    for (float i : current) {
        const int count = kernels::lif_step(1, decay, threshold, soft, v_reset, &v, &i, &s);
        CHECK(count == static_cast<int>(s));
        r.v.push_back(v);
        r.s.push_back(s);
    }
    return r;
}

}  // namespace

TEST_CASE("lif_step follows hand-computed membrane sequences for hard, soft reset and IF") {
    // u = decay*v + I; s = u >= 1; hard: v = v_reset on a spike, soft: v = u - 1. All
    // values are dyadic, so the hand arithmetic below is exact in float.
    const std::vector<float> I = {0.75f, 0.75f, 0.5f, 1.5f, 0.25f, 0.0f};
    SUBCASE("LIF decay 0.5, hard reset to 0") {
        // u: .75, 1.125*, .5, 1.75*, .25, .125
        const auto r = run_lif(0.5f, 1.0f, false, 0.0f, I);
        CHECK(r.s == std::vector<float>{0, 1, 0, 1, 0, 0});
        CHECK(r.v == std::vector<float>{0.75f, 0, 0.5f, 0, 0.25f, 0.125f});
    }
    SUBCASE("LIF decay 0.5, hard reset to -0.5") {
        // u: .75, 1.125*, -.25+.5=.25, .125+1.5=1.625*, -.25+.25=0, 0
        const auto r = run_lif(0.5f, 1.0f, false, -0.5f, I);
        CHECK(r.s == std::vector<float>{0, 1, 0, 1, 0, 0});
        CHECK(r.v == std::vector<float>{0.75f, -0.5f, 0.25f, -0.5f, 0.0f, 0.0f});
    }
    SUBCASE("LIF decay 0.5, soft reset") {
        // u: .75, 1.125* -> .125, .5625, 1.78125* -> .78125, .640625, .3203125
        const auto r = run_lif(0.5f, 1.0f, true, 0.0f, I);
        CHECK(r.s == std::vector<float>{0, 1, 0, 1, 0, 0});
        CHECK(r.v == std::vector<float>{0.75f, 0.125f, 0.5625f, 0.78125f, 0.640625f, 0.3203125f});
    }
    SUBCASE("IF (decay 1), hard reset") {
        // u: .75, 1.5*, .5, 2*, .25, .25
        const auto r = run_lif(1.0f, 1.0f, false, 0.0f, I);
        CHECK(r.s == std::vector<float>{0, 1, 0, 1, 0, 0});
        CHECK(r.v == std::vector<float>{0.75f, 0, 0.5f, 0, 0.25f, 0.25f});
    }
    SUBCASE("IF (decay 1), soft reset; u == threshold fires") {
        // u: .75, 1.5* -> .5, 1.0* -> 0, 1.5* -> .5, .75, .75
        const auto r = run_lif(1.0f, 1.0f, true, 0.0f, I);
        CHECK(r.s == std::vector<float>{0, 1, 1, 1, 0, 0});
        CHECK(r.v == std::vector<float>{0.75f, 0.5f, 0.0f, 0.5f, 0.75f, 0.75f});
    }
}

TEST_CASE("lif_step over many neurons returns the spike count and matches per-neuron steps") {
    spikebar::counter_stream s{snn_test::base_seed(), 0x11F};
    INFO("seed " << snn_test::base_seed());
    const int n = 37;
    auto v = snn_test::random_values<float>(s, n, -0.5, 1.0);
    const auto I = snn_test::random_values<float>(s, n, -0.5, 1.5);
    std::vector<float> vs = v, sp(n);
    const int count = kernels::lif_step(n, 0.75f, 1.0f, false, 0.0f, v.data(), I.data(), sp.data());
    int expect = 0;
    for (int i = 0; i < n; ++i) {
        float si;
        kernels::lif_step(1, 0.75f, 1.0f, false, 0.0f, &vs[i], &I[i], &si);
        CHECK(si == sp[i]);
        CHECK(vs[i] == v[i]);
        expect += si == 1.0f;
    }
    CHECK(count == expect);
    CHECK(count > 0);
    CHECK(count < n);
}
