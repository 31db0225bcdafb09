// Each policy on hand-built logit sequences whose exit steps follow from the closed forms in
// the headers (values of sigmoid/tanh worked out in the comments, each at least 0.01 away
// from its threshold so rounding cannot flip a decision), plus the scores against a direct
// two-pass softmax.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "earlyexit/confidence.hpp"
#include "earlyexit/entropy.hpp"
#include "earlyexit/fixed.hpp"
#include "earlyexit/margin.hpp"
#include "earlyexit/patience.hpp"
#include "earlyexit/preset.hpp"
#include "earlyexit/scores.hpp"
#include "helpers.hpp"

using namespace earlyexit;
using earlyexit_test::exit_step;

namespace {
// t_max steps of the same O.
std::vector<float> repeat(std::vector<float> o, int t_max) {
    std::vector<float> out;
    for (int t = 0; t < t_max; ++t) out.insert(out.end(), o.begin(), o.end());
    return out;
}
}  // namespace

TEST_CASE("fixed exits every sample at T") {
    const std::vector<float> o = repeat({5.f, 0.f}, 6);
    for (int T = 1; T <= 6; ++T) CHECK(exit_step(fixed_policy(T), o, 6, 2) == T);
}

TEST_CASE("confidence exits at the first t with sigmoid(t / tau) >= alpha") {
    // K = 2, O_t = [1, 0]: S_t = [t, 0], max softmax = sigmoid(t / tau).
    // tau = 1: t = 1..4 -> 0.731, 0.881, 0.953, 0.982.
    const std::vector<float> o = repeat({1.f, 0.f}, 8);
    CHECK(exit_step(confidence_policy(0.70, 1.0), o, 8, 2) == 1);
    CHECK(exit_step(confidence_policy(0.90, 1.0), o, 8, 2) == 3);
    CHECK(exit_step(confidence_policy(0.94, 1.0), o, 8, 2) == 3);
    CHECK(exit_step(confidence_policy(0.97, 1.0), o, 8, 2) == 4);
    // tau = 2: sigmoid(t / 2), t = 4, 5 -> 0.881, 0.924.
    CHECK(exit_step(confidence_policy(0.90, 2.0), o, 8, 2) == 5);
    // Never confident enough: runs to T_max.
    CHECK(exit_step(confidence_policy(1.0, 1.0), o, 8, 2) == 8);
}

TEST_CASE("entropy exits at the first t with binary entropy of sigmoid(t) <= threshold") {
    // K = 2, S_t = [t, 0]: H / ln 2 at t = 1..5 -> 0.840, 0.527, 0.275, 0.130, 0.058.
    const std::vector<float> o = repeat({1.f, 0.f}, 8);
    CHECK(exit_step(entropy_policy(0.3, 1.0), o, 8, 2) == 3);
    CHECK(exit_step(entropy_policy(0.1, 1.0), o, 8, 2) == 5);
    CHECK(exit_step(entropy_policy(0.9, 1.0), o, 8, 2) == 1);
    CHECK(exit_step(entropy_policy(0.0, 1.0), o, 8, 2) == 8);
}

TEST_CASE("margin uses the runner-up class, not the last") {
    // K = 3, S_t = [0, t, t/2]: top 1, runner-up 2.
    // p1 - p2 = (1 - e^{-t/2}) / (1 + e^{-t/2} + e^{-t}): t = 1..4 -> 0.199, 0.421, 0.610, 0.750.
    const std::vector<float> o = repeat({0.f, 1.f, 0.5f}, 6);
    CHECK(exit_step(margin_policy(0.6, 1.0), o, 6, 3) == 3);
    CHECK(exit_step(margin_policy(0.4, 1.0), o, 6, 3) == 2);
    CHECK(exit_step(margin_policy(0.74, 1.0), o, 6, 3) == 4);
    // K = 2, S_t = [t, 0]: margin tanh(t / 2) -> 0.462, 0.762, 0.905, 0.964.
    const std::vector<float> o2 = repeat({1.f, 0.f}, 6);
    CHECK(exit_step(margin_policy(0.9, 1.0), o2, 6, 2) == 3);
    CHECK(exit_step(margin_policy(0.95, 1.0), o2, 6, 2) == 4);
}

TEST_CASE("patience counts repeats of the argmax after its first appearance") {
    // argmax S_t for t = 1..6: 0, 1, 1, 1, 2, 2  ->  run counter 0, 0, 1, 2, 0, 1.
    const std::vector<float> o = {1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0};
    CHECK(exit_step(patience_policy(1), o, 6, 3) == 3);
    CHECK(exit_step(patience_policy(2), o, 6, 3) == 4);
    CHECK(exit_step(patience_policy(3), o, 6, 3) == 6);  // never reaches 3: T_max
    // Ties go to the lowest index: S = [1, 1, 0], [1, 1.5, 0], [1, 1.5, 0] -> argmax 0, 1, 1
    // -> counter 0, 0, 1 -> exit at t = 3 (a highest-index rule would give 1, 1 and t = 2).
    const std::vector<float> tie = {1, 1, 0, 0, 0.5f, 0, 0, 0, 0};
    CHECK(exit_step(patience_policy(1), tie, 3, 3) == 3);
    const float s[] = {2, 7, 7, 7};
    CHECK(argmax_row(s, 4) == 1);
}

