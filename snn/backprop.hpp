// Training-only pieces of the forward and backward passes: BatchNorm with batch
// statistics, LIF over a whole sequence with BPTT, and the TET loss. Templated on the
// scalar so tests check them against finite differences in double precision.
//
// Tensors are row-major matrices [rows x C] (channel-last maps flatten to that), and
// sequences store timestep t of sample b at row t * batch + b.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "snn/neuron.hpp"
#include "snn/surrogate.hpp"

namespace snn::backprop {

// Reductions over rows run in this many fixed chunks, combined in order, so a result
// never depends on the number of threads.
constexpr int reduction_chunks = 16;

// Per-column sums of f(row, col) in double, computed in fixed chunks. out[c] += sum.
template <class Fn>
void column_sums(std::int64_t rows, int cols, Fn f, std::vector<double>& out) {
    std::vector<double> part(static_cast<std::size_t>(reduction_chunks) * cols, 0.0);
#pragma omp parallel for schedule(static)
    for (int ch = 0; ch < reduction_chunks; ++ch) {
        double* p = part.data() + static_cast<std::size_t>(ch) * cols;
        const std::int64_t lo = rows * ch / reduction_chunks, hi = rows * (ch + 1) / reduction_chunks;
        for (std::int64_t r = lo; r < hi; ++r)
            for (int c = 0; c < cols; ++c) p[c] += f(r, c);
    }
    for (int ch = 0; ch < reduction_chunks; ++ch)
        for (int c = 0; c < cols; ++c) out[c] += part[static_cast<std::size_t>(ch) * cols + c];
}

// BatchNorm forward with batch statistics (biased variance for normalization):
//   xhat = (x - mean) / sqrt(var + eps),   y = gamma * xhat + beta
// Stores xhat and inv_std for the backward pass; returns mean and biased var.
template <class F>
void bn_forward(std::int64_t rows, int C, const F* x, const F* gamma, const F* beta, double eps,
                F* xhat, F* y, std::vector<double>& mean, std::vector<double>& var,
                std::vector<double>& inv_std) {
    mean.assign(C, 0.0);
    var.assign(C, 0.0);
    inv_std.assign(C, 0.0);
    column_sums(rows, C, [&](std::int64_t r, int c) { return double(x[r * C + c]); }, mean);
    for (int c = 0; c < C; ++c) mean[c] /= double(rows);
    column_sums(
        rows, C,
        [&](std::int64_t r, int c) {
            const double d = double(x[r * C + c]) - mean[c];
            return d * d;
        },
        var);
    std::vector<F> m(C), is(C);
    for (int c = 0; c < C; ++c) {
        var[c] /= double(rows);
        inv_std[c] = 1.0 / std::sqrt(var[c] + eps);
        m[c] = static_cast<F>(mean[c]);
        is[c] = static_cast<F>(inv_std[c]);
    }
#pragma omp parallel for schedule(static)
    for (std::int64_t r = 0; r < rows; ++r)
        for (int c = 0; c < C; ++c) {
            const F h = (x[r * C + c] - m[c]) * is[c];
            xhat[r * C + c] = h;
            y[r * C + c] = gamma[c] * h + beta[c];
        }
}

// BatchNorm backward:  dgamma = sum dy*xhat,  dbeta = sum dy,
//   dx = gamma * inv_std * (dy - mean(dy) - xhat * mean(dy * xhat))
template <class F>
void bn_backward(std::int64_t rows, int C, const F* dy, const F* xhat,
                 const std::vector<double>& inv_std, const F* gamma, F* dx, F* dgamma, F* dbeta) {
    std::vector<double> sdy(C, 0.0), sdyx(C, 0.0);
    column_sums(rows, C, [&](std::int64_t r, int c) { return double(dy[r * C + c]); }, sdy);
    column_sums(
        rows, C, [&](std::int64_t r, int c) { return double(dy[r * C + c]) * xhat[r * C + c]; },
        sdyx);
    std::vector<F> k(C), mdy(C), mdyx(C);
    for (int c = 0; c < C; ++c) {
        dgamma[c] += static_cast<F>(sdyx[c]);
        dbeta[c] += static_cast<F>(sdy[c]);
        k[c] = static_cast<F>(gamma[c] * inv_std[c]);
        mdy[c] = static_cast<F>(sdy[c] / double(rows));
        mdyx[c] = static_cast<F>(sdyx[c] / double(rows));
    }
#pragma omp parallel for schedule(static)
    for (std::int64_t r = 0; r < rows; ++r)
        for (int c = 0; c < C; ++c)
            dx[r * C + c] = k[c] * (dy[r * C + c] - mdy[c] - xhat[r * C + c] * mdyx[c]);
}

struct lif_constants {
    double decay = 0.5, threshold = 1.0, v_reset = 0.0;
    bool soft_reset = false;
};

// LIF over T steps for one sample's n neurons (kernels::lif_step semantics).
// The input of step t is at in + t * in_stride (in_stride = 0: the same input every
// step); s and u of step t go to s + t * stride, u + t * stride.
template <class F>
void lif_forward_sequence(int T, int n, const lif_constants& p, const F* in,
                          std::int64_t in_stride, F* s, F* u, std::int64_t stride, F* v) {
    const F decay = F(p.decay), th = F(p.threshold), vr = F(p.v_reset);
    std::fill(v, v + n, F(0));
    for (int t = 0; t < T; ++t) {
        const F* I = in + t * in_stride;
        F* st = s + t * stride;
        F* ut = u + t * stride;
        for (int i = 0; i < n; ++i) ut[i] = decay * v[i] + I[i];
        if (p.soft_reset)
            for (int i = 0; i < n; ++i) {
                const bool fire = ut[i] >= th;
                st[i] = fire ? F(1) : F(0);
                v[i] = fire ? ut[i] - th : ut[i];
            }
        else
            for (int i = 0; i < n; ++i) {
                const bool fire = ut[i] >= th;
                st[i] = fire ? F(1) : F(0);
                v[i] = fire ? vr : ut[i];
            }
    }
}

// BPTT through the LIF sequence with the reset detached from the graph:
//   du[t] = ds[t] * sigma'(u[t] - threshold) + decay * r[t] * du[t+1],
//   r[t] = 1 - s[t] (hard reset) or 1 (soft reset);   dI[t] = du[t].
// With in_stride = 0 (static input) the step gradients add up into din[0..n).
// Otherwise din of step t is at din + t * in_stride. din is overwritten.
template <class F>
void lif_backward_sequence(int T, int n, const lif_constants& p, const surrogate& sg,
                           const F* s, const F* u, const F* ds, std::int64_t stride, F* din,
                           std::int64_t in_stride, F* du_next) {
    // One loop per surrogate kind, so the per-element derivative inlines and vectorizes.
    auto run = [&](auto grad) {
        const F decay = F(p.decay), th = F(p.threshold);
        const F soft = p.soft_reset ? F(1) : F(0);
        std::fill(du_next, du_next + n, F(0));
        if (in_stride == 0) std::fill(din, din + n, F(0));
        for (int t = T - 1; t >= 0; --t) {
            const F* st = s + t * stride;
            const F* ut = u + t * stride;
            const F* dst = ds + t * stride;
            F* d = din + t * in_stride;
            for (int i = 0; i < n; ++i) {
                const F keep = soft + (F(1) - soft) * (F(1) - st[i]);
                const F dui = dst[i] * grad(ut[i] - th) + decay * keep * du_next[i];
                du_next[i] = dui;
                if (in_stride == 0)
                    d[i] += dui;
                else
                    d[i] = dui;
            }
        }
    };
    const F a = static_cast<F>(sg.alpha);
    switch (sg.kind) {
        case surrogate_kind::fast_sigmoid:
            run([a](F x) { return surrogate::grad_of<surrogate_kind::fast_sigmoid>(x, a); });
            break;
        case surrogate_kind::arctan:
            run([a](F x) { return surrogate::grad_of<surrogate_kind::arctan>(x, a); });
            break;
        case surrogate_kind::triangle:
            run([a](F x) { return surrogate::grad_of<surrogate_kind::triangle>(x, a); });
            break;
    }
}

// QCFS activation (Bu et al., ICLR 2022) of n values, snn/neuron.hpp kernels::qcfs:
//   f = floor(x L / λ + 1/2) / L,   y = λ clip(f, 0, 1).
template <class F>
void qcfs_forward(std::int64_t n, F lambda, F levels, const F* x, F* y) {
#pragma omp parallel for schedule(static)
    for (std::int64_t j = 0; j < n; ++j) y[j] = kernels::qcfs(x[j], lambda, levels);
}

// Its backward with the straight-through floor (d floor(u)/du = 1), as Bu et al. train it:
//   in = (0 <= f <= 1),   dx = dy * in,   dλ = sum_j dy_j * (clip(f_j, 0, 1) - in_j * x_j / λ).
// dx is overwritten (may be null); the returned dλ is summed in fixed chunks.
template <class F>
double qcfs_backward(std::int64_t n, F lambda, F levels, const F* x, const F* dy, F* dx) {
    std::vector<double> dl(1, 0.0);
    column_sums(
        n, 1,
        [&](std::int64_t j, int) {
            const F f = std::floor(x[j] / lambda * levels + F(0.5)) / levels;
            const bool in = f >= F(0) && f <= F(1);
            const double c = std::min(std::max(double(f), 0.0), 1.0);
            return double(dy[j]) * (c - (in ? double(x[j]) / double(lambda) : 0.0));
        },
        dl);
    if (dx) {
#pragma omp parallel for schedule(static)
        for (std::int64_t j = 0; j < n; ++j) {
            const F f = std::floor(x[j] / lambda * levels + F(0.5)) / levels;
            dx[j] = f >= F(0) && f <= F(1) ? dy[j] : F(0);
        }
    }
    return dl[0];
}

// TET loss (Deng et al., ICLR 2022) over readout outputs O [T*B rows x K]:
//   L = (1/B) sum_b [ (1-lambda)/T sum_t CE(O_tb, y_b) + lambda/T sum_t mean_k (O_tbk - phi)^2 ]
// Writes dL/dO into dO and returns L. correct counts argmax(sum_t O_tb) == y_b.
template <class F>
double tet_loss(int T, int B, int K, const F* O, const std::uint8_t* labels, double lambda,
                double phi, F* dO, int* correct) {
    double loss = 0.0;
    int ok = 0;
    std::vector<double> p(K), acc(K);
    for (int b = 0; b < B; ++b) {
        std::fill(acc.begin(), acc.end(), 0.0);
        for (int t = 0; t < T; ++t) {
            const F* o = O + (static_cast<std::int64_t>(t) * B + b) * K;
            F* d = dO + (static_cast<std::int64_t>(t) * B + b) * K;
            double mx = o[0];
            for (int k = 1; k < K; ++k) mx = std::max(mx, double(o[k]));
            double z = 0.0;
            for (int k = 0; k < K; ++k) z += p[k] = std::exp(double(o[k]) - mx);
            const int y = labels[b];
            loss += (1.0 - lambda) / T * (std::log(z) + mx - double(o[y])) / B;
            for (int k = 0; k < K; ++k) {
                const double diff = double(o[k]) - phi;
                loss += lambda / T * diff * diff / K / B;
                const double g =
                    (1.0 - lambda) / T * (p[k] / z - (k == y ? 1.0 : 0.0)) + lambda / T * 2.0 * diff / K;
                d[k] = static_cast<F>(g / B);
                acc[k] += double(o[k]);
            }
        }
        ok += static_cast<int>(std::max_element(acc.begin(), acc.end()) - acc.begin()) == labels[b];
    }
    if (correct) *correct = ok;
    return loss;
}

}  // namespace snn::backprop
