// The exit controller (earlyexit/controller.cpp) against a slow obvious reference: each
// sample on its own, S accumulated in a plain float loop, the policy asked about that one
// row, exit at its first "yes" or at T_max, prediction the lowest argmax. The batch run
// must agree exactly, whatever the batch; step() must return its flags in the order of
// the samples it was given and keep survivors in their order.
#include "earlyexit/controller.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "common/rng.hpp"
#include "earlyexit/confidence.hpp"
#include "earlyexit/patience.hpp"
#include "earlyexit/preset.hpp"

using earlyexit::exit_controller;
using earlyexit::row_matrix_f;

namespace {

// O_t of sample i: [n x t_max x k], noisy with a per-sample signal on class i % k.
std::vector<float> outputs(std::uint64_t seed, int n, int t_max, int k) {
    const spikebar::counter_rng rng{seed, 0xc7};
    std::vector<float> o(static_cast<std::size_t>(n) * t_max * k);
    std::uint64_t c = 0;
    for (int i = 0; i < n; ++i) {
        const double signal = 2.0 * rng.uniform(c++);
        for (int t = 0; t < t_max; ++t)
            for (int j = 0; j < k; ++j)
                o[(std::size_t(i) * t_max + t) * k + j] =
                    float((j == i % k ? signal : 0.0) + rng.normal(c++));
    }
    return o;
}

struct outcome {
    int exit_t, prediction;
};

// The reference: sample i alone, with its own state row.
outcome one_sample(const earlyexit::policy& p, const std::vector<float>& o, int i, int t_max,
                   int k, const std::int32_t* init) {
    std::vector<float> s(k, 0.0f);
    earlyexit::state_matrix state(1, p.state_words());
    if (init)
        for (int w = 0; w < p.state_words(); ++w) state(0, w) = init[w];
    else if (p.state_words() > 0)
        p.init_state(state.data());
    for (int t = 1; t <= t_max; ++t) {
        for (int j = 0; j < k; ++j) s[j] = s[j] + o[(std::size_t(i) * t_max + (t - 1)) * k + j];
        const Eigen::Map<const row_matrix_f> row(s.data(), 1, k);
        earlyexit::flag_vector flag(1);
        p.decide(t, row, state, flag);
        if (flag[0] || t == t_max) {
            int best = 0;
            for (int j = 1; j < k; ++j)
                if (s[j] > s[best]) best = j;
            return {t, best};
        }
    }
    return {-1, -1};
}

// The controller over the whole batch; checks the flags and order of every step on the way.
std::vector<outcome> batched(const earlyexit::policy& p, const std::vector<float>& o, int n,
                             int t_max, int k, const std::int32_t* init) {
    exit_controller ctl(p, k, t_max);
    ctl.begin(n, init);
    while (!ctl.done()) {
        const std::vector<int> before = ctl.active();
        row_matrix_f step_o(before.size(), k);
        for (std::size_t r = 0; r < before.size(); ++r)
            for (int j = 0; j < k; ++j)
                step_o(r, j) = o[(std::size_t(before[r]) * t_max + ctl.t()) * k + j];
        const auto flags = ctl.step(step_o);
        REQUIRE(flags.size() == Eigen::Index(before.size()));
        std::vector<int> survivors;
        for (std::size_t r = 0; r < before.size(); ++r) {
            // A flag set means this sample exited at this very step.
            CHECK((ctl.exit_t()[before[r]] == ctl.t()) == (flags[r] == 1));
            if (!flags[r]) survivors.push_back(before[r]);
        }
        CHECK(ctl.active() == survivors);  // stable compaction
    }
    CHECK(ctl.t() <= t_max);
    std::vector<outcome> out(n);
    for (int i = 0; i < n; ++i) out[i] = {ctl.exit_t()[i], ctl.prediction()[i]};
    return out;
}

void check_against_reference(const earlyexit::policy& p, int n, int t_max, int k,
                             std::uint64_t seed, const std::int32_t* init = nullptr) {
    const std::vector<float> o = outputs(seed, n, t_max, k);
    const std::vector<outcome> got = batched(p, o, n, t_max, k, init);
    for (int i = 0; i < n; ++i) {
        INFO("sample " << i << ", seed " << seed);
        const outcome want = one_sample(p, o, i, t_max, k,
                                        init ? init + std::size_t(i) * p.state_words() : nullptr);
        CHECK(got[i].exit_t == want.exit_t);
        CHECK(got[i].prediction == want.prediction);
    }
}

}  // namespace

TEST_CASE("batched exits and predictions equal each sample run alone") {
    const earlyexit::confidence_policy confidence(0.8, 1.0);
    const earlyexit::patience_policy patience(2);  // memory in its state row
    for (std::uint64_t seed : {1u, 2u, 3u}) {
        check_against_reference(confidence, 37, 8, 10, seed);
        check_against_reference(patience, 37, 8, 10, seed);
    }
    // K = 1: the only class is always the prediction.
    check_against_reference(confidence, 5, 3, 1, 4);
}

TEST_CASE("initial state rows from the caller: every sample exits at its preset step") {
    const earlyexit::preset_policy preset(earlyexit::policy_kind::seenn2);
    const int n = 9, t_max = 5;
    std::vector<std::int32_t> init(n);
    for (int i = 0; i < n; ++i) init[i] = i % (t_max + 1);  // 0 means "run to T_max"
    check_against_reference(preset, n, t_max, 4, 7, init.data());
    const std::vector<float> o = outputs(7, n, t_max, 4);
    const std::vector<outcome> got = batched(preset, o, n, t_max, 4, init.data());
    for (int i = 0; i < n; ++i) CHECK(got[i].exit_t == (init[i] == 0 ? t_max : init[i]));
}

TEST_CASE("a second begin() starts over; misuse throws") {
    const earlyexit::confidence_policy never(1.0, 1.0);  // exits only at T_max
    exit_controller ctl(never, 3, 2);
    ctl.begin(2);
    row_matrix_f o = row_matrix_f::Ones(2, 3);
    ctl.step(o);
    CHECK(ctl.n_active() == 2);
    CHECK_THROWS_AS(ctl.step(row_matrix_f::Ones(1, 3)), std::invalid_argument);  // wrong rows
    ctl.step(o);
    CHECK(ctl.done());
    CHECK_THROWS_AS(ctl.step(row_matrix_f::Ones(0, 3)), std::logic_error);  // past t_max
    ctl.begin(4);
    CHECK(ctl.t() == 0);
    CHECK(ctl.n_active() == 4);
    CHECK(ctl.exit_t() == std::vector<int>(4, 0));
    CHECK(ctl.prediction() == std::vector<int>(4, -1));
    CHECK_THROWS_AS(exit_controller(never, 0, 2), std::invalid_argument);
    CHECK_THROWS_AS(exit_controller(never, 3, 0), std::invalid_argument);
}
