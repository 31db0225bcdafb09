// Standard normal draws keyed by (stream key, counter), cheap enough for one draw per
// ADC output per read: the 256-layer ziggurat of Marsaglia & Tsang (J. Stat. Softw. 5(8),
// 2000), fed by the counter-based SplitMix64 stream of common/rng.hpp. The low 8 bits of a
// draw pick the layer and the top 53 bits give a signed uniform, so the two are
// independent (Doornik 2005). About 99 % of draws take the first branch; the rest
// continue on a sub-stream keyed by (key, counter), so a draw is still a pure function
// of its key and counter.
#pragma once
#include <cmath>
#include <cstdint>

#include "common/rng.hpp"

namespace crossbar {

namespace detail {
struct ziggurat_tables {
    double x[257];  // layer right edges, x[0] = v / f(r) (virtual base width), x[1] = r, x[256] = 0
    double f[257];  // f(x[i]) = exp(-x[i]^2 / 2)
};
const ziggurat_tables& ziggurat();
double ziggurat_slow(const spikebar::counter_rng& rng, std::uint64_t counter, std::uint64_t bits);
}  // namespace detail

// Draw `counter` of a standard normal stream.
inline double fast_normal(const spikebar::counter_rng& rng, std::uint64_t counter) {
    const detail::ziggurat_tables& t = detail::ziggurat();
    const std::uint64_t b = rng.bits(counter);
    const int i = int(b & 0xff);
    const double u = static_cast<double>(static_cast<std::int64_t>(b) >> 11) * 0x1.0p-52;  // [-1, 1)
    const double x = u * t.x[i];
    if (std::abs(x) < t.x[i + 1]) return x;
    return detail::ziggurat_slow(rng, counter, b);
}

}  // namespace crossbar
