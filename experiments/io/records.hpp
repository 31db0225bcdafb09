// What one evaluation produces, lane by lane: the per-sample records (logits, predictions,
// spike counts, hardware work, energy, exits) and the run's summaries. evaluate_run
// (experiments/evaluate.hpp) fills them; the run file (run_file.hpp) stores them.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "crossbar/chip.hpp"
#include "experiments/energy/energy.hpp"

namespace experiments {

// Per-sample results of samples [first, first + n) of one lane.
struct sample_records {
    std::size_t first = 0, n = 0;
    std::vector<float> logits;                // [n][T][K] readout O_t
    std::vector<std::uint8_t> predictions;    // [n][T] argmax S_t
    std::vector<std::uint32_t> spikes;        // [n][T][S] spike counts per lif layer
    std::vector<crossbar::mvm_counts> mvm;    // [n][T][W] crossbar lanes with counters
    std::vector<op_counts> ops;               // [n][T][W] lanes with a counting_synapse
    std::vector<double> energy;               // [n][T][W+1][P] [pJ], with an energy model
    std::vector<double> energy_step;          // [n][T] step totals [pJ]
    std::vector<std::uint8_t> exit_t;         // [n] exit step in 1..T
    std::vector<std::uint8_t> exit_prediction;  // [n] argmax S at the exit step
    std::vector<double> exit_energy;          // [n] E at the exit step [pJ]
};

struct eval_result : sample_records {
    int timesteps = 0, classes = 0, lif_layers = 0;
    int crossbar_layers = 0;  // weighted layers W with work counters (mvm or ops), else 0
    int energy_values = 0;    // (W + 1) * P per step with an energy model, else 0
    bool online_exit = false;
    std::size_t samples = 0;
    std::vector<std::uint8_t> labels;      // [N]
    std::vector<std::size_t> correct_at;   // [T] samples right at fixed t (full log only)
    std::size_t correct_at_exit = 0;       // samples right at their exit step
    std::uint64_t exit_t_sum = 0;          // sum of exit steps
    double exit_energy_sum = 0;            // sum of exit energies, in sample order [pJ]
    double full_energy_sum = 0;            // sum of E_T over samples (full log only) [pJ]
    std::vector<std::uint64_t> exit_histogram;  // [T] samples exiting at t

    // Against the shadow network (empty without one), see experiments/evaluate.hpp.
    std::vector<double> membrane_rmse;   // [T][lif layers]
    std::vector<double> spike_mismatch;  // [T][lif layers], fraction in [0, 1]

    // Accuracy at fixed t (1-based); NaN for an online run, where it is undefined.
    double accuracy(int t) const;
    double exit_accuracy() const;
    double mean_timesteps() const;
    double mean_energy_pj() const;
};

}  // namespace experiments
