// Checks every backward pass against central finite differences of its forward pass, in
// double precision on small random shapes: conv and linear (weights and input), max and
// average pooling, BatchNorm with batch statistics (input, gamma, beta), the LIF sequence
// (BPTT with detached reset and surrogate gradient), the TET loss, and the surrogates.
//
// Each check differentiates the scalar L = sum(g * forward(...)) for a random g, so the
// analytic gradient is the backward pass applied to g.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

#include "helpers.hpp"
#include "snn/backprop.hpp"
#include "snn/kernels.hpp"
#include "snn/surrogate.hpp"

using namespace snn;

namespace {

using vec = std::vector<double>;

double dot(const vec& a, const vec& b) {
    double s = 0;
    for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
    return s;
}

// Central difference of L with respect to p[j] for the listed j; counts entries where
// |analytic - fd| > tol * max(1, |analytic|).
int count_fd_mismatches(vec& p, const vec& analytic, const std::vector<std::size_t>& which,
                        double h, double tol, const std::function<double()>& L) {
    int bad = 0;
    for (std::size_t j : which) {
        const double keep = p[j];
        p[j] = keep + h;
        const double up = L();
        p[j] = keep - h;
        const double down = L();
        p[j] = keep;
        const double fd = (up - down) / (2 * h);
        if (!(std::abs(fd - analytic[j]) <= tol * std::max(1.0, std::abs(analytic[j])))) {
            MESSAGE("entry " << j << ": analytic " << analytic[j] << ", finite difference " << fd);
            ++bad;
        }
    }
    return bad;
}

// Up to `n` distinct indices below `size` (all of them when size <= n).
std::vector<std::size_t> sample_indices(spikebar::counter_stream& s, std::size_t size,
                                        std::size_t n) {
    std::vector<std::size_t> idx;
    if (size <= n) {
        for (std::size_t i = 0; i < size; ++i) idx.push_back(i);
        return idx;
    }
    for (std::size_t i = 0; i < n; ++i) idx.push_back(s.below(size));
    return idx;
}

vec conv_fwd(const layer_spec& l, const vec& x, const vec& w, const vec& b) {
    kernels::sparse_map<double> sx;
    sx.build(x.data(), l.in.h * l.in.w, l.in.c);
    vec out(l.out.size());
    kernels::conv_forward(l, sx, w.data(), b.data(), out.data());
    return out;
}

// Transposed conv weights as the trainer builds them: wt[(q*Cout+co)*Cin+ci] =
// w[(q*Cin+ci)*Cout+co].
vec transpose_blocks(const vec& w, int blocks, int rows, int cols) {
    vec wt(w.size());
    for (int q = 0; q < blocks; ++q)
        for (int r = 0; r < rows; ++r)
            for (int c = 0; c < cols; ++c)
                wt[(std::size_t(q) * cols + c) * rows + r] =
                    w[(std::size_t(q) * rows + r) * cols + c];
    return wt;
}

}  // namespace

