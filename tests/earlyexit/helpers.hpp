// Test helpers for earlyexit: an owning logged run (random or hand-built) and a one-sample
// policy driver. Random runs print their seed through doctest's INFO so a failure says what
// to rerun.
#pragma once
#include <cstdint>
#include <vector>

#include "common/rng.hpp"
#include "earlyexit/controller.hpp"
#include "earlyexit/replay.hpp"

namespace earlyexit_test {

struct owned_run {
    int n = 0, t_max = 0, k = 0;
    std::vector<float> outputs;        // [n x t_max x k]
    std::vector<std::int32_t> labels;  // [n]
    std::vector<double> energy_cum;    // [n x t_max]
    earlyexit::run_view view() const {
        earlyexit::run_view v;
        v.n = n;
        v.t_max = t_max;
        v.k = k;
        v.outputs = outputs.data();
        v.labels = labels.data();
        v.energy_cum = energy_cum.empty() ? nullptr : energy_cum.data();
        return v;
    }
};

// O_t = signal * onehot(label) + noise, with a per-sample signal strength so that some
// samples are easy (early exit) and some stay ambiguous; per-step energy in [1, 2) pJ.
inline owned_run random_run(std::uint64_t seed, int n, int t_max, int k) {
    owned_run r;
    r.n = n;
    r.t_max = t_max;
    r.k = k;
    r.outputs.resize(static_cast<std::size_t>(n) * t_max * k);
    r.labels.resize(n);
    r.energy_cum.resize(static_cast<std::size_t>(n) * t_max);
    const spikebar::counter_rng rng{seed, 0x5eed};
    std::uint64_t c = 0;
    for (int i = 0; i < n; ++i) {
        r.labels[i] = static_cast<std::int32_t>(rng.uniform(c++) * k);
        const double signal = 1.5 * rng.uniform(c++);
        std::vector<double> per_step(t_max);
        for (int t = 0; t < t_max; ++t) {
            for (int j = 0; j < k; ++j)
                r.outputs[(static_cast<std::size_t>(i) * t_max + t) * k + j] =
                    static_cast<float>((j == r.labels[i] ? signal : 0.0) + rng.normal(c++));
            per_step[t] = 1.0 + rng.uniform(c++);
        }
        earlyexit::cumulate_energy(per_step.data(), t_max,
                                   r.energy_cum.data() + static_cast<std::size_t>(i) * t_max);
    }
    return r;
}

// Exit step of one sample with outputs o [t_max x k] under p, through the controller.
inline int exit_step(const earlyexit::policy& p, const std::vector<float>& o, int t_max, int k) {
    earlyexit::exit_controller ctl(p, k, t_max);
    ctl.begin(1);
    while (!ctl.done()) {
        const int t = ctl.t();
        const Eigen::Map<const earlyexit::row_matrix_f> row(
            o.data() + static_cast<std::size_t>(t) * k, 1, k);
        ctl.step(row);
    }
    return ctl.exit_t()[0];
}

}  // namespace earlyexit_test
