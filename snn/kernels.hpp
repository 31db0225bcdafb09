// Per-image kernels shared by inference and training. Feature maps are channel-last.
//
// Templated on the scalar so tests can check gradients in double precision.
// Every reduction over the input dimension runs in one fixed order, (ky, kx, ci) for
// conv and i for linear, and terms whose input is exactly zero are skipped. Skipping
// a zero changes nothing (acc + 0*w == acc), so the same kernel is exact for dense
// analog inputs and event-driven for sparse binary spikes, and results do not depend
// on batch size, thread count or sparsity. (The compiler may contract v * w + acc
// into an FMA; it does so the same way for every call, since there is one kernel.)
#pragma once
#include <algorithm>
#include <cstring>
#include <vector>

#include "snn/architecture.hpp"

namespace snn::kernels {

// Nonzero entries of a channel-last map, listed per position in channel order.
// Built once per image and layer; the conv and linear kernels below walk it, so
// silent inputs cost nothing and no per-element branch sits in an inner loop.
template <class F>
struct sparse_map {
    std::vector<int> start;    // [positions + 1]: entries of position p are [start[p], start[p+1])
    std::vector<int> channel;  // [nnz] channel index
    std::vector<F> value;      // [nnz] input value (1 for spikes)
    void build(const F* x, int positions, int channels) {
        start.resize(static_cast<std::size_t>(positions) + 1);
        channel.resize(static_cast<std::size_t>(positions) * channels);
        value.resize(channel.size());
        int n = 0;
        for (int p = 0; p < positions; ++p) {
            start[p] = n;
            const F* xp = x + static_cast<std::size_t>(p) * channels;
            for (int c = 0; c < channels; ++c) {
                channel[n] = c;  // written always, kept only if nonzero: branch-free
                value[n] = xp[c];
                n += xp[c] != F(0);
            }
        }
        start[positions] = n;
    }
};

namespace detail {

// 64-byte vectors (one AVX-512 register; two or four on narrower ISAs) through the
// GCC/clang vector extension, so the accumulation below is vectorized along the
// output dimension whatever the autovectorizer would prefer.
template <class F>
struct vec_of;
template <>
struct vec_of<float> {
    typedef float type __attribute__((vector_size(64)));
};
template <>
struct vec_of<double> {
    typedef double type __attribute__((vector_size(64)));
};
template <class F>
using vec = typename vec_of<F>::type;
template <class F>
constexpr int lanes = 64 / static_cast<int>(sizeof(F));

template <class F>
inline vec<F> load(const F* p) {
    vec<F> v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
template <class F>
inline void store(F* p, const vec<F>& v) {
    std::memcpy(p, &v, sizeof v);
}

// acc[0..N) += v * w[0..N) for N a multiple of the vector width.
template <class F, int N>
inline void axpy_fixed(F* __restrict acc, F v, const F* __restrict w) {
    constexpr int L = lanes<F>;
    for (int q = 0; q < N / L; ++q) store(acc + q * L, load(acc + q * L) + v * load(w + q * L));
}

// acc[0..n) += v * w[0..n): the one accumulation primitive of the kernels.
template <class F>
inline void axpy(int n, F* __restrict acc, F v, const F* __restrict w) {
    switch (n) {
        case 16: axpy_fixed<F, 16>(acc, v, w); return;
        case 32: axpy_fixed<F, 32>(acc, v, w); return;
        case 64: axpy_fixed<F, 64>(acc, v, w); return;
        case 128: axpy_fixed<F, 128>(acc, v, w); return;
        default: {
            constexpr int L = lanes<F>;
            int i = 0;
            for (; i + L <= n; i += L) store(acc + i, load(acc + i) + v * load(w + i));
            for (; i < n; ++i) acc[i] += v * w[i];
        }
    }
}

// out[0..N) = b + sum over the entries of the sparse rows of value * weight row; the
// accumulator lives in registers for the whole reduction.
template <class F, int N>
inline void gather_rows_fixed(F* __restrict out, const F* __restrict b, int nrow,
                              const int* const* rows_ch, const F* const* rows_val, const int* rows_n,
                              const F* const* rows_w) {
    constexpr int L = lanes<F>, NV = N / L;
    vec<F> acc[NV];
    for (int q = 0; q < NV; ++q) acc[q] = load(b + q * L);
    for (int r = 0; r < nrow; ++r) {
        const int* ch = rows_ch[r];
        const F* val = rows_val[r];
        const F* w = rows_w[r];
        for (int e = 0; e < rows_n[r]; ++e) {
            const F* wr = w + static_cast<std::size_t>(ch[e]) * N;
            const F v = val[e];
            for (int q = 0; q < NV; ++q) acc[q] += v * load(wr + q * L);
        }
    }
    for (int q = 0; q < NV; ++q) store(out + q * L, acc[q]);
}

}  // namespace detail

// Calls fn(tap, p) for every kernel tap (tap = ky * kw + kx, in that order) of output
// position (oy, ox) that lands inside the input, with p = iy * W + ix its input position:
// iy = oy * sh + ky * dh - ph, ix = ox * sw + kx * dw - pw (architecture.hpp).
template <class Fn>
inline void for_each_tap(const layer_spec& l, int oy, int ox, Fn&& fn) {
    const int kh = l.kh(), kw = l.kw(), dh = l.dh(), dw = l.dw();
    const int y0 = oy * l.sh() - l.ph(), x0 = ox * l.sw() - l.pw();
    for (int ky = 0; ky < kh; ++ky) {
        const int iy = y0 + ky * dh;
        if (iy < 0 || iy >= l.in.h) continue;
        for (int kx = 0; kx < kw; ++kx) {
            const int ix = x0 + kx * dw;
            if (ix < 0 || ix >= l.in.w) continue;
            fn(ky * kw + kx, iy * l.in.w + ix);
        }
    }
}

// out[oy,ox,co] = b[co] + sum_{ky,kx,ci} in[iy, ix, ci] * w[(ky*kw+kx)*Cin+ci][co], taps as
// in for_each_tap (at most 121 of them: parse_architecture and the model reader check)
// `sx` must hold the sparse form of `in` (sparse_map::build over in.h*in.w positions).
template <class F>
inline void conv_forward(const layer_spec& l, const sparse_map<F>& sx, const F* __restrict w,
                         const F* __restrict b, F* __restrict out) {
    const int cin = l.in.c, cout = l.out.c;
    constexpr int max_taps = 121;  // kernels up to 11 x 11 (kh * kw <= 121)
    const int* rows_ch[max_taps];
    const F* rows_val[max_taps];
    const F* rows_w[max_taps];
    int rows_n[max_taps];
    for (int oy = 0; oy < l.out.h; ++oy) {
        for (int ox = 0; ox < l.out.w; ++ox) {
            int nrow = 0;
            for_each_tap(l, oy, ox, [&](int tap, int p) {
                rows_ch[nrow] = sx.channel.data() + sx.start[p];
                rows_val[nrow] = sx.value.data() + sx.start[p];
                rows_n[nrow] = sx.start[p + 1] - sx.start[p];
                rows_w[nrow] = w + static_cast<std::size_t>(tap * cin) * cout;
                ++nrow;
            });
            F* o = out + (oy * l.out.w + ox) * cout;
            switch (cout) {
                case 16: detail::gather_rows_fixed<F, 16>(o, b, nrow, rows_ch, rows_val, rows_n, rows_w); break;
                case 32: detail::gather_rows_fixed<F, 32>(o, b, nrow, rows_ch, rows_val, rows_n, rows_w); break;
                case 64: detail::gather_rows_fixed<F, 64>(o, b, nrow, rows_ch, rows_val, rows_n, rows_w); break;
                case 128: detail::gather_rows_fixed<F, 128>(o, b, nrow, rows_ch, rows_val, rows_n, rows_w); break;
                default:
                    std::copy(b, b + cout, o);
                    for (int r = 0; r < nrow; ++r)
                        for (int e = 0; e < rows_n[r]; ++e)
                            detail::axpy(cout, o, rows_val[r][e],
                                         rows_w[r] + static_cast<std::size_t>(rows_ch[r][e]) * cout);
            }
        }
    }
}

// dw[(ky,kx,ci)][co] += sum_positions in[...] * g[oy,ox,co];  db[co] += sum g.
template <class F>
inline void conv_backward_weights(const layer_spec& l, const sparse_map<F>& sx,
                                  const F* __restrict g, F* __restrict dw, F* __restrict db) {
    const int cin = l.in.c, cout = l.out.c;
    for (int oy = 0; oy < l.out.h; ++oy) {
        for (int ox = 0; ox < l.out.w; ++ox) {
            const F* __restrict gp = g + (oy * l.out.w + ox) * cout;
            for (int co = 0; co < cout; ++co) db[co] += gp[co];
            for_each_tap(l, oy, ox, [&](int tap, int p) {
                F* dwr = dw + static_cast<std::size_t>(tap * cin) * cout;
                for (int e = sx.start[p]; e < sx.start[p + 1]; ++e)
                    detail::axpy(cout, dwr + static_cast<std::size_t>(sx.channel[e]) * cout,
                                 sx.value[e], gp);
            });
        }
    }
}

namespace detail {

// d[0..N) = sum over taps of sum_co g_tap[co] * wt_tap[co][0..N), accumulated in
// registers. Four partial sums (by co mod 4) hide the FMA latency; the order is fixed.
template <class F, int N>
inline void tap_sum_fixed(F* __restrict d, int ntap, int cout, const F* const* taps_g,
                          const F* const* taps_w) {
    constexpr int L = lanes<F>, NV = N / L;
    vec<F> acc[4][NV];
    for (int j = 0; j < 4; ++j)
        for (int q = 0; q < NV; ++q) acc[j][q] = vec<F>{};
    for (int t = 0; t < ntap; ++t) {
        const F* gp = taps_g[t];
        const F* wr = taps_w[t];
        int co = 0;
        for (; co + 4 <= cout; co += 4)
            for (int j = 0; j < 4; ++j) {
                const F gv = gp[co + j];
                for (int q = 0; q < NV; ++q) acc[j][q] += gv * load(wr + (co + j) * N + q * L);
            }
        for (; co < cout; ++co)
            for (int q = 0; q < NV; ++q) acc[0][q] += gp[co] * load(wr + co * N + q * L);
    }
    for (int q = 0; q < NV; ++q) store(d + q * L, (acc[0][q] + acc[1][q]) + (acc[2][q] + acc[3][q]));
}

}  // namespace detail

// dx[iy,ix,ci] = sum_{ky,kx,co} g[oy,ox,co] * w[(ky,kx,ci)][co] with oy*s + ky - p = iy,
// using the transposed weights wt[(ky*k+kx)*Cout+co][ci]. Overwrites dx.
template <class F>
inline void conv_backward_input(const layer_spec& l, const F* __restrict g,
                                const F* __restrict wt, F* __restrict dx) {
    const int cin = l.in.c, cout = l.out.c, k = l.kernel, s = l.stride;
    constexpr int max_taps = 121;
    const F* taps_g[max_taps];
    const F* taps_w[max_taps];
    for (int iy = 0; iy < l.in.h; ++iy) {
        for (int ix = 0; ix < l.in.w; ++ix) {
            int ntap = 0;
            for (int ky = 0; ky < k; ++ky) {
                const int ty = iy + l.pad - ky;
                if (ty < 0 || ty % s) continue;
                const int oy = ty / s;
                if (oy >= l.out.h) continue;
                for (int kx = 0; kx < k; ++kx) {
                    const int tx = ix + l.pad - kx;
                    if (tx < 0 || tx % s) continue;
                    const int ox = tx / s;
                    if (ox >= l.out.w) continue;
                    taps_g[ntap] = g + (oy * l.out.w + ox) * cout;
                    taps_w[ntap] = wt + static_cast<std::size_t>((ky * k + kx) * cout) * cin;
                    ++ntap;
                }
            }
            F* __restrict d = dx + (iy * l.in.w + ix) * cin;
            switch (cin) {
                case 16: detail::tap_sum_fixed<F, 16>(d, ntap, cout, taps_g, taps_w); break;
                case 32: detail::tap_sum_fixed<F, 32>(d, ntap, cout, taps_g, taps_w); break;
                case 64: detail::tap_sum_fixed<F, 64>(d, ntap, cout, taps_g, taps_w); break;
                case 128: detail::tap_sum_fixed<F, 128>(d, ntap, cout, taps_g, taps_w); break;
                default:
                    std::fill(d, d + cin, F(0));
                    for (int t = 0; t < ntap; ++t)
                        for (int co = 0; co < cout; ++co)
                            detail::axpy(cin, d, taps_g[t][co], taps_w[t] + static_cast<std::size_t>(co) * cin);
            }
        }
    }
}

// out[o] = b[o] + sum_i in[i] * w[i][o], walking the nonzero inputs (sparse form of
// `in` as one position with n_in channels).
template <class F>
inline void linear_forward(int n_out, const sparse_map<F>& sx, const F* w,
                           const F* __restrict b, F* __restrict out) {
    const int* ch = sx.channel.data();
    const F* val = sx.value.data();
    const int n = sx.start[1];
    switch (n_out) {
        case 16: detail::gather_rows_fixed<F, 16>(out, b, 1, &ch, &val, &n, &w); return;
        case 32: detail::gather_rows_fixed<F, 32>(out, b, 1, &ch, &val, &n, &w); return;
        case 64: detail::gather_rows_fixed<F, 64>(out, b, 1, &ch, &val, &n, &w); return;
        case 128: detail::gather_rows_fixed<F, 128>(out, b, 1, &ch, &val, &n, &w); return;
        default:
            std::copy(b, b + n_out, out);
            for (int e = 0; e < n; ++e)
                detail::axpy(n_out, out, val[e], w + static_cast<std::size_t>(ch[e]) * n_out);
    }
}

// dw[i][o] += sum_j x[j][i] * g[j][o] over images j = 0..n-1 (in that order), for
// inputs i in [i_lo, i_hi); rows whose input is silent in an image are skipped.
// Parallel callers split the inputs, so no partial copies of dw are needed.
template <class F>
inline void linear_backward_weights(int n_images, int n_in, int n_out, const F* __restrict x,
                                    const F* __restrict g, int i_lo, int i_hi,
                                    F* __restrict dw) {
    for (int i = i_lo; i < i_hi; ++i) {
        F* __restrict dwr = dw + static_cast<std::size_t>(i) * n_out;
        for (int j = 0; j < n_images; ++j) {
            const F xv = x[static_cast<std::size_t>(j) * n_in + i];
            if (xv == F(0)) continue;
            detail::axpy(n_out, dwr, xv, g + static_cast<std::size_t>(j) * n_out);
        }
    }
}

// dx[i] = sum_o g[o] * w[i][o] using the transposed weights wt[o][i]. Overwrites dx.
template <class F>
inline void linear_backward_input(int n_in, int n_out, const F* __restrict g,
                                  const F* __restrict wt, F* __restrict dx) {
    std::fill(dx, dx + n_in, F(0));
    for (int o = 0; o < n_out; ++o)
        detail::axpy(n_in, dx, g[o], wt + static_cast<std::size_t>(o) * n_in);
}

// Non-overlapping k x k pooling, channel-last. maxpool keeps the first maximum in
// (ky, kx) order, as PyTorch does; argmax (if given) records its window offset.
template <class F>
inline void maxpool_forward(const layer_spec& l, const F* __restrict in,
                            F* __restrict out, unsigned char* __restrict argmax) {
    const int c = l.in.c, k = l.kernel;
    for (int oy = 0; oy < l.out.h; ++oy)
        for (int ox = 0; ox < l.out.w; ++ox) {
            F* o = out + (oy * l.out.w + ox) * c;
            unsigned char* a = argmax ? argmax + (oy * l.out.w + ox) * c : nullptr;
            for (int ky = 0; ky < k; ++ky)
                for (int kx = 0; kx < k; ++kx) {
                    const F* x = in + ((oy * k + ky) * l.in.w + ox * k + kx) * c;
                    const unsigned char off = static_cast<unsigned char>(ky * k + kx);
                    if (off == 0) {
                        std::copy(x, x + c, o);
                        if (a) std::fill(a, a + c, 0);
                        continue;
                    }
                    if (a)
                        for (int ch = 0; ch < c; ++ch) a[ch] = x[ch] > o[ch] ? off : a[ch];
                    for (int ch = 0; ch < c; ++ch) o[ch] = x[ch] > o[ch] ? x[ch] : o[ch];
                }
        }
}

template <class F>
inline void maxpool_backward(const layer_spec& l, const F* __restrict g,
                             const unsigned char* __restrict argmax, F* __restrict dx) {
    const int c = l.in.c, k = l.kernel;
    for (int oy = 0; oy < l.out.h; ++oy)
        for (int ox = 0; ox < l.out.w; ++ox) {
            const F* gp = g + (oy * l.out.w + ox) * c;
            const unsigned char* a = argmax + (oy * l.out.w + ox) * c;
            for (int ch = 0; ch < c; ++ch) {
                const int ky = a[ch] / k, kx = a[ch] % k;
                dx[((oy * k + ky) * l.in.w + ox * k + kx) * c + ch] += gp[ch];
            }
        }
}

// Window pooling, channel-last: out = scale * (sum of the window in (ky, kx) order), taps
// outside the input read zero (PyTorch's count_include_pad). avgpool has scale = 1/(kh kw)
// and sumpool no scale (multiplying by 1 is skipped, which changes no bit).
template <class F>
inline void pool_sum_forward(const layer_spec& l, const F* __restrict in, F* __restrict out,
                             bool average) {
    const int c = l.in.c;
    const F inv = F(1) / static_cast<F>(l.kh() * l.kw());
    for (int oy = 0; oy < l.out.h; ++oy)
        for (int ox = 0; ox < l.out.w; ++ox) {
            F* o = out + (oy * l.out.w + ox) * c;
            std::fill(o, o + c, F(0));
            for_each_tap(l, oy, ox, [&](int, int p) {
                const F* x = in + static_cast<std::size_t>(p) * c;
                for (int ch = 0; ch < c; ++ch) o[ch] += x[ch];
            });
            if (average)
                for (int ch = 0; ch < c; ++ch) o[ch] *= inv;
        }
}

template <class F>
inline void avgpool_forward(const layer_spec& l, const F* __restrict in, F* __restrict out) {
    pool_sum_forward(l, in, out, true);
}

template <class F>
inline void avgpool_backward(const layer_spec& l, const F* __restrict g, F* __restrict dx) {
    const int c = l.in.c, k = l.kernel;
    const F inv = F(1) / static_cast<F>(k * k);
    for (int oy = 0; oy < l.out.h; ++oy)
        for (int ox = 0; ox < l.out.w; ++ox) {
            const F* gp = g + (oy * l.out.w + ox) * c;
            for (int ky = 0; ky < k; ++ky)
                for (int kx = 0; kx < k; ++kx) {
                    F* d = dx + ((oy * k + ky) * l.in.w + ox * k + kx) * c;
                    for (int ch = 0; ch < c; ++ch) d[ch] += gp[ch] * inv;
                }
        }
}

// One fused LIF step over n neurons (DESIGN §3):
//   u = decay * v + I;   s = (u >= threshold);   v = s ? (hard: v_reset, soft: u - threshold) : u
// Writes s as 0/1 values and returns the number of spikes.
template <class F>
inline int lif_step(int n, F decay, F threshold, bool soft_reset, F v_reset, F* __restrict v,
                    const F* __restrict current, F* __restrict s) {
    int count = 0;
    if (soft_reset) {
        for (int i = 0; i < n; ++i) {
            const F u = decay * v[i] + current[i];
            const bool fire = u >= threshold;
            s[i] = fire ? F(1) : F(0);
            v[i] = fire ? u - threshold : u;
            count += fire;
        }
    } else {
        for (int i = 0; i < n; ++i) {
            const F u = decay * v[i] + current[i];
            const bool fire = u >= threshold;
            s[i] = fire ? F(1) : F(0);
            v[i] = fire ? v_reset : u;
            count += fire;
        }
    }
    return count;
}

}  // namespace snn::kernels