// The conv and linear maps are linear in each argument, so a central difference has no
// truncation error: only the rounding of L (~1e-16 * sum|g * out| <~ 1e-13 here) divided by
// 2h = 2e-3 remains, far below the tolerance of 1e-8 (relative to max(1, |gradient|)).
TEST_CASE("conv backward (weights, bias, input) matches finite differences") {
    const std::uint64_t seed0 = snn_test::base_seed();
    struct shape_case {
        int cin, cout, k, stride, pad, h, w;
    };
    const shape_case cases[] = {{3, 4, 3, 1, 1, 5, 6},   {16, 5, 3, 2, 1, 7, 6},
                                {17, 16, 1, 1, 0, 4, 3}, {3, 32, 5, 2, 0, 8, 7},
                                {32, 3, 3, 2, 0, 6, 6},  {10, 17, 5, 1, 1, 5, 5},
                                {16, 16, 3, 1, 0, 5, 4}};
    int n = 0;
    for (const auto& c : cases) {
        const std::uint64_t seed = seed0 + 100 + n++;
        const layer_spec l =
            snn_test::first_layer("conv:" + std::to_string(c.cout) + ":" + std::to_string(c.k) +
                                      ":" + std::to_string(c.stride) + ":" + std::to_string(c.pad),
                                  {c.cin, c.h, c.w});
        INFO("seed " << seed << ": " << snn_test::describe(l));
        spikebar::counter_stream s{seed, 0x6A};
        vec x = snn_test::random_values<double>(s, l.in.size(), -1, 1, 0.25);
        vec w = snn_test::random_values<double>(s, std::size_t(c.k) * c.k * c.cin * c.cout, -1, 1);
        vec b = snn_test::random_values<double>(s, c.cout, -1, 1);
        const vec g = snn_test::random_values<double>(s, l.out.size(), -1, 1);
        auto L = [&] { return dot(g, conv_fwd(l, x, w, b)); };

        kernels::sparse_map<double> sx;
        sx.build(x.data(), l.in.h * l.in.w, l.in.c);
        vec dw(w.size(), 0.0), db(b.size(), 0.0);
        kernels::conv_backward_weights(l, sx, g.data(), dw.data(), db.data());
        const vec wt = transpose_blocks(w, c.k * c.k, c.cin, c.cout);
        vec dx(x.size(), -3.0);  // overwritten
        kernels::conv_backward_input(l, g.data(), wt.data(), dx.data());

        CHECK(count_fd_mismatches(w, dw, sample_indices(s, w.size(), 60), 1e-3, 1e-8, L) == 0);
        CHECK(count_fd_mismatches(b, db, sample_indices(s, b.size(), 60), 1e-3, 1e-8, L) == 0);
        // Every input entry, zeros included: the input gradient does not skip anything.
        CHECK(count_fd_mismatches(x, dx, sample_indices(s, x.size(), 400), 1e-3, 1e-8, L) == 0);

        // conv_backward_weights accumulates (+=) into what dw and db hold.
        vec dw1(w.size(), 1.0), db1(b.size(), 1.0);
        kernels::conv_backward_weights(l, sx, g.data(), dw1.data(), db1.data());
        int bad_acc = 0;
        for (std::size_t i = 0; i < dw.size(); ++i)
            bad_acc += !(std::abs(dw1[i] - 1 - dw[i]) <= 1e-12);
        for (std::size_t i = 0; i < db.size(); ++i)
            bad_acc += !(std::abs(db1[i] - 1 - db[i]) <= 1e-12);
        CHECK(bad_acc == 0);
    }
}

TEST_CASE("linear backward (batched weights by input range, input) matches finite differences") {
    const std::uint64_t seed0 = snn_test::base_seed();
    int n = 0;
    for (int n_in : {1, 7, 16, 33})
        for (int n_out : {3, 16, 17, 32}) {
            const std::uint64_t seed = seed0 + 300 + n++;
            const int images = 3;
            INFO("seed " << seed << ": linear " << n_in << " -> " << n_out << ", " << images
                         << " images");
            spikebar::counter_stream s{seed, 0x7B};
            vec x = snn_test::random_values<double>(s, std::size_t(images) * n_in, -1, 1, 0.3);
            vec w = snn_test::random_values<double>(s, std::size_t(n_in) * n_out, -1, 1);
            vec b = snn_test::random_values<double>(s, n_out, -1, 1);
            const vec g = snn_test::random_values<double>(s, std::size_t(images) * n_out, -1, 1);
            auto L = [&] {
                double sum = 0;
                for (int j = 0; j < images; ++j) {
                    vec xj(x.begin() + j * n_in, x.begin() + (j + 1) * n_in), out(n_out);
                    kernels::sparse_map<double> sx;
                    sx.build(xj.data(), 1, n_in);
                    kernels::linear_forward(n_out, sx, w.data(), b.data(), out.data());
                    for (int o = 0; o < n_out; ++o) sum += g[j * n_out + o] * out[o];
                }
                return sum;
            };
            // Two input ranges, as parallel callers split them.
            vec dw(w.size(), 0.0);
            const int split = n_in / 2;
            kernels::linear_backward_weights(images, n_in, n_out, x.data(), g.data(), split, n_in,
                                             dw.data());
            kernels::linear_backward_weights(images, n_in, n_out, x.data(), g.data(), 0, split,
                                             dw.data());
            CHECK(count_fd_mismatches(w, dw, sample_indices(s, w.size(), 200), 1e-3, 1e-8, L) == 0);

            const vec wt = transpose_blocks(w, 1, n_in, n_out);
            vec dx(x.size(), -3.0);
            for (int j = 0; j < images; ++j)
                kernels::linear_backward_input(n_in, n_out, g.data() + j * n_out, wt.data(),
                                               dx.data() + j * n_in);
            CHECK(count_fd_mismatches(x, dx, sample_indices(s, x.size(), 200), 1e-3, 1e-8, L) == 0);
        }
}

