#include "crossbar/normal.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace crossbar {
namespace {

inline std::uint32_t float_bits(float f) {
    std::uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    return u;
}
inline float bits_float(std::uint32_t u) {
    float f;
    std::memcpy(&f, &u, sizeof f);
    return f;
}

// ln x for a normal float x > 0 (Cephes logf): x = 2^e m with m in [sqrt(1/2), sqrt(2)),
// ln x = e ln 2 + t - t^2/2 + t^3 P(t), t = m - 1, ln 2 split in two for exact e ln 2.
inline float log_poly(float x) {
    const std::uint32_t b = float_bits(x);
    const std::uint32_t mant = b & 0x007fffffu;
    const bool high = mant > 0x003504f3u;  // m > sqrt(2) (mantissa bits of float(sqrt 2))
    const float m = bits_float(mant | (high ? 0x3f000000u : 0x3f800000u));
    const float e = float(std::int32_t(b >> 23) - (high ? 126 : 127));
    const float t = m - 1.0f;
    const float z = t * t;
    float p = 7.0376836292e-2f;
    p = std::fma(p, t, -1.1514610310e-1f);
    p = std::fma(p, t, 1.1676998740e-1f);
    p = std::fma(p, t, -1.2420140846e-1f);
    p = std::fma(p, t, 1.4249322787e-1f);
    p = std::fma(p, t, -1.6668057665e-1f);
    p = std::fma(p, t, 2.0000714765e-1f);
    p = std::fma(p, t, -2.4999993993e-1f);
    p = std::fma(p, t, 3.3333331174e-1f);
    float y = (p * t) * z;
    y = std::fma(e, -2.12194440e-4f, y);
    y = std::fma(-0.5f, z, y);
    return std::fma(e, 0.693359375f, t + y);
}

// cos and sin of theta = 2 pi w / 2^32: k = the nearest quarter turn (top bits of w, with
// wrap-around), x = theta - k pi/2 in [-pi/4, pi/4) from the exact integer remainder, then
// the Cephes cosf/sinf polynomials in x and the quadrant's swap and signs.
inline void sincos_turn(std::uint32_t w, float* c, float* s) {
    const std::uint32_t k = (w + 0x20000000u) >> 30;
    const std::int32_t rem = std::int32_t(w - (k << 30));       // [-2^29, 2^29)
    const float x = float(rem) * 1.46291807926715968e-9f;      // 2 pi / 2^32
    const float z = x * x;
    const float ps =
        std::fma(std::fma(-1.9515295891e-4f, z, 8.3321608736e-3f), z, -1.6666654611e-1f);
    const float sn = std::fma(ps * z, x, x);
    const float pc = std::fma(std::fma(2.443315711809948e-5f, z, -1.388731625493765e-3f), z,
                              4.166664568298827e-2f);
    const float cs = std::fma(pc * z, z, std::fma(-0.5f, z, 1.0f));
    // k = 0: (cs, sn), 1: (-sn, cs), 2: (-cs, -sn), 3: (sn, -cs).
    const bool swap = (k & 1u) != 0;
    const float a = swap ? sn : cs, b = swap ? cs : sn;
    *c = bits_float(float_bits(a) ^ (((k + 1u) & 2u) << 30));
    *s = bits_float(float_bits(b) ^ ((k & 2u) << 30));
}

inline void box_muller_inline(std::uint64_t b, float* z_cos, float* z_sin) {
    const std::uint32_t hi = std::uint32_t(b >> 32), lo = std::uint32_t(b);
    const float u1 = (float(std::int32_t(hi >> 9)) + 0.5f) * 0x1p-23f;  // exact
    const float r = std::sqrt(std::max(-2.0f * log_poly(u1), 0.0f));
    float c, s;
    sincos_turn(lo, &c, &s);
    *z_cos = r * c;
    *z_sin = r * s;
}

}  // namespace

void detail::box_muller(std::uint64_t b, float* z_cos, float* z_sin) {
    box_muller_inline(b, z_cos, z_sin);
}

float fast_normal(const spikebar::counter_rng& rng, std::uint64_t counter) {
    float c, s;
    box_muller_inline(rng.bits(counter >> 1), &c, &s);
    return (counter & 1) ? s : c;
}

void fast_normals(const spikebar::counter_rng& rng, std::uint64_t pair0, int n, float* z) {
    constexpr int max_pairs = 512;
    alignas(64) float zc[max_pairs], zs[max_pairs];
    const int pairs = (n + 1) / 2;
    // The same operations as fast_normal, lane by lane: this loop vectorizes. The counter
    // enters as an induction variable, x = key + (pair0 + j + 1) gamma (= rng.bits' input).
    std::uint64_t x = rng.key + (pair0 + 1) * spikebar::golden_gamma;
    for (int j = 0; j < pairs; ++j) {
        box_muller_inline(spikebar::splitmix64(x), &zc[j], &zs[j]);
        x += spikebar::golden_gamma;
    }
    const int whole = n / 2;
    for (int j = 0; j < whole; ++j) {
        z[2 * j] = zc[j];
        z[2 * j + 1] = zs[j];
    }
    if (n & 1) z[n - 1] = zc[whole];
}

}  // namespace crossbar
