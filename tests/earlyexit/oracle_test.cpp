// The oracle: per-sample exit steps on hand-built correctness patterns; the frontier against
// brute-force enumeration of every exit assignment (the reference) on tiny runs; and the
// frontier as a lower bound under every policy and threshold on random runs.
#include "earlyexit/oracle.hpp"

#include <doctest/doctest.h>

#include <vector>

#include "earlyexit/confidence.hpp"
#include "earlyexit/entropy.hpp"
#include "earlyexit/fixed.hpp"
#include "earlyexit/margin.hpp"
#include "earlyexit/patience.hpp"
#include "helpers.hpp"

using namespace earlyexit;

namespace {
// K = 2, label 0: O_t = [d_t, 0], so the sample is right at t iff sum_{i<=t} d_i > 0.
earlyexit_test::owned_run from_increments(const std::vector<std::vector<float>>& d) {
    earlyexit_test::owned_run r;
    r.n = static_cast<int>(d.size());
    r.t_max = static_cast<int>(d[0].size());
    r.k = 2;
    for (const auto& row : d)
        for (float x : row) {
            r.outputs.push_back(x);
            r.outputs.push_back(0.f);
        }
    r.labels.assign(r.n, 0);
    return r;
}
}  // namespace

TEST_CASE("oracle exits where the prediction turns right for good, else at t = 1") {
    //                     S_t signs        right at t   oracle exit
    const auto run = from_increments({{1, 1, 1, 1},   // + + + +   1 1 1 1      1
                                      {-1, 2, 1, 1},  // - + + +   0 1 1 1      2
                                      {1, -2, 2, 1},  // + - + +   1 0 1 1      3
                                      {1, 1, 1, -9},  // + + + -   1 1 1 0      1 (wrong at T_max)
                                      {-1, -1, -1, -1},   // - - - -   0 0 0 0      1
                                      {-1, -1, -1, 4}});  // - - - +   0 0 0 1      4
    CHECK(oracle_exit_steps(run.view()) == std::vector<std::int32_t>{1, 2, 3, 1, 1, 4});
    const replay_result r = replay_oracle(run.view());
    CHECK(r.exit_t == std::vector<int>{1, 2, 3, 1, 1, 4});
    CHECK(r.correct == std::vector<std::uint8_t>{1, 1, 1, 1, 0, 1});  // sample 3 right at t = 1
    const auto c = correctness_table(run.view());
    CHECK(std::vector<std::uint8_t>(c.begin() + 8, c.begin() + 12) ==
          std::vector<std::uint8_t>{1, 0, 1, 1});
}

TEST_CASE("oracle frontier equals brute force over every exit assignment") {
    // Reference: enumerate all t_max^n assignments, keep the minimal total steps and energy
    // for each number of right samples. Integer steps compare exactly; energies within 1e-9.
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        INFO("random_run seed " << seed);
        const auto run = earlyexit_test::random_run(seed, 5, 3, 3);
        const auto c = correctness_table(run.view());
        const int n = 5, tm = 3;
        std::vector<long long> best_t(n + 1, 1LL << 40);
        std::vector<double> best_e(n + 1, 1e300);
        int total = 1;
        for (int i = 0; i < n; ++i) total *= tm;
        for (int code = 0; code < total; ++code) {
            int m = 0, x = code;
            long long steps = 0;
            double e = 0;
            for (int i = 0; i < n; ++i, x /= tm) {
                const int t = x % tm + 1;
                steps += t;
                e += run.energy_cum[i * tm + t - 1];
                m += c[i * tm + t - 1];
            }
            best_t[m] = std::min(best_t[m], steps);
            best_e[m] = std::min(best_e[m], e);
        }
        // Reaching m right may be cheapest by getting more right; the bound is the suffix min.
        for (int m = n - 1; m >= 0; --m) {
            best_t[m] = std::min(best_t[m], best_t[m + 1]);
            best_e[m] = std::min(best_e[m], best_e[m + 1]);
        }
        const auto f = oracle_frontier(run.view());
        for (const frontier_point& p : f) {
            CHECK(p.total_t == best_t[p.correct]);
            CHECK(p.total_energy == doctest::Approx(best_e[p.correct]).epsilon(1e-9));
        }
        if (f.size() <= static_cast<std::size_t>(n))  // no assignment gets more right than M
            CHECK(best_t[f.size()] == (1LL << 40));
    }
}

TEST_CASE("no policy at any threshold beats the oracle frontier; the oracle beats fixed T_max") {
    const std::uint64_t seed = 31;
    INFO("random_run seed " << seed);
    const auto run = earlyexit_test::random_run(seed, 400, 8, 10);
    const auto f = oracle_frontier(run.view());
    std::vector<std::unique_ptr<policy>> policies;
    for (double a : {0.3, 0.5, 0.7, 0.9, 0.99})
        policies.push_back(std::make_unique<confidence_policy>(a, 1.0));
    for (double h : {0.2, 0.5, 0.8}) policies.push_back(std::make_unique<entropy_policy>(h, 1.0));
    for (double d : {0.1, 0.4, 0.8}) policies.push_back(std::make_unique<margin_policy>(d, 1.0));
    for (int k : {1, 2, 4}) policies.push_back(std::make_unique<patience_policy>(k));
    for (int t = 1; t <= 8; ++t) policies.push_back(std::make_unique<fixed_policy>(t));
    int compared = 0;
    for (const auto& p : policies) {
        const replay_result r = replay(*p, run.view());
        long long m = 0, steps = 0;
        double e = 0;
        for (int i = 0; i < run.n; ++i) {
            m += r.correct[i];
            steps += r.exit_t[i];
            e += r.energy[i];
        }
        REQUIRE(m < static_cast<long long>(f.size()));
        CHECK(steps >= f[m].total_t);
        CHECK(e >= f[m].total_energy * (1 - 1e-12));
        ++compared;
    }
    CHECK(compared == 22);
    const replay_summary oracle = summarize(replay_oracle(run.view()));
    const replay_summary full = summarize(replay(fixed_policy(8), run.view()));
    CHECK(oracle.accuracy >= full.accuracy);
    CHECK(oracle.mean_t < full.mean_t);
    // The frontier at the oracle's accuracy is at least as cheap as the oracle itself.
    CHECK(f[static_cast<std::size_t>(oracle.accuracy * run.n + 0.5)].total_t <=
          oracle.mean_t * run.n + 1e-9);
}
