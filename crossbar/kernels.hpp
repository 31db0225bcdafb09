// Inner loops of a crossbar read (internal to crossbar/). Plain loops over contiguous
// arrays that the compiler vectorizes; the summation order over active rows is always
// ascending in the order given, whatever the path, so results are bit-reproducible.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

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

}  // namespace crossbar::kernels
