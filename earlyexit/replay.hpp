// Offline replay: evaluates any policy on a logged run exactly, without simulating again.
// It drives the same exit_controller as the online engine (earlyexit/controller.hpp), fed with
// the logged O_t, so exits, predictions and energies equal the online run's bit for bit.
#pragma once
#include <cstdint>
#include <vector>

#include "earlyexit/params.hpp"
#include "earlyexit/policy.hpp"

namespace earlyexit {

// A logged run, not owned. Shapes are row-major, sample-major.
struct run_view {
    int n = 0;                             // samples N
    int t_max = 0;                         // logged timesteps T_max
    int k = 0;                             // classes K
    const float* outputs = nullptr;        // O_t, [N x T_max x K] float32 [logit units]
    const std::int32_t* labels = nullptr;  // [N], in [0, K)
    const double* energy_cum = nullptr;    // E_t through step t, [N x T_max] [pJ]; null: all 0
    // Throws std::invalid_argument on sizes < 1, null outputs/labels or labels outside [0, K).
    void validate() const;
    const float* o(int sample, int t) const {  // O_t of a sample, t 1-based
        return outputs + (static_cast<std::ptrdiff_t>(sample) * t_max + (t - 1)) * k;
    }
};

struct replay_result {
    std::vector<int> exit_t;            // [N] exit step in 1..T_max [timesteps]
    std::vector<int> prediction;        // [N] argmax S at the exit step
    std::vector<std::uint8_t> correct;  // [N] prediction == label
    std::vector<double> energy;         // [N] E at the exit step [pJ]
};

struct replay_summary {
    double accuracy = 0;                  // fraction correct [1]
    double mean_t = 0;                    // mean exit step [timesteps]
    double mean_energy = 0;               // mean energy per sample, summed in sample order [pJ]
    int p50_t = 0, p90_t = 0, p99_t = 0;  // nearest-rank percentiles of exit_t [timesteps]
};

// Runs p over the run in batches of `batch` samples (0: all at once; the result does not
// depend on it). init_state: [N x p.state_words()] row-major, or null for policy::init_state.
replay_result replay(const policy& p, const run_view& run, const std::int32_t* init_state = nullptr,
                     int batch = 0);

// Nearest-rank percentile: the smallest exit step e with #{i : exit_t_i <= e} >= ceil(q N / 100).
replay_summary summarize(const replay_result& r);

// Per-sample, per-timestep correctness argmax S_t == label, [N x T_max] row-major, with S_t
// accumulated as in the controller contract. SEENN-II training and the oracle read it.
std::vector<std::uint8_t> correctness_table(const run_view& run);

struct pareto_row {
    double threshold = 0;  // value of threshold_key(policy)
    replay_summary summary;
    bool pareto_timesteps = false;  // no other row has >= accuracy and <= mean_t, one strictly
    bool pareto_energy = false;     // the same with mean_energy in place of mean_t
};

// One row per value of the policy's sweep knob (see with_threshold), in the given order,
// then marks the Pareto-optimal rows. Throws config_error for an out-of-range value.
std::vector<pareto_row> sweep(const earlyexit_params& base, const std::vector<double>& values,
                              const run_view& run);

// Sets the pareto_* flags of rows from their summaries (ties are all optimal).
void mark_pareto(std::vector<pareto_row>& rows);

}  // namespace earlyexit
