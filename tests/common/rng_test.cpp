// Checks the counter-based RNG against the statistics of the distributions it claims
// (sample moments within a few standard errors) and against its own determinism contract.
#include <doctest/doctest.h>

#include <cmath>
#include <set>

#include "common/rng.hpp"

using spikebar::counter_rng;
using spikebar::counter_stream;

TEST_CASE("a draw depends only on key and counter, not on call order") {
    const counter_rng a{1, 2, 3};
    const counter_rng b{1, 2, 3};
    for (std::uint64_t i = 1000; i-- > 0;) CHECK(a.bits(i) == b.bits(i));
    counter_stream s{1, 2, 3};
    for (std::uint64_t i = 0; i < 1000; ++i) CHECK(s.bits() == a.bits(i));
}

TEST_CASE("changing any key word or swapping words changes the stream") {
    const std::uint64_t base = counter_rng{7, 0, 0, 1}.bits(0);
    std::set<std::uint64_t> seen{base};
    seen.insert(counter_rng{8, 0, 0, 1}.bits(0));
    seen.insert(counter_rng{7, 1, 0, 1}.bits(0));
    seen.insert(counter_rng{7, 0, 1, 1}.bits(0));
    seen.insert(counter_rng{7, 0, 0, 2}.bits(0));
    seen.insert(counter_rng{0, 7, 0, 1}.bits(0));
    seen.insert(counter_rng{7, 0, 0}.bits(0));
    CHECK(seen.size() == 7);
}

TEST_CASE("hash_extend continues a hash_key fold word for word") {
    // Reference: hash_key over the whole tuple.
    using spikebar::hash_extend;
    using spikebar::hash_key;
    CHECK(hash_extend(hash_key({1, 2, 3}), {4, 5, 6, 7}) == hash_key({1, 2, 3, 4, 5, 6, 7}));
    CHECK(hash_extend(hash_extend(hash_key({9}), {8}), {7, 6}) == hash_key({9, 8, 7, 6}));
    CHECK(hash_extend(hash_key({1, 2}), {}) == hash_key({1, 2}));
    CHECK(hash_extend(hash_key({1, 2}), {3, 4}) != hash_extend(hash_key({1, 2}), {4, 3}));
}

TEST_CASE("uniform and normal draws match their moments within sampling error") {
    const counter_rng r{42};
    const int n = 400000;
    double su = 0, su2 = 0, sn = 0, sn2 = 0, sn4 = 0;
    for (int i = 0; i < n; ++i) {
        const double u = r.uniform(i);
        REQUIRE(u >= 0.0);
        REQUIRE(u < 1.0);
        su += u;
        su2 += u * u;
        const double z = r.normal(i);
        sn += z;
        sn2 += z * z;
        sn4 += z * z * z * z;
    }
    // Standard errors: uniform mean sqrt(1/12/n) ~ 4.6e-4; normal mean 1/sqrt(n) ~ 1.6e-3,
    // normal variance sqrt(2/n) ~ 2.2e-3, fourth moment sqrt(96/n) ~ 1.5e-2. Allow 5 sigma.
    CHECK(std::abs(su / n - 0.5) < 5 * 4.6e-4);
    CHECK(std::abs(su2 / n - 1.0 / 3.0) < 5 * 4.3e-4);
    CHECK(std::abs(sn / n) < 5 * 1.6e-3);
    CHECK(std::abs(sn2 / n - 1.0) < 5 * 2.2e-3);
    CHECK(std::abs(sn4 / n - 3.0) < 5 * 1.5e-2);
}

TEST_CASE("below(n) covers [0, n) evenly") {
    counter_stream s{9};
    int counts[10] = {};
    const int n = 100000;
    for (int i = 0; i < n; ++i) {
        const auto k = s.below(10);
        REQUIRE(k < 10);
        ++counts[k];
    }
    // Binomial(n, 0.1): sd = sqrt(n * 0.09) ~ 95; allow 5 sd.
    for (int c : counts) CHECK(std::abs(c - n / 10) < 5 * 95);
}
