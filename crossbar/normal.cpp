#include "crossbar/normal.hpp"

namespace crossbar::detail {
namespace {

constexpr double zig_r = 3.6541528853610088;  // start of the tail for 256 layers
constexpr double zig_v = 0.00492867323399;    // area of each layer

ziggurat_tables make_tables() {
    ziggurat_tables t{};
    const auto f = [](double x) { return std::exp(-0.5 * x * x); };
    t.x[0] = zig_v / f(zig_r);
    t.x[1] = zig_r;
    for (int i = 2; i < 256; ++i) t.x[i] = std::sqrt(-2.0 * std::log(f(t.x[i - 1]) + zig_v / t.x[i - 1]));
    t.x[256] = 0.0;
    for (int i = 0; i <= 256; ++i) t.f[i] = f(t.x[i]);
    return t;
}

}  // namespace

const ziggurat_tables& ziggurat() {
    static const ziggurat_tables t = make_tables();
    return t;
}

// Rejection steps of the ziggurat, starting from the rejected first draw `bits`.
double ziggurat_slow(const spikebar::counter_rng& rng, std::uint64_t counter, std::uint64_t bits) {
    const ziggurat_tables& t = ziggurat();
    spikebar::counter_stream s(spikebar::hash_key({rng.key, counter, 0x5a16ULL}));
    std::uint64_t b = bits;
    for (;;) {
        const int i = int(b & 0xff);
        const double u = static_cast<double>(static_cast<std::int64_t>(b) >> 11) * 0x1.0p-52;
        const double x = u * t.x[i];
        if (std::abs(x) < t.x[i + 1]) return x;
        if (i == 0) {
            // Tail beyond r (Marsaglia 1964): x = -ln(u1) / r accepted if -2 ln(u2) > x^2.
            double xt, yt;
            do {
                xt = -std::log(1.0 - s.uniform()) / zig_r;
                yt = -std::log(1.0 - s.uniform());
            } while (2 * yt < xt * xt);
            return u < 0 ? -(zig_r + xt) : zig_r + xt;
        }
        if (t.f[i + 1] + (t.f[i] - t.f[i + 1]) * s.uniform() < std::exp(-0.5 * x * x)) return x;
        b = s.bits();
    }
}

}  // namespace crossbar::detail