// Pooling is piecewise linear; with inputs that differ by far more than h inside each
// window no finite difference crosses a kink, so the same 1e-8 tolerance applies.
TEST_CASE("maxpool and avgpool backward match finite differences") {
    const std::uint64_t seed0 = snn_test::base_seed();
    int n = 0;
    for (int c : {1, 3, 17})
        for (int k : {2, 3}) {
            const std::uint64_t seed = seed0 + 500 + n++;
            const int h = 2 * k + 1, w = 2 * k + 2;
            const layer_spec mp = snn_test::first_layer("maxpool:" + std::to_string(k), {c, h, w});
            const layer_spec ap = snn_test::first_layer("avgpool:" + std::to_string(k), {c, h, w});
            INFO("seed " << seed << ": " << snn_test::describe(mp));
            spikebar::counter_stream s{seed, 0x8C};
            // Distinct values on a grid of step 1e-2 >> h = 1e-6: no ties, no kink crossings.
            vec x(mp.in.size());
            for (std::size_t i = 0; i < x.size(); ++i) x[i] = 0.01 * double(i);
            for (std::size_t i = x.size(); i > 1; --i) std::swap(x[i - 1], x[s.below(i)]);
            const vec g = snn_test::random_values<double>(s, mp.out.size(), -1, 1);

            std::vector<unsigned char> arg(mp.out.size());
            vec out(mp.out.size());
            auto Lmax = [&] {
                kernels::maxpool_forward(mp, x.data(), out.data(), arg.data());
                return dot(g, out);
            };
            auto Lavg = [&] {
                kernels::avgpool_forward(ap, x.data(), out.data());
                return dot(g, out);
            };
            Lmax();
            vec dmax(x.size(), 0.0), davg(x.size(), 0.0);
            kernels::maxpool_backward(mp, g.data(), arg.data(), dmax.data());
            kernels::avgpool_backward(ap, g.data(), davg.data());
            CHECK(count_fd_mismatches(x, dmax, sample_indices(s, x.size(), 1000), 1e-6, 1e-8,
                                      Lmax) == 0);
            CHECK(count_fd_mismatches(x, davg, sample_indices(s, x.size(), 1000), 1e-6, 1e-8,
                                      Lavg) == 0);
        }
}

