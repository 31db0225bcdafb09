// Checks weight mapping and programming (crossbar/device.hpp): quantization onto exactly
// the 2^n levels, the clip percentile, variation and stuck-at statistics against their
// parameters within sampling error, drift against its power law, and keyed determinism.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <vector>

#include "crossbar/device.hpp"

// |a - b| <= rel * |b|. (doctest::Approx adds an absolute tolerance of epsilon * 1.0,
// which makes it vacuous for conductances and currents; we never use it.)
inline bool rel_close(double a, double b, double rel) { return std::abs(a - b) <= rel * std::abs(b); }

using namespace crossbar;

TEST_CASE("quantization puts every target on one of exactly 2^n levels") {
    device_params d;
    d.level_bits = 3;  // 8 levels
    std::set<double> levels;
    for (int k = 0; k < 8; ++k) levels.insert(conductance_level(k, d));
    REQUIRE(levels.size() == 8);
    CHECK(conductance_level(0, d) == d.g_off_s);
    CHECK(rel_close(conductance_level(7, d), d.g_on_s, 1e-15));
    std::set<double> used;
    for (int t = -100; t <= 1100; ++t) {
        const double g = d.g_off_s + (d.g_on_s - d.g_off_s) * t / 1000.0;
        const double q = quantize_conductance(g, d);
        REQUIRE(levels.count(q) == 1);
        used.insert(q);
        if (t >= 0 && t <= 1000) CHECK(std::abs(q - g) <= 0.5 * (d.g_on_s - d.g_off_s) / 7 * (1 + 1e-12));
    }
    CHECK(used == levels);  // the ramp, clamped at both ends, reaches every level
    // Ties round up: the midpoint between levels 2 and 3 goes to 3.
    const double mid = 0.5 * (conductance_level(2, d) + conductance_level(3, d));
    CHECK(quantize_conductance(mid, d) == conductance_level(3, d));
    d.level_bits = 0;
    CHECK(quantize_conductance(3.3e-5, d) == 3.3e-5);
}

TEST_CASE("differential mapping gives 2^(n+1) - 1 signed weight values") {
    device_params d;
    d.level_bits = 2;  // levels 0..3: signed weights -3..3 in steps of w_max / 3
    const weight_mapper m{0.6, d, mapping_scheme::differential};
    std::set<long> seen;
    for (int t = -50; t <= 50; ++t) {
        const double w = 0.8 * t / 50;  // beyond w_max on both sides: clipped
        double gp, gn;
        m.targets(w, &gp, &gn);
        CHECK((gp == d.g_off_s || gn == d.g_off_s));
        const double w_eff = m.weight_per_siemens() * (gp - gn);
        const double steps = w_eff / (0.6 / 3);
        CHECK(std::abs(steps - std::round(steps)) < 1e-9);
        CHECK(std::abs(w_eff - std::clamp(w, -0.6, 0.6)) <= 0.1 + 1e-12);  // half a step
        seen.insert(std::lround(steps));
    }
    CHECK(seen == std::set<long>{-3, -2, -1, 0, 1, 2, 3});
}

TEST_CASE("offset mapping maps zero onto the reference and is linear without levels") {
    device_params d;
    const weight_mapper m{2.0, d, mapping_scheme::offset};
    for (double w : {-2.0, -0.7, 0.0, 0.3, 2.0}) {
        double g, gref;
        m.targets(w, &g, &gref);
        CHECK(gref == m.reference_s());
        CHECK(rel_close(m.weight_per_siemens() * (g - gref), w, 1e-12));
    }
}

TEST_CASE("clip magnitude is the nearest-rank percentile of |w|") {
    std::vector<float> w;
    for (int i = 1; i <= 200; ++i) w.push_back(i % 2 ? float(i) : -float(i));
    CHECK(clip_magnitude(w.data(), w.size(), 100) == 200.0);
    CHECK(clip_magnitude(w.data(), w.size(), 99) == 198.0);
    CHECK(clip_magnitude(w.data(), w.size(), 50) == 100.0);
    CHECK(clip_magnitude(w.data(), w.size(), 0.1) == 1.0);
    CHECK(clip_magnitude(w.data(), 0, 50) == 0.0);
}

