// Checks the Box-Muller normal (crossbar/normal.hpp): its float polynomials against
// double-precision Box-Muller on the same random bits, its draws against the standard
// normal's moments, quantile bins and tail probabilities within sampling error, the
// independence of the two draws of a pair, and its keyed determinism (vector kernel equal
// to the scalar draw bit for bit).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "common/rng.hpp"
#include "crossbar/normal.hpp"

using crossbar::fast_normal;
using crossbar::fast_normals;

namespace {

// Standard normal quantile by bisection on erfc (double; |error| < 1e-12).
double normal_quantile(double p) {
    double lo = -10, hi = 10;
    for (int i = 0; i < 200; ++i) {
        const double mid = 0.5 * (lo + hi);
        (0.5 * std::erfc(-mid / std::sqrt(2.0)) < p ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi);
}

}  // namespace

TEST_CASE("Box-Muller polynomials agree with double-precision Box-Muller on the same bits") {
    // Reference: u1 = (top 23 bits + 1/2) 2^-23, theta = 2 pi (low 32 bits) 2^-32,
    // r = sqrt(-2 ln u1), (r cos theta, r sin theta) in double with libm. The float path
    // rounds the reduced angle (|x| <= pi/4, relative 2^-24 twice) and each polynomial to a
    // few ulps: the error stays below 5e-7 (r + 1) (measured 1.3e-7, printed below).
    const spikebar::counter_rng bits{77, 1};
    double worst = 0;
    for (std::uint64_t i = 0; i < (1u << 20); ++i) {
        std::uint64_t b = bits.bits(i);
        if (i < 64) b = (b & 0xffffffffULL) | (i << 41);  // the smallest u1: the far tail
        float zc, zs;
        crossbar::detail::box_muller(b, &zc, &zs);
        const double u1 = (double(b >> 41) + 0.5) * 0x1p-23;
        const double theta = 6.283185307179586 * double(std::uint32_t(b)) * 0x1p-32;
        const double r = std::sqrt(-2 * std::log(u1));
        const double ec = std::abs(zc - r * std::cos(theta)) / (r + 1);
        const double es = std::abs(zs - r * std::sin(theta)) / (r + 1);
        worst = std::max({worst, ec, es});
    }
    std::printf("box_muller: largest |z - z_double| / (r + 1) = %.3g\n", worst);
    CHECK(worst < 5e-7);
}

TEST_CASE("fast normal draws match the standard normal within sampling error") {
    // 2^21 draws from 2048 keyed blocks of 1024 (the vector kernel, as a read uses it).
    // Standard errors: mean 6.9e-4, variance sqrt(2/n) = 9.8e-4, third moment
    // sqrt(15/n) = 2.7e-3, fourth sqrt(96/n) = 6.8e-3; allow 5. Bins: 20 equiprobable
    // bins of N(0, 1), chi^2 with 19 degrees of freedom, P(chi^2 > 55) = 2.3e-5. Tails
    // P(|z| > 1, 2, 3, 4) = 0.3173105, 0.0455003, 0.0026998, 6.334e-5 within 5 binomial
    // standard deviations; |z| never exceeds the u1 grid's bound sqrt(48 ln 2) = 5.7681.
    const int blocks = 2048, per = 1024;
    const double n = double(blocks) * per;
    std::vector<double> edges;
    for (int k = 1; k < 20; ++k) edges.push_back(normal_quantile(k / 20.0));
    std::vector<float> z(per);
    double s1 = 0, s2 = 0, s3 = 0, s4 = 0, zmax = 0;
    double pair_prod = 0, pair_sq = 0, lag_prod = 0;
    long bins[20] = {}, beyond[4] = {};
    for (int blk = 0; blk < blocks; ++blk) {
        fast_normals(spikebar::counter_rng{2024, std::uint64_t(blk)}, 0, per, z.data());
        for (int i = 0; i < per; ++i) {
            const double v = z[i];
            s1 += v;
            s2 += v * v;
            s3 += v * v * v;
            s4 += v * v * v * v;
            zmax = std::max(zmax, std::abs(v));
            bins[std::upper_bound(edges.begin(), edges.end(), v) - edges.begin()]++;
            for (int t = 0; t < 4; ++t) beyond[t] += std::abs(v) > t + 1;
        }
        for (int i = 0; i + 3 < per; i += 2) {
            pair_prod += double(z[i]) * z[i + 1];
            pair_sq += double(z[i]) * z[i] * z[i + 1] * z[i + 1];
            lag_prod += double(z[i]) * z[i + 2];
        }
    }
    CHECK(std::abs(s1 / n) < 5 * 6.9e-4);
    CHECK(std::abs(s2 / n - 1) < 5 * 9.8e-4);
    CHECK(std::abs(s3 / n) < 5 * 2.7e-3);
    CHECK(std::abs(s4 / n - 3) < 5 * 6.8e-3);
    double chi2 = 0;
    for (long b : bins) chi2 += (b - n / 20) * (b - n / 20) / (n / 20);
    CAPTURE(chi2);
    CHECK(chi2 < 55);
    const double tail[4] = {0.31731050786, 0.04550026390, 0.00269979606, 6.3342483666e-5};
    for (int t = 0; t < 4; ++t) {
        CAPTURE(t);
        CHECK(std::abs(beyond[t] - n * tail[t]) < 5 * std::sqrt(n * tail[t] * (1 - tail[t])));
    }
    CHECK(zmax <= 5.7682);
    CHECK(zmax > 4.5);  // the tail is reached: P(max of 2^21 draws < 4.5) = 6e-7
    // The two draws of a pair (cos and sin of one angle, one radius) are independent:
    // E[z1 z2] = 0 (standard error 1/sqrt(m)), E[z1^2 z2^2] = 1 (sqrt(8/m)), m = n/2 pairs;
    // neighbouring pairs too: E[z_2p z_2p+2] = 0.
    const double m = double(blocks) * (per / 2 - 1);
    CHECK(std::abs(pair_prod / m) < 5 / std::sqrt(m));
    CHECK(std::abs(pair_sq / m - 1) < 5 * std::sqrt(8 / m));
    CHECK(std::abs(lag_prod / m) < 5 / std::sqrt(m));
}

TEST_CASE("a fast normal draw is a pure function of key and counter") {
    const spikebar::counter_rng a{1, 2, 3}, b{1, 2, 3}, c{1, 2, 4};
    int differ = 0;
    for (int i = 999; i >= 0; --i) {
        CHECK(fast_normal(a, i) == fast_normal(b, i));
        differ += fast_normal(a, i) != fast_normal(c, i);
    }
    CHECK(differ == 1000);
    // Draws 2p and 2p+1 are the cosine and sine members of pair p's word.
    for (std::uint64_t p = 0; p < 100; ++p) {
        float zc, zs;
        crossbar::detail::box_muller(a.bits(p), &zc, &zs);
        CHECK(fast_normal(a, 2 * p) == zc);
        CHECK(fast_normal(a, 2 * p + 1) == zs);
    }
}

TEST_CASE("the vector normal kernel equals the scalar draw bit for bit") {
    // Every length up to a full block and beyond (odd lengths end on a cosine member),
    // at several starting pairs.
    std::vector<float> z(1024);
    for (std::uint64_t k = 0; k < 20; ++k) {
        const spikebar::counter_rng r{k, 99};
        for (std::uint64_t pair0 : {std::uint64_t(0), std::uint64_t(17), std::uint64_t(1) << 40})
            for (int n : {1, 2, 7, 16, 31, 33, 64, 65, 257, 1024}) {
                fast_normals(r, pair0, n, z.data());
                for (int i = 0; i < n; ++i) REQUIRE(z[i] == fast_normal(r, 2 * pair0 + i));
            }
    }
}
