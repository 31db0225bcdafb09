// Checks the ADC and DAC (crossbar/converter.hpp) against their documented transfer
// functions: step, rounding (half up), saturation codes, and DAC levels.
#include <doctest/doctest.h>

#include <cmath>

#include "crossbar/converter.hpp"

// |a - b| <= rel * |b|. (doctest::Approx adds an absolute tolerance of epsilon * 1.0,
// which makes it vacuous for conductances and currents; we never use it.)
inline bool rel_close(double a, double b, double rel) { return std::abs(a - b) <= rel * std::abs(b); }

using namespace crossbar;

TEST_CASE("ADC rounds to the nearest code, ties up, and saturates at -2^(b-1) and 2^(b-1)-1") {
    const adc_converter a(4, 8e-6);  // step 1 uA, codes -8..7
    CHECK(a.step_a == 1e-6f);
    CHECK(a.convert(0.0f) == 0.0f);
    CHECK(a.convert(2.4e-6f) == 2 * a.step_a);
    CHECK(a.convert(2.6e-6f) == 3 * a.step_a);
    CHECK(a.convert(-2.6e-6f) == -3 * a.step_a);
    CHECK(a.convert(1.5f * a.step_a) == 2 * a.step_a);    // tie up
    CHECK(a.convert(-1.5f * a.step_a) == -1 * a.step_a);  // tie up (towards +inf)
    CHECK(a.convert(7.4e-6f) == 7 * a.step_a);
    CHECK(a.convert(7.6e-6f) == 7 * a.step_a);    // top code
    CHECK(a.convert(1.0f) == 7 * a.step_a);       // saturates
    CHECK(a.convert(-8.4e-6f) == -8 * a.step_a);
    CHECK(a.convert(-1.0f) == -8 * a.step_a);
    CHECK(rel_close(a.full_scale_a(), 8e-6, 1e-7));
}

TEST_CASE("an ideal ADC passes currents through") {
    const adc_converter a(0, 1e-6);
    CHECK(a.convert(3.14159e-3f) == 3.14159e-3f);
    CHECK(a.convert(-1e9f) == -1e9f);
}

TEST_CASE("DAC levels are k / (2^b - 1), clamped to [0, x_max]") {
    CHECK(dac_level(0.5f, 1.0f, 0) == 0.5f);
    CHECK(dac_level(2.0f, 1.0f, 0) == 1.0f);
    CHECK(dac_level(-0.3f, 1.0f, 4) == 0.0f);
    CHECK(dac_level(0.5f, 1.0f, 2) == 2.0f / 3.0f);   // 1.5 rounds up to level 2 of 3
    CHECK(dac_level(0.49f, 1.0f, 2) == 1.0f / 3.0f);  // 1.47 -> level 1
    CHECK(dac_level(1.0f, 2.0f, 1) == 1.0f);          // 1 bit: {0, 1}, tie up
    CHECK(dac_level(0.9f, 2.0f, 1) == 0.0f);
    for (int k = 0; k <= 255; ++k) CHECK(dac_level(k / 255.0f, 1.0f, 8) == k / 255.0f);
}