// BatchNorm is smooth: with h = 1e-5 the truncation error is ~h^2 * |L'''| ~ 1e-9 and the
// rounding error ~1e-16 * |L| / h ~ 1e-10, so 1e-6 (relative to max(1, |g|)) is safe.
TEST_CASE("bn backward (input, gamma, beta) with batch statistics matches finite differences") {
    const std::uint64_t seed0 = snn_test::base_seed();
    int n = 0;
    for (int rows : {2, 7, 40})
        for (int C : {1, 3, 16}) {
            const std::uint64_t seed = seed0 + 700 + n++;
            INFO("seed " << seed << ": bn rows " << rows << " channels " << C);
            spikebar::counter_stream s{seed, 0x9D};
            vec x = snn_test::random_values<double>(s, std::size_t(rows) * C, -2, 3);
            vec gamma = snn_test::random_values<double>(s, C, 0.5, 2);
            vec beta = snn_test::random_values<double>(s, C, -1, 1);
            const vec g = snn_test::random_values<double>(s, x.size(), -1, 1);
            const double eps = 1e-5;
            vec xhat(x.size()), y(x.size());
            std::vector<double> mean, var, inv_std;
            auto L = [&] {
                backprop::bn_forward<double>(rows, C, x.data(), gamma.data(), beta.data(), eps,
                                             xhat.data(), y.data(), mean, var, inv_std);
                return dot(g, y);
            };
            L();
            // Forward: y has per-channel mean beta and biased variance gamma^2 var/(var+eps).
            for (int c = 0; c < C; ++c) {
                double m = 0, v = 0;
                for (int r = 0; r < rows; ++r) m += y[r * C + c];
                m /= rows;
                for (int r = 0; r < rows; ++r) v += (y[r * C + c] - m) * (y[r * C + c] - m);
                v /= rows;
                CHECK(std::abs(m - beta[c]) <= 1e-12 * (1 + std::abs(beta[c]) + gamma[c]));
                CHECK(std::abs(v - gamma[c] * gamma[c] * var[c] / (var[c] + eps)) <=
                      1e-12 * gamma[c] * gamma[c]);
            }
            vec dx(x.size(), -3.0), dgamma(C, 0.0), dbeta(C, 0.0);
            backprop::bn_backward<double>(rows, C, g.data(), xhat.data(), inv_std, gamma.data(),
                                          dx.data(), dgamma.data(), dbeta.data());
            CHECK(count_fd_mismatches(x, dx, sample_indices(s, x.size(), 200), 1e-5, 1e-6, L) == 0);
            CHECK(count_fd_mismatches(gamma, dgamma, sample_indices(s, C, 16), 1e-5, 1e-6, L) == 0);
            CHECK(count_fd_mismatches(beta, dbeta, sample_indices(s, C, 16), 1e-5, 1e-6, L) == 0);
        }
}

namespace {

// The function that detached-reset surrogate BPTT differentiates: the LIF recursion with
// the output spike replaced by sigma(u - threshold) and the reset masks s_H[t] frozen
// from the Heaviside run,
//   u[t] = decay * v[t-1] + I[t],   out[t] = sigma(u[t] - threshold),
//   v[t] = hard: (1 - s_H[t]) u[t] + s_H[t] v_reset,   soft: u[t] - s_H[t] threshold.
double smooth_lif_loss(int T, int n, const backprop::lif_constants& p, const surrogate& sg,
                       const vec& in, std::int64_t in_stride, const vec& s_heaviside,
                       const vec& ds) {
    vec v(n, 0.0);
    double L = 0;
    for (int t = 0; t < T; ++t)
        for (int i = 0; i < n; ++i) {
            const double u = p.decay * v[i] + in[t * in_stride + i];
            const double sh = s_heaviside[t * n + i];
            L += ds[t * n + i] * sg.value(u - p.threshold);
            v[i] = p.soft_reset ? u - sh * p.threshold : (1 - sh) * u + sh * p.v_reset;
        }
    return L;
}

}  // namespace

