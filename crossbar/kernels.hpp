// Inner loops of a crossbar read (internal to crossbar/). Plain loops over contiguous
// arrays that the compiler vectorizes; the summation order over active rows is always
// ascending in the order given, whatever the path, so results are bit-reproducible.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "common/rng.hpp"
#include "crossbar/normal.hpp"

namespace crossbar::kernels {

// 8 floats in one register (GCC/Clang vector extension; AVX2 and AVX-512 both map it).
typedef float v8f __attribute__((vector_size(32)));

inline v8f load8(const float* p) {
    v8f v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
inline void store8(float* p, v8f v) { std::memcpy(p, &v, sizeof v); }

// out[o] = sum_a w_a * base[act[a] * stride + o] for o < no, with w_a = 1 unless Weighted.
// Blocks of 32 outputs stay in four registers across the rows; per output the sum runs
// over a = 0..n-1 in order, in every block and in the scalar tail alike.
template <bool Weighted>
inline void sum_rows(const float* __restrict base, int stride, const int* __restrict act,
                     const float* __restrict w, int n, int no, float* __restrict out) {
    int o0 = 0;
    for (; o0 + 32 <= no; o0 += 32) {
        v8f a0 = {}, a1 = {}, a2 = {}, a3 = {};
        for (int a = 0; a < n; ++a) {
            const float* r = base + std::size_t(act[a]) * stride + o0;
            if constexpr (Weighted) {
                const float wa = w[a];
                a0 += wa * load8(r);
                a1 += wa * load8(r + 8);
                a2 += wa * load8(r + 16);
                a3 += wa * load8(r + 24);
            } else {
                a0 += load8(r);
                a1 += load8(r + 8);
                a2 += load8(r + 16);
                a3 += load8(r + 24);
            }
        }
        store8(out + o0, a0);
        store8(out + o0 + 8, a1);
        store8(out + o0 + 16, a2);
        store8(out + o0 + 24, a3);
    }
    for (; o0 + 8 <= no; o0 += 8) {
        v8f a0 = {};
        for (int a = 0; a < n; ++a) {
            const float* r = base + std::size_t(act[a]) * stride + o0;
            if constexpr (Weighted)
                a0 += w[a] * load8(r);
            else
                a0 += load8(r);
        }
        store8(out + o0, a0);
    }
    for (; o0 < no; ++o0) {
        float acc = 0;
        for (int a = 0; a < n; ++a) {
            const float v = base[std::size_t(act[a]) * stride + o0];
            if constexpr (Weighted)
                acc += w[a] * v;
            else
                acc += v;
        }
        out[o0] = acc;
    }
}

// z[o] = fast_normal(rng, o) for o < n, bit for bit; the first ziggurat step runs as a
// vector loop and the rare rejections (about 1 %) are redone one by one. n <= 513.
inline void normals(const spikebar::counter_rng& rng, int n, float* __restrict z) {
    const double* __restrict xs = detail::ziggurat().x;
    const std::uint64_t key = rng.key;
    std::uint8_t rej[513];
    int rejected = 0;
    for (int o = 0; o < n; ++o) {
        const std::uint64_t b = spikebar::splitmix64(key + std::uint64_t(o + 1) * spikebar::golden_gamma);
        const std::int64_t i = std::int64_t(b & 0xff);
        const double u = static_cast<double>(static_cast<std::int64_t>(b) >> 11) * 0x1.0p-52;
        const double x = u * xs[i];
        z[o] = float(x);
        const std::uint8_t r = std::abs(x) < xs[i + 1] ? 0 : 1;
        rej[o] = r;
        rejected += r;
    }
    if (rejected == 0) return;
    for (int o = 0; o < n; ++o)
        if (rej[o])
            z[o] = float(detail::ziggurat_slow(rng, std::uint64_t(o), rng.bits(std::uint64_t(o))));
}

// sum_a sum_b w_a w_b E[act[a]][act[b]] for a symmetric E [nr][nr] (w = 1 without weights):
// the diagonal plus twice the strict lower triangle, each row's part in four independent
// double partial sums (fixed order, so still bit-reproducible) instead of one serial chain.
inline double quad_form(const float* __restrict e, int nr, const int* __restrict act, int n) {
    double total = 0;
    for (int a = 0; a < n; ++a) {
        const float* er = e + std::size_t(act[a]) * nr;
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int b = 0;
        for (; b + 4 <= a; b += 4) {
            s0 += double(er[act[b]]);
            s1 += double(er[act[b + 1]]);
            s2 += double(er[act[b + 2]]);
            s3 += double(er[act[b + 3]]);
        }
        for (; b < a; ++b) s0 += double(er[act[b]]);
        total += double(er[act[a]]) + 2 * ((s0 + s1) + (s2 + s3));
    }
    return total;
}
inline double quad_form(const float* __restrict e, int nr, const int* __restrict act,
                        const float* __restrict w, int n) {
    double total = 0;
    for (int a = 0; a < n; ++a) {
        const float* er = e + std::size_t(act[a]) * nr;
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int b = 0;
        for (; b + 4 <= a; b += 4) {
            s0 += double(er[act[b]]) * double(w[b]);
            s1 += double(er[act[b + 1]]) * double(w[b + 1]);
            s2 += double(er[act[b + 2]]) * double(w[b + 2]);
            s3 += double(er[act[b + 3]]) * double(w[b + 3]);
        }
        for (; b < a; ++b) s0 += double(er[act[b]]) * double(w[b]);
        const double wa = double(w[a]);
        total += wa * (double(er[act[a]]) * wa + 2 * ((s0 + s1) + (s2 + s3)));
    }
    return total;
}

}  // namespace crossbar::kernels
