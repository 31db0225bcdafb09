#include "earlyexit/replay.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>

#include "common/errors.hpp"
#include "earlyexit/controller.hpp"
#include "earlyexit/scores.hpp"

namespace earlyexit {

void run_view::validate() const {
    if (n < 1 || t_max < 1 || k < 1)
        throw std::invalid_argument("run_view: need N, T_max, K >= 1, got " + std::to_string(n) +
                                    ", " + std::to_string(t_max) + ", " + std::to_string(k));
    if (!outputs || !labels) throw std::invalid_argument("run_view: outputs and labels required");
    for (int i = 0; i < n; ++i)
        if (labels[i] < 0 || labels[i] >= k)
            throw std::invalid_argument("run_view: label of sample " + std::to_string(i) + " is " +
                                        std::to_string(labels[i]) + ", outside [0, " +
                                        std::to_string(k) + ")");
}

replay_result replay(const policy& p, const run_view& run, const std::int32_t* init_state,
                     int batch) {
    run.validate();
    const int words = p.state_words();
    const int b = batch > 0 ? std::min(batch, run.n) : run.n;
    replay_result res;
    res.exit_t.resize(run.n);
    res.prediction.resize(run.n);
    res.correct.resize(run.n);
    res.energy.resize(run.n);
    exit_controller ctl(p, run.k, run.t_max);
    row_matrix_f o(b, run.k);
    for (int first = 0; first < run.n; first += b) {
        const int m = std::min(b, run.n - first);
        ctl.begin(m,
                  init_state ? init_state + static_cast<std::ptrdiff_t>(first) * words : nullptr);
        while (!ctl.done()) {
            const int t = ctl.t() + 1;
            const int na = ctl.n_active();
            for (int r = 0; r < na; ++r) {
                const float* src = run.o(first + ctl.active()[r], t);
                std::copy(src, src + run.k, o.data() + static_cast<std::ptrdiff_t>(r) * run.k);
            }
            ctl.step(o.topRows(na));
        }
        for (int j = 0; j < m; ++j) {
            const int i = first + j;
            const int t = ctl.exit_t()[j];
            res.exit_t[i] = t;
            res.prediction[i] = ctl.prediction()[j];
            res.correct[i] = res.prediction[i] == run.labels[i] ? 1 : 0;
            res.energy[i] = run.energy_cum
                                ? run.energy_cum[static_cast<std::ptrdiff_t>(i) * run.t_max + t - 1]
                                : 0.0;
        }
    }
    return res;
}

replay_summary summarize(const replay_result& r) {
    replay_summary s;
    const std::size_t n = r.exit_t.size();
    if (n == 0) return s;
    long long correct = 0, steps = 0;
    double energy = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        correct += r.correct[i];
        steps += r.exit_t[i];
        energy += r.energy[i];
    }
    s.accuracy = static_cast<double>(correct) / static_cast<double>(n);
    s.mean_t = static_cast<double>(steps) / static_cast<double>(n);
    s.mean_energy = energy / static_cast<double>(n);
    std::vector<int> sorted = r.exit_t;
    std::sort(sorted.begin(), sorted.end());
    const auto pct = [&](std::size_t q) {
        const std::size_t rank = (q * n + 99) / 100;  // ceil(q n / 100) >= 1
        return sorted[rank - 1];
    };
    s.p50_t = pct(50);
    s.p90_t = pct(90);
    s.p99_t = pct(99);
    return s;
}

std::vector<std::uint8_t> correctness_table(const run_view& run) {
    run.validate();
    std::vector<std::uint8_t> c(static_cast<std::size_t>(run.n) * run.t_max);
    std::vector<float> s(run.k);
    for (int i = 0; i < run.n; ++i) {
        std::fill(s.begin(), s.end(), 0.0f);
        for (int t = 1; t <= run.t_max; ++t) {
            const float* o = run.o(i, t);
            for (int j = 0; j < run.k; ++j) s[j] = s[j] + o[j];
            c[static_cast<std::size_t>(i) * run.t_max + t - 1] =
                argmax_row(s.data(), run.k) == run.labels[i] ? 1 : 0;
        }
    }
    return c;
}

void mark_pareto(std::vector<pareto_row>& rows) {
    const auto dominated = [&](std::size_t i, auto cost) {
        for (std::size_t j = 0; j < rows.size(); ++j) {
            const replay_summary& a = rows[j].summary;
            const replay_summary& b = rows[i].summary;
            if (a.accuracy >= b.accuracy && cost(a) <= cost(b) &&
                (a.accuracy > b.accuracy || cost(a) < cost(b)))
                return true;
        }
        return false;
    };
    for (std::size_t i = 0; i < rows.size(); ++i) {
        rows[i].pareto_timesteps = !dominated(i, [](const replay_summary& s) { return s.mean_t; });
        rows[i].pareto_energy =
            !dominated(i, [](const replay_summary& s) { return s.mean_energy; });
    }
}

std::vector<pareto_row> sweep(const earlyexit_params& base, const std::vector<double>& values,
                              const run_view& run) {
    run.validate();
    // Build (and so validate) every policy before the parallel loop: nothing may throw in it.
    std::vector<std::unique_ptr<policy>> pols;
    pols.reserve(values.size());
    for (double v : values) {
        earlyexit_params b = base;
        b.t_max = run.t_max;  // the log decides how far a sample can run
        pols.push_back(make_policy(with_threshold(b, v)));
    }
    std::vector<pareto_row> rows(values.size());
    const long long n_rows = static_cast<long long>(values.size());
    // Rows are independent and each is computed by one thread: the table does not depend on
    // the thread count.
#pragma omp parallel for schedule(dynamic)
    for (long long r = 0; r < n_rows; ++r) {
        rows[r].threshold = values[r];
        rows[r].summary = summarize(replay(*pols[r], run));
    }
    mark_pareto(rows);
    return rows;
}

}  // namespace earlyexit
