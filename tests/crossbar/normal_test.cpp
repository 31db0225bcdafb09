// Checks the ziggurat normal (crossbar/normal.hpp) against the standard normal's moments
// and tail probabilities, and its keyed determinism.
#include <doctest/doctest.h>

#include <cmath>

#include "crossbar/kernels.hpp"
#include "crossbar/normal.hpp"

// |a - b| <= rel * |b|. (doctest::Approx adds an absolute tolerance of epsilon * 1.0,
// which makes it vacuous for conductances and currents; we never use it.)
inline bool rel_close(double a, double b, double rel) { return std::abs(a - b) <= rel * std::abs(b); }

using crossbar::fast_normal;

TEST_CASE("ziggurat tables are well formed") {
    const auto& t = crossbar::detail::ziggurat();
    for (int i = 1; i < 256; ++i) {
        REQUIRE(t.x[i] > t.x[i + 1]);
        REQUIRE(t.f[i] < t.f[i + 1]);
    }
    // Equal-area layers: x[i] (f[i+1] - f[i]) = v for every layer that closes at x = 0.
    CHECK(rel_close(t.x[255] * (t.f[256] - t.f[255]), 0.00492867323399, 1e-6));
}

TEST_CASE("fast normal draws match the standard normal within sampling error") {
    const spikebar::counter_rng r{2024, 7};
    const int n = 1000000;
    double s1 = 0, s2 = 0, s3 = 0, s4 = 0;
    int beyond2 = 0, beyond3 = 0, beyond_r = 0;
    for (int i = 0; i < n; ++i) {
        const double z = fast_normal(r, i);
        s1 += z;
        s2 += z * z;
        s3 += z * z * z;
        s4 += z * z * z * z;
        beyond2 += std::abs(z) > 2;
        beyond3 += std::abs(z) > 3;
        beyond_r += std::abs(z) > 3.6541528853610088;
    }
    // Standard errors for n = 1e6: mean 1e-3, variance sqrt(2/n) = 1.4e-3, third moment
    // sqrt(15/n) = 3.9e-3, fourth sqrt(96/n) = 9.8e-3. Tails: P(|z|>2) = 0.0455003,
    // P(|z|>3) = 0.0026998, P(|z|>r) = 2.580e-4 (the tail sampler). Allow 5 sigma.
    CHECK(std::abs(s1 / n) < 5e-3);
    CHECK(std::abs(s2 / n - 1) < 7e-3);
    CHECK(std::abs(s3 / n) < 2e-2);
    CHECK(std::abs(s4 / n - 3) < 5e-2);
    const auto within = [&](int count, double p) {
        return std::abs(count - n * p) < 5 * std::sqrt(n * p * (1 - p));
    };
    CHECK(within(beyond2, 0.0455003));
    CHECK(within(beyond3, 0.0026998));
    CHECK(within(beyond_r, 2.580e-4));
}

TEST_CASE("a fast normal draw is a pure function of key and counter") {
    const spikebar::counter_rng a{1, 2, 3}, b{1, 2, 3}, c{1, 2, 4};
    int differ = 0;
    for (int i = 999; i >= 0; --i) {
        CHECK(fast_normal(a, i) == fast_normal(b, i));
        differ += fast_normal(a, i) != fast_normal(c, i);
    }
    CHECK(differ == 1000);
}

TEST_CASE("the vector normal kernel equals the scalar draw bit for bit, rejections included") {
    float z[513];
    int slow = 0;
    for (std::uint64_t k = 0; k < 200; ++k) {
        const spikebar::counter_rng r{k, 99};
        crossbar::kernels::normals(r, 513, z);
        for (int o = 0; o < 513; ++o) {
            REQUIRE(z[o] == float(fast_normal(r, o)));
            const std::uint64_t b = r.bits(o);
            const auto& t = crossbar::detail::ziggurat();
            const double u = double(std::int64_t(b) >> 11) * 0x1.0p-52;
            slow += !(std::abs(u * t.x[b & 0xff]) < t.x[(b & 0xff) + 1]);
        }
    }
    CHECK(slow > 100);  // the rejection branch was exercised (about 1 % of 102600 draws)
}