TEST_CASE("normalized entropy stays in [0, 1] where rounding would push it past 1") {
    // Found by search: for this near-uniform K = 2 row, (ln Z - dot / Z) / ln 2 evaluates to
    // 1 + 2^-52 before the clamp; threshold 1 must still fire.
    const std::vector<float> o = {-0x1.d602ccp-25f, -0x1.53eadep-24f};
    const softmax_scores sc = score_row(o.data(), 2, 1.0, true);
    CHECK(normalized_entropy(sc, 2) == 1.0);
    CHECK(exit_step(entropy_policy(1.0, 1.0), repeat(o, 3), 3, 2) == 1);
    const std::vector<float> uniform(5, 0.25f);
    CHECK(normalized_entropy(score_row(uniform.data(), 5, 1.0, true), 5) == 1.0);
}

TEST_CASE("preset exits at the step written into its state") {
    const preset_policy p(policy_kind::seenn2);
    for (std::int32_t T = 1; T <= 5; ++T) {
        exit_controller ctl(p, 2, 5);
        ctl.begin(1, &T);
        const row_matrix_f o = row_matrix_f::Ones(1, 2);
        while (!ctl.done()) ctl.step(o);
        CHECK(ctl.exit_t()[0] == T);
    }
}

TEST_CASE("softmax scores equal a direct two-pass softmax within 1e-12") {
    // Reference: p = exp(x - max) / sum, H = -sum p ln p, all in double.
    const spikebar::counter_rng rng{77};
    std::uint64_t c = 0;
    for (int trial = 0; trial < 200; ++trial) {
        const int k = 2 + trial % 9;
        const double tau = 0.5 + rng.uniform(c++) * 2;
        std::vector<float> s(k);
        for (auto& v : s) v = static_cast<float>(4 * rng.normal(c++));
        const softmax_scores sc = score_row(s.data(), k, tau, true);
        std::vector<double> p(k);
        double m = -INFINITY, z = 0;
        for (float v : s) m = std::max(m, static_cast<double>(v));
        for (int j = 0; j < k; ++j) z += p[j] = std::exp((s[j] - m) / tau);
        double h = 0, p1 = 0, p2 = 0;
        for (int j = 0; j < k; ++j) {
            p[j] /= z;
            if (p[j] > 0) h -= p[j] * std::log(p[j]);
            if (p[j] > p1) {
                p2 = p1;
                p1 = p[j];
            } else if (p[j] > p2)
                p2 = p[j];
        }
        INFO("trial " << trial << " k " << k);
        CHECK(1.0 / (1.0 + sc.rest) == doctest::Approx(p1).epsilon(1e-12));
        CHECK((1.0 - sc.second) / (1.0 + sc.rest) == doctest::Approx(p1 - p2).epsilon(1e-12));
        CHECK(std::abs(normalized_entropy(sc, k) - h / std::log(k)) < 1e-12);
    }
}

TEST_CASE("thresholds that always fire exit every sample at t = 1") {
    const auto run = earlyexit_test::random_run(11, 300, 6, 10);
    INFO("random_run seed 11");
    const confidence_policy conf(0.05, 1.0);  // max softmax >= 1/K = 0.1 > 0.05
    const entropy_policy ent(1.0, 1.0);       // normalized entropy <= 1 always
    const margin_policy mar(0.0, 1.0);        // p1 - p2 >= 0 always
    const fixed_policy fix(1);
    for (const policy* p : std::vector<const policy*>{&conf, &ent, &mar, &fix}) {
        const replay_result r = replay(*p, run.view());
        for (int i = 0; i < run.n; ++i) REQUIRE(r.exit_t[i] == 1);
    }
}

TEST_CASE("alpha -> 1 approaches and at 1 equals fixed T_max") {
    const auto run = earlyexit_test::random_run(12, 300, 6, 10);
    INFO("random_run seed 12");
    const replay_result full = replay(fixed_policy(6), run.view());
    double prev = 0;
    for (double alpha : {0.5, 0.9, 0.99, 0.999, 0.9999, 1.0}) {
        const replay_summary s = summarize(replay(confidence_policy(alpha, 1.0), run.view()));
        CHECK(s.mean_t >= prev);
        prev = s.mean_t;
    }
    const replay_result one = replay(confidence_policy(1.0, 1.0), run.view());
    CHECK(one.exit_t == full.exit_t);
    CHECK(one.prediction == full.prediction);
    CHECK(one.energy == full.energy);
}
