// Offline replay against (a) an online engine that computes O_t on a compacted active set in
// shuffled batches, as the SNN engine will: exits, predictions and energies must be equal bit
// for bit; (b) a hand-checked Pareto table.
#include "earlyexit/replay.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>
#include <vector>

#include "common/errors.hpp"
#include "earlyexit/confidence.hpp"
#include "earlyexit/controller.hpp"
#include "earlyexit/entropy.hpp"
#include "earlyexit/fixed.hpp"
#include "earlyexit/margin.hpp"
#include "earlyexit/patience.hpp"
#include "earlyexit/preset.hpp"
#include "helpers.hpp"

using namespace earlyexit;

namespace {

// A toy recurrent "network" with per-sample state, standing in for the SNN engine:
//   v_t = 0.5 v_{t-1} + x_i + noise(i, t),  O_t = 0.8 v_t  (float32),  e_t = 1 + 0.01 sum |O_t|.
// It computes only the active rows and compacts its state with the controller's flags.
struct toy_engine {
    int n, t_max, k;
    std::uint64_t seed;

    float input(int i, int j) const {
        return static_cast<float>(spikebar::counter_rng{seed, 1, std::uint64_t(i)}.normal(j));
    }
    float noise(int i, int t, int j) const {
        return static_cast<float>(
            spikebar::counter_rng{seed, 2, std::uint64_t(i), std::uint64_t(t)}.normal(j));
    }

    // Runs `order` in batches of `batch`; returns exits, predictions and energies by sample id.
    // Optionally logs O_t [n x t_max x k] and per-step energy [n x t_max].
    replay_result run(const policy& p, const std::vector<int>& order, int batch,
                      const std::vector<std::int32_t>* init = nullptr,
                      std::vector<float>* log_o = nullptr,
                      std::vector<double>* log_e = nullptr) const {
        replay_result res;
        res.exit_t.assign(n, 0);
        res.prediction.assign(n, -1);
        res.correct.assign(n, 0);
        res.energy.assign(n, 0);
        exit_controller ctl(p, k, t_max);
        const int words = p.state_words();
        for (int first = 0; first < n; first += batch) {
            const int m = std::min(batch, n - first);
            std::vector<int> ids(order.begin() + first, order.begin() + first + m);
            std::vector<std::int32_t> st;
            if (init)
                for (int id : ids)
                    for (int w = 0; w < words; ++w) st.push_back((*init)[id * words + w]);
            ctl.begin(m, init ? st.data() : nullptr);
            std::vector<float> v(static_cast<std::size_t>(m) * k, 0.f);
            std::vector<double> e(m, 0.0);
            row_matrix_f o(m, k);
            while (!ctl.done()) {
                const int t = ctl.t() + 1, na = ctl.n_active();
                for (int r = 0; r < na; ++r) {
                    const int id = ids[ctl.active()[r]];
                    double step_e = 1.0;
                    for (int j = 0; j < k; ++j) {
                        float& vr = v[r * k + j];
                        vr = 0.5f * vr + input(id, j) + noise(id, t, j);
                        o(r, j) = 0.8f * vr;
                        step_e += 0.01 * std::abs(o(r, j));
                        if (log_o) (*log_o)[(std::size_t(id) * t_max + t - 1) * k + j] = o(r, j);
                    }
                    e[r] = e[r] + step_e;
                    if (log_e) (*log_e)[std::size_t(id) * t_max + t - 1] = step_e;
                }
                const std::vector<int> before = ctl.active();
                const auto flags = ctl.step(o.topRows(na));
                for (int r = 0; r < na; ++r)
                    if (flags[r]) res.energy[ids[before[r]]] = e[r];
                compact_rows(v.data(), na, k, flags.data());
                compact_rows(e.data(), na, 1, flags.data());
            }
            for (int j = 0; j < m; ++j) {
                res.exit_t[ids[j]] = ctl.exit_t()[j];
                res.prediction[ids[j]] = ctl.prediction()[j];
            }
        }
        return res;
    }
};

}  // namespace