// The smooth forward is C^2 for fast_sigmoid and arctan (h = 1e-6: truncation ~1e-12 alpha^3,
// rounding ~1e-10); the triangle's sigma' has kinks, where a central difference is off by
// at most alpha^2 h / 2 = 2e-6 per step for alpha = 2. Hence 1e-5 relative to max(1, |g|).
TEST_CASE("lif sequence BPTT equals finite differences of the frozen-reset surrogate forward") {
    const std::uint64_t seed0 = snn_test::base_seed();
    int n_case = 0;
    for (auto kind :
         {surrogate_kind::fast_sigmoid, surrogate_kind::arctan, surrogate_kind::triangle})
        for (bool soft : {false, true})
            for (double decay : {0.5, 0.9, 1.0})
                for (bool static_input : {false, true}) {
                    const std::uint64_t seed = seed0 + 900 + n_case++;
                    const int T = 5, n = 7;
                    backprop::lif_constants p;
                    p.decay = decay;
                    p.threshold = 1.0;
                    p.soft_reset = soft;
                    p.v_reset = soft ? 0.0 : -0.25;
                    surrogate sg;
                    sg.kind = kind;
                    sg.alpha = 2.0;
                    INFO("seed " << seed << ": surrogate " << int(kind)
                                 << (soft ? " soft" : " hard") << " decay " << decay
                                 << (static_input ? " static input" : ""));
                    spikebar::counter_stream s{seed, 0xAE};
                    const std::int64_t in_stride = static_input ? 0 : n;
                    vec in =
                        snn_test::random_values<double>(s, static_input ? n : T * n, -0.2, 1.3);
                    const vec ds = snn_test::random_values<double>(s, T * n, -1, 1);
                    vec sp(T * n), u(T * n), v(n);
                    backprop::lif_forward_sequence<double>(T, n, p, in.data(), in_stride, sp.data(),
                                                           u.data(), n, v.data());
                    double spikes = 0;
                    for (double x : sp) spikes += x;
                    CHECK(spikes > 0);  // resets occur, so the masks matter
                    CHECK(spikes < T * n);

                    // The forward is the fused kernel step by step.
                    vec vk(n, 0.0), sk(n);
                    for (int t = 0; t < T; ++t) {
                        kernels::lif_step<double>(n, decay, 1.0, soft, p.v_reset, vk.data(),
                                                  in.data() + t * in_stride, sk.data());
                        for (int i = 0; i < n; ++i) CHECK(sk[i] == sp[t * n + i]);
                    }
                    for (int i = 0; i < n; ++i) CHECK(vk[i] == v[i]);

                    vec din(in.size(), -3.0), du(n);
                    backprop::lif_backward_sequence<double>(T, n, p, sg, sp.data(), u.data(),
                                                            ds.data(), n, din.data(), in_stride,
                                                            du.data());
                    auto L = [&] { return smooth_lif_loss(T, n, p, sg, in, in_stride, sp, ds); };
                    CHECK(count_fd_mismatches(in, din, sample_indices(s, in.size(), 100), 1e-6,
                                              1e-5, L) == 0);
                }
}

