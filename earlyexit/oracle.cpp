#include "earlyexit/oracle.hpp"

#include <algorithm>

#include "earlyexit/preset.hpp"

namespace earlyexit {

std::vector<std::int32_t> oracle_exit_steps(const run_view& run) {
    const std::vector<std::uint8_t> c = correctness_table(run);
    std::vector<std::int32_t> steps(run.n, 1);
    for (int i = 0; i < run.n; ++i) {
        const std::uint8_t* ci = c.data() + static_cast<std::size_t>(i) * run.t_max;
        if (!ci[run.t_max - 1]) continue;
        int t = run.t_max;
        while (t > 1 && ci[t - 2]) --t;
        steps[i] = t;
    }
    return steps;
}

replay_result replay_oracle(const run_view& run) {
    const preset_policy p(policy_kind::oracle);
    const std::vector<std::int32_t> steps = oracle_exit_steps(run);
    return replay(p, run, steps.data());
}

std::vector<frontier_point> oracle_frontier(const run_view& run) {
    const std::vector<std::uint8_t> c = correctness_table(run);
    const auto energy = [&](int i, int t) {
        return run.energy_cum ? run.energy_cum[static_cast<std::size_t>(i) * run.t_max + t - 1]
                              : 0.0;
    };
    long long base_t = run.n;  // every sample runs at least one step
    double base_e = 0.0;
    std::vector<long long> extra_t;
    std::vector<double> extra_e;
    for (int i = 0; i < run.n; ++i) {
        base_e += energy(i, 1);
        const std::uint8_t* ci = c.data() + static_cast<std::size_t>(i) * run.t_max;
        const int f = static_cast<int>(std::find(ci, ci + run.t_max, 1) - ci) + 1;
        if (f > run.t_max) continue;
        extra_t.push_back(f - 1);
        extra_e.push_back(energy(i, f) - energy(i, 1));
    }
    std::sort(extra_t.begin(), extra_t.end());
    std::sort(extra_e.begin(), extra_e.end());
    std::vector<frontier_point> f(extra_t.size() + 1);
    f[0].total_t = base_t;
    f[0].total_energy = base_e;
    for (std::size_t m = 1; m < f.size(); ++m) {
        f[m].correct = static_cast<int>(m);
        f[m].total_t = f[m - 1].total_t + extra_t[m - 1];
        f[m].total_energy = f[m - 1].total_energy + extra_e[m - 1];
    }
    return f;
}

}  // namespace earlyexit
