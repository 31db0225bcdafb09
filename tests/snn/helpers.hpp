// Test helpers for snn: seeded random tensors and layer shapes built through the real
// parser, and the rounding bounds the tolerances are derived from. Every random case
// prints its seed through doctest's INFO, so a failure says what to rerun; set
// SPIKEBAR_TEST_SEED to rerun the suite with another base seed.
#pragma once
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/rng.hpp"
#include "snn/architecture.hpp"

namespace snn_test {

inline std::uint64_t base_seed() {
    const char* s = std::getenv("SPIKEBAR_TEST_SEED");
    return s ? std::strtoull(s, nullptr, 10) : 20240611u;
}

// Unit roundoff of float and double.
constexpr double u_float = 0x1p-24;
constexpr double u_double = 0x1p-53;

// Higham's gamma_n = n u / (1 - n u): |fl(sum of n products) - exact| <= gamma_n * sum |terms|
// for any summation order, with or without fused multiply-adds.
inline double gamma_n(int n, double u) {
    return n * u / (1 - n * u);
}

// Values uniform in [lo, hi), a fraction `zeros` of them exactly zero.
template <class F>
std::vector<F> random_values(spikebar::counter_stream& s, std::size_t n, double lo, double hi,
                             double zeros = 0.0) {
    std::vector<F> v(n);
    for (auto& x : v) x = s.uniform() < zeros ? F(0) : static_cast<F>(lo + (hi - lo) * s.uniform());
    return v;
}

// 0/1 spikes with the given density.
template <class F>
std::vector<F> random_spikes(spikebar::counter_stream& s, std::size_t n, double density) {
    std::vector<F> v(n);
    for (auto& x : v) x = s.uniform() < density ? F(1) : F(0);
    return v;
}

// The first layer of a parsed "<token>, flatten, linear:1" network: shapes come from
// the real parser, so tests cannot drift from its arithmetic.
inline snn::layer_spec first_layer(const std::string& token, snn::shape3 in) {
    return snn::parse_architecture(token + ", flatten, linear:1", in).layers[0];
}

inline std::string describe(const snn::layer_spec& l) {
    return std::string(snn::layer_kind_name(l.kind)) + " in (" + std::to_string(l.in.c) + "," +
           std::to_string(l.in.h) + "," + std::to_string(l.in.w) + ") out (" +
           std::to_string(l.out.c) + "," + std::to_string(l.out.h) + "," + std::to_string(l.out.w) +
           ") k " + std::to_string(l.kernel) + " s " + std::to_string(l.stride) + " p " +
           std::to_string(l.pad);
}

}  // namespace snn_test