// The loss is smooth in O: h = 1e-6 gives truncation ~1e-12 and rounding ~1e-10, so 1e-7.
TEST_CASE("tet_loss gradient matches finite differences and its value matches the formula") {
    const std::uint64_t seed0 = snn_test::base_seed();
    int n = 0;
    for (double lambda : {0.0, 0.05, 0.5, 1.0}) {
        const std::uint64_t seed = seed0 + 1100 + n++;
        const int T = 3, B = 4, K = 5;
        const double phi = 1.0;
        INFO("seed " << seed << ": lambda " << lambda);
        spikebar::counter_stream s{seed, 0xBF};
        vec O = snn_test::random_values<double>(s, T * B * K, -3, 3);
        std::vector<std::uint8_t> labels(B);
        for (auto& y : labels) y = static_cast<std::uint8_t>(s.below(K));
        vec dO(O.size());
        int correct = -1;
        const double loss = backprop::tet_loss<double>(T, B, K, O.data(), labels.data(), lambda,
                                                       phi, dO.data(), &correct);
        // L = 1/B sum_b [ (1-lambda)/T sum_t CE(O_tb, y_b) + lambda/T sum_t mean_k (O_tbk - phi)^2
        // ]
        double expect = 0;
        int expect_correct = 0;
        for (int b = 0; b < B; ++b) {
            vec acc(K, 0.0);
            for (int t = 0; t < T; ++t) {
                const double* o = O.data() + (t * B + b) * K;
                double z = 0, mse = 0;
                for (int k = 0; k < K; ++k) {
                    z += std::exp(o[k]);
                    mse += (o[k] - phi) * (o[k] - phi) / K;
                    acc[k] += o[k];
                }
                expect += ((1 - lambda) * (std::log(z) - o[labels[b]]) + lambda * mse) / T / B;
            }
            expect_correct += std::max_element(acc.begin(), acc.end()) - acc.begin() == labels[b];
        }
        CHECK(std::abs(loss - expect) <= 1e-12 * std::abs(expect));
        CHECK(correct == expect_correct);
        vec scratch(O.size());
        auto L = [&] {
            return backprop::tet_loss<double>(T, B, K, O.data(), labels.data(), lambda, phi,
                                              scratch.data(), nullptr);
        };
        CHECK(count_fd_mismatches(O, dO, sample_indices(s, O.size(), 1000), 1e-6, 1e-7, L) == 0);
    }
}

// value() is smooth away from the triangle's kinks (x = 0, |x| = 1/alpha), where points
// closer than 10 h are skipped. h = 1e-6: truncation <= h^2/6 |sigma'''| <= 1e-11 alpha^3,
// rounding ~1e-16 / h = 1e-10; tolerance 1e-8 absolute.
TEST_CASE("surrogate grad() is the derivative of value() for every kind") {
    const double h = 1e-6;
    for (auto kind :
         {surrogate_kind::fast_sigmoid, surrogate_kind::arctan, surrogate_kind::triangle})
        for (double alpha : {0.5, 2.0, 4.0}) {
            surrogate sg;
            sg.kind = kind;
            sg.alpha = alpha;
            INFO("surrogate " << int(kind) << " alpha " << alpha);
            CHECK(sg.value(0.0) == 0.5);
            int bad = 0, checked = 0;
            for (int i = -600; i <= 600; ++i) {
                const double x = i * 0.005 + 0.0012345;
                if (kind == surrogate_kind::triangle &&
                    (std::abs(x) < 10 * h || std::abs(std::abs(x) - 1 / alpha) < 10 * h))
                    continue;
                const double fd = (sg.value(x + h) - sg.value(x - h)) / (2 * h);
                bad += !(std::abs(fd - sg.grad(x)) <= 1e-8);
                ++checked;
                // The compile-time kind used inside BPTT is the same function.
                const double g2 = kind == surrogate_kind::fast_sigmoid
                                      ? surrogate::grad_of<surrogate_kind::fast_sigmoid>(x, alpha)
                                  : kind == surrogate_kind::arctan
                                      ? surrogate::grad_of<surrogate_kind::arctan>(x, alpha)
                                      : surrogate::grad_of<surrogate_kind::triangle>(x, alpha);
                bad += g2 != sg.grad(x);
                // float agrees with double to float precision.
                bad += !(std::abs(double(sg.grad(float(x))) - sg.grad(double(float(x)))) <=
                         1e-6 * (alpha + 1));
            }
            CHECK(bad == 0);
            CHECK(checked > 1100);
            // sigma rises from 0 to 1: its derivative integrates to 1 (trapezoid on a fine grid
            // over +-2000/alpha; fast_sigmoid's tails beyond hold ~ 1/(2*2000) of the mass).
            double integral = 0;
            const double span = 2000 / alpha, dx = 1e-3 / alpha;
            for (double x = -span; x < span; x += dx)
                integral += 0.5 * (sg.grad(x) + sg.grad(x + dx)) * dx;
            CHECK(std::abs(integral - 1) <= 1e-3);
        }
}