namespace {
struct moments {
    double mean = 0, sd = 0;
};
template <class F>
moments sample(int n, F f) {
    double s1 = 0, s2 = 0;
    for (int k = 0; k < n; ++k) {
        const double x = f(k);
        s1 += x;
        s2 += x * x;
    }
    moments m;
    m.mean = s1 / n;
    m.sd = std::sqrt(s2 / n - m.mean * m.mean);
    return m;
}
}  // namespace

TEST_CASE("device-to-device variation has the configured relative sigma") {
    // 256 x 256 devices. Standard errors: mean sigma / sqrt(n), sd sigma / sqrt(2n); 5 sigma.
    const int rows = 256, cols = 256, n = rows * cols;
    const double sigma = 0.1;
    device_params d;
    d.d2d_sigma = sigma;
    const double g0 = 50e-6;
    const auto key = [&](int k) { return device_key{9, 1, 2, 3, k / cols, k % cols}; };
    SUBCASE("gaussian: G / G0 - 1 ~ N(0, sigma^2)") {
        d.d2d_kind = variation_kind::gaussian;
        const moments m = sample(n, [&](int k) { return program_device(g0, d, key(k)) / g0 - 1; });
        CHECK(std::abs(m.mean) < 5 * sigma / std::sqrt(n));
        CHECK(std::abs(m.sd - sigma) < 5 * sigma / std::sqrt(2.0 * n));
    }
    SUBCASE("lognormal: ln(G / G0) ~ N(0, sigma^2)") {
        d.d2d_kind = variation_kind::lognormal;
        const moments m =
            sample(n, [&](int k) { return std::log(program_device(g0, d, key(k)) / g0); });
        CHECK(std::abs(m.mean) < 5 * sigma / std::sqrt(n));
        CHECK(std::abs(m.sd - sigma) < 5 * sigma / std::sqrt(2.0 * n));
    }
}

TEST_CASE("stuck-at fractions are honoured and stuck devices ignore variation") {
    const int n = 200000;
    device_params d;
    d.stuck_on_fraction = 0.03;
    d.stuck_off_fraction = 0.07;
    d.d2d_sigma = 0.2;
    int on = 0, off = 0;
    for (int k = 0; k < n; ++k) {
        const double g = program_device(40e-6, d, device_key{5, 0, 1, 7, k / 300, k % 300});
        on += g == d.g_on_s;
        off += g == d.g_off_s;
    }
    // Binomial: 5 standard deviations sqrt(n p (1-p)). A varied device hits G_on or G_off
    // exactly with probability 0.
    CHECK(std::abs(on - n * 0.03) < 5 * std::sqrt(n * 0.03 * 0.97));
    CHECK(std::abs(off - n * 0.07) < 5 * std::sqrt(n * 0.07 * 0.93));
}

TEST_CASE("drift follows G0 (t / t0)^-nu") {
    device_params d;
    d.drift_nu = 0.05;
    d.drift_t0_s = 2;
    d.drift_t_s = 2000;
    const double g = program_device(30e-6, d, device_key{1, 2, 3, 4, 5, 6});
    CHECK(rel_close(g, 30e-6 * std::pow(1000.0, -0.05), 1e-14));
}

TEST_CASE("programming draws depend on the device key only") {
    device_params d;
    d.d2d_sigma = 0.1;
    d.stuck_on_fraction = 0.1;
    const device_key k{3, 1, 4, 1, 5, 9};
    const double g1 = program_device(20e-6, d, k);
    CHECK(program_device(20e-6, d, device_key{3, 1, 4, 1, 5, 9}) == g1);
    std::set<double> others;
    for (int which = 0; which < 6; ++which) {
        device_key o = k;
        std::uint64_t* u[] = {&o.seed, &o.chip, &o.layer, &o.tile};
        if (which < 4)
            *u[which] += 1;
        else if (which == 4)
            o.row += 1;
        else
            o.col += 1;
        others.insert(program_device(20e-6, d, o));
    }
    CHECK(others.count(g1) == 0);
}