TEST_CASE("online stepping on a compacted, shuffled active set equals replay bit for bit") {
    const std::uint64_t seed = 2024;
    INFO("toy_engine seed " << seed);
    const int n = 257, t_max = 8, k = 10;
    const toy_engine eng{n, t_max, k, seed};
    std::vector<int> identity(n);
    std::iota(identity.begin(), identity.end(), 0);

    // The log: a full-T run, then cumulative energy by the contract.
    earlyexit_test::owned_run log;
    log.n = n;
    log.t_max = t_max;
    log.k = k;
    log.outputs.resize(std::size_t(n) * t_max * k);
    log.energy_cum.resize(std::size_t(n) * t_max);
    std::vector<double> per_step(std::size_t(n) * t_max);
    const replay_result full =
        eng.run(fixed_policy(t_max), identity, n, nullptr, &log.outputs, &per_step);
    for (int i = 0; i < n; ++i)
        cumulate_energy(per_step.data() + std::size_t(i) * t_max, t_max,
                        log.energy_cum.data() + std::size_t(i) * t_max);
    log.labels.resize(n);
    for (int i = 0; i < n; ++i) log.labels[i] = (full.prediction[i] + i % 3) % k;

    std::vector<int> shuffled = identity;
    for (int i = n - 1; i > 0; --i)
        std::swap(shuffled[i], shuffled[spikebar::counter_rng{seed, 3}.bits(i) % (i + 1)]);

    std::vector<std::int32_t> chosen(n);
    for (int i = 0; i < n; ++i)
        chosen[i] = 1 + static_cast<int>(spikebar::counter_rng{seed, 4}.bits(i) % t_max);

    const confidence_policy conf(0.9, 1.3);
    const entropy_policy ent(0.2, 1.0);
    const margin_policy mar(0.5, 0.7);
    const patience_policy pat(2);
    const fixed_policy fix(3);
    const preset_policy pre(policy_kind::seenn2);
    struct named {
        const policy* p;
        const char* name;
    };
    for (named np : {named{&conf, "confidence"}, named{&ent, "entropy"}, named{&mar, "margin"},
                     named{&pat, "patience"}, named{&fix, "fixed"}, named{&pre, "preset"}}) {
        const std::vector<std::int32_t>* init = np.p == &pre ? &chosen : nullptr;
        const replay_result off = replay(*np.p, log.view(), init ? init->data() : nullptr);
        for (int batch : {1, 17, 64, n}) {
            INFO(np.name << " batch " << batch);
            const replay_result on = eng.run(*np.p, shuffled, batch, init);
            CHECK(on.exit_t == off.exit_t);
            CHECK(on.prediction == off.prediction);
            CHECK(on.energy == off.energy);  // exact double equality, on purpose
            const replay_result off_b =
                replay(*np.p, log.view(), init ? init->data() : nullptr, batch);
            CHECK(off_b.exit_t == off.exit_t);
        }
        // The policies must actually exit at different steps for this test to mean anything.
        const replay_summary s = summarize(off);
        CHECK(s.mean_t > 1.0);
        CHECK(s.mean_t < t_max);
    }
}

