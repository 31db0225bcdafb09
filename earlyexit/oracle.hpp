// The oracle: an offline bound on early exit, never a deployable policy (it reads the label
// and the future outputs).
//
// oracle_exit_steps, the per-sample oracle reported as "oracle": with c_t = [argmax S_t == y],
//   exit_i = min { t : c_u = 1 for all u in [t, T_max] }   when c_{T_max} = 1,
//   exit_i = 1                                             when c_{T_max} = 0 (wrong anyway).
// It keeps every sample fixed-T_max gets right, so its accuracy is >= fixed T_max's.
//
// oracle_frontier, the exact lower bound on cost at each accuracy: no exit rule whatsoever
// (one step per sample, chosen with any knowledge) gets m samples right with fewer total
// timesteps (or less energy) than row m. A sample right at some step costs at least its first
// right step f_i, every other sample at least 1 step; the cheapest m right samples are the m
// smallest increments f_i - 1 (likewise E_i(f_i) - E_i(1) for energy, which needs E
// non-decreasing in t, true for non-negative per-step energies).
#pragma once
#include <cstdint>
#include <vector>

#include "earlyexit/replay.hpp"

namespace earlyexit {

// [N] exit steps of the per-sample oracle; feed them to replay() with a
// preset_policy(policy_kind::oracle) as the initial state.
std::vector<std::int32_t> oracle_exit_steps(const run_view& run);

// replay() of the per-sample oracle, through the same controller as every policy.
replay_result replay_oracle(const run_view& run);

struct frontier_point {
    int correct = 0;          // m samples right
    long long total_t = 0;    // minimal sum of exit steps for m right [timesteps]
    double total_energy = 0;  // minimal sum of energies for m right [pJ]
};

// Rows m = 0 .. M, M = number of samples right at some step, increasing in cost.
std::vector<frontier_point> oracle_frontier(const run_view& run);

}  // namespace earlyexit
