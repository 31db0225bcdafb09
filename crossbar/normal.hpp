// Standard normal draws keyed by (stream key, counter), cheap enough for one draw per ADC
// output per read: Box-Muller (Box & Muller, Ann. Math. Stat. 29, 1958) in float on the
// counter-based SplitMix64 stream of common/rng.hpp, branch-free so that a block of draws
// runs as one vector loop.
//
// Draws 2p and 2p+1 share the 64-bit word b = bits(p) of pair p. Its high 32 bits give
//   u1 = (k + 1/2) 2^-23,  k = the top 23 of them, uniform on 0 .. 2^23 - 1  (u1 in (0, 1))
// and its low 32 bits w the angle theta = 2 pi w 2^-32; then
//   r = sqrt(-2 ln u1),   z_2p = r cos(theta),   z_2p+1 = r sin(theta).
// ln, cos and sin are the single-precision minimax polynomials of Cephes (S. L. Moshier,
// logf.c, sinf.c, cosf.c) after exact range reduction: ln on the mantissa in
// [sqrt(1/2), sqrt(2)), cos and sin on theta minus the nearest multiple of pi/2, taken
// from the top bits of w. Each is within a few float ulps of the exact function (tested
// against double precision), so the draws are N(0, 1) to float accuracy, except that u1's
// 2^23-point grid bounds |z| by sqrt(48 ln 2) = 5.77 (P(|z| > 5.77) = 8e-9 for N(0, 1)).
// The polynomials use explicit fma (one rounding, the same on every target), so the scalar
// draw and the vector kernel agree bit for bit.
#pragma once
#include <cstdint>

#include "common/rng.hpp"

namespace crossbar {

// Draw `counter` of the standard normal stream `rng`.
float fast_normal(const spikebar::counter_rng& rng, std::uint64_t counter);

// z[i] = fast_normal(rng, 2 * pair0 + i) for i < n, bit for bit, as one vector loop.
// n <= 1024.
void fast_normals(const spikebar::counter_rng& rng, std::uint64_t pair0, int n, float* z);

namespace detail {
// The pair (z_2p, z_2p+1) of the 64-bit word b, as defined above.
void box_muller(std::uint64_t b, float* z_cos, float* z_sin);
}  // namespace detail

}  // namespace crossbar