TEST_CASE("a confidence sweep gives the hand-checked Pareto table") {
    // K = 2, T_max = 3, N = 4; S_t and max softmax = sigmoid(|S_0 - S_1|) per step:
    //   s0 (y=0): O = [3,0] each step  S = [3,0],[6,0],[9,0]      0.953 0.998 1.000  right
    //   s1 (y=0): O = [0,.5],[2,0],[2,0]  S = [0,.5],[2,.5],[4,.5] 0.622 0.818 0.971
    //   wrong,right,right s2 (y=1): O = [.2,0],[.2,0],[0,3] S = [.2,0],[.4,0],[.4,3] 0.550 0.599
    //   0.931  wrong,wrong,right s3 (y=0): O = [0,1] each step  S = [0,t]                  0.731
    //   0.881 0.953  wrong
    // Energy E_t = (i + 1) t pJ for sample i.
    // alpha 0.50: exits 1 1 1 1, right s0         acc .25 mean_t 1    E (1+2+3+4)/4   = 2.5
    // alpha 0.80: exits 1 2 3 2, right s0 s1 s2   acc .75 mean_t 2    E (1+4+9+8)/4   = 5.5
    // alpha 0.90: exits 1 3 3 3, right s0 s1 s2   acc .75 mean_t 2.5  E (1+6+9+12)/4  = 7
    // alpha 0.96: exits 2 3 3 3, right s0 s1 s2   acc .75 mean_t 2.75 E (2+6+9+12)/4  = 7.25
    earlyexit_test::owned_run run;
    run.n = 4;
    run.t_max = 3;
    run.k = 2;
    run.outputs = {3, 0, 3, 0, 3, 0, 0, .5f, 2, 0, 2, 0, .2f, 0, .2f, 0, 0, 3, 0, 1, 0, 1, 0, 1};
    run.labels = {0, 0, 1, 0};
    for (int i = 0; i < 4; ++i)
        for (int t = 1; t <= 3; ++t) run.energy_cum.push_back((i + 1.0) * t);
    earlyexit_params base;
    base.policy = "confidence";
    const auto rows = sweep(base, {0.5, 0.8, 0.9, 0.96}, run.view());
    REQUIRE(rows.size() == 4);
    const double acc[] = {0.25, 0.75, 0.75, 0.75}, mt[] = {1, 2, 2.5, 2.75},
                 me[] = {2.5, 5.5, 7, 7.25};
    const int p50[] = {1, 2, 3, 3}, p90[] = {1, 3, 3, 3};
    const bool opt[] = {true, true, false, false};
    for (int r = 0; r < 4; ++r) {
        INFO("row " << r);
        CHECK(rows[r].summary.accuracy == acc[r]);
        CHECK(rows[r].summary.mean_t == mt[r]);
        CHECK(rows[r].summary.mean_energy == me[r]);
        CHECK(rows[r].summary.p50_t == p50[r]);
        CHECK(rows[r].summary.p90_t == p90[r]);
        CHECK(rows[r].summary.p99_t == 3 - (r == 0 ? 2 : 0));
        CHECK(rows[r].pareto_timesteps == opt[r]);
        CHECK(rows[r].pareto_energy == opt[r]);
    }
}

TEST_CASE("nearest-rank percentiles and Pareto ties") {
    replay_result r;
    r.exit_t = {1, 1, 1, 1, 1, 1, 1, 1, 1, 4};  // 10 samples: 90% at 1, the 10th at 4
    r.prediction.assign(10, 0);
    r.correct.assign(10, 1);
    r.energy.assign(10, 0.0);
    const replay_summary s = summarize(r);
    CHECK(s.p50_t == 1);
    CHECK(s.p90_t == 1);  // rank ceil(9) = 9
    CHECK(s.p99_t == 4);  // rank ceil(9.9) = 10
    CHECK(s.mean_t == 1.3);

    std::vector<pareto_row> rows(3);
    rows[0].summary.accuracy = 0.9;
    rows[0].summary.mean_t = 2;
    rows[1] = rows[0];  // an exact tie: both stay optimal
    rows[2].summary.accuracy = 0.9;
    rows[2].summary.mean_t = 2.5;
    mark_pareto(rows);
    CHECK(rows[0].pareto_timesteps);
    CHECK(rows[1].pareto_timesteps);
    CHECK_FALSE(rows[2].pareto_timesteps);
}

TEST_CASE("bad runs are rejected with a reason") {
    // Ranges of values: experiments/config/value_range.hpp and its test.
    earlyexit_test::owned_run bad = earlyexit_test::random_run(1, 3, 2, 4);
    bad.labels[1] = 4;
    CHECK_THROWS_WITH_AS(bad.view().validate(), "run_view: label of sample 1 is 4, outside [0, 4)",
                         std::invalid_argument);
}
