// The early-exit controller: the one loop both the online engine and offline replay run, so
// that their exits and predictions agree bit for bit.
//
// Accumulation contract (the engine must produce O_t and call step() exactly this way):
//   S_0 = 0 (float32, K classes per sample)
//   S_t = S_{t-1} + O_t          one float32 addition per class, no FMA, no reordering
//   after step t (1-based) the policy decides on S_t; rows that exit (and every row at
//   t = T_max) are recorded with exit_t = t and prediction = argmax S_t (lowest index on ties)
//   and leave the active set by stable compaction: survivors keep their relative order.
// The engine runs its network on the samples of active() in that order, hands their O_t to
// step(), then compacts its own per-sample state with the flags step() returns (or with
// compact_rows below) so that its rows stay aligned with active().
// Cumulative energy follows the same rule in double: E_t = E_{t-1} + e_t from E_0 = 0
// (cumulate_energy); a sample's energy is E at its exit step.
#pragma once
#include <cstdint>
#include <vector>

#include "earlyexit/policy.hpp"

namespace earlyexit {

// Stable in-place compaction of rows [n x row_len]: keeps rows with exit[r] == 0, in order.
// Returns the number kept.
template <class T>
int compact_rows(T* data, int n, int row_len, const std::uint8_t* exit) {
    int kept = 0;
    for (int r = 0; r < n; ++r) {
        if (exit[r]) continue;
        if (kept != r)
            for (int c = 0; c < row_len; ++c) data[kept * row_len + c] = data[r * row_len + c];
        ++kept;
    }
    return kept;
}

// E_t = E_{t-1} + e_t, E_0 = 0, in t order, double [pJ].
inline void cumulate_energy(const double* per_step, int t_max, double* cumulative) {
    double e = 0.0;
    for (int t = 0; t < t_max; ++t) cumulative[t] = e = e + per_step[t];
}

class exit_controller {
public:
    // The policy must outlive the controller. k: classes; t_max: the last timestep.
    exit_controller(const policy& p, int k, int t_max);

    // Starts a batch of n samples, all active in batch order 0..n-1, S = 0, t = 0. State rows
    // come from init_state (row-major [n x state_words], e.g. SEENN-II's chosen T) or, when it
    // is null, from policy::init_state.
    void begin(int n, const std::int32_t* init_state = nullptr);

    // One timestep: o = O_t of the active samples in active() order, [n_active x K]. Returns
    // the exit flags of this step in the pre-step active order (valid until the next call).
    // Allocates nothing: every buffer was sized by begin().
    Eigen::Map<const flag_vector> step(logits_cref o);

    int t() const { return t_; }
    int n_active() const { return static_cast<int>(active_.size()); }
    bool done() const { return active_.empty(); }
    // Batch indices of the active samples, in the order step() expects their outputs.
    const std::vector<int>& active() const { return active_; }
    // Per batch index; 0 while the sample is still active.
    const std::vector<int>& exit_t() const { return exit_t_; }
    const std::vector<int>& prediction() const { return prediction_; }

private:
    const policy& policy_;
    int k_, t_max_, words_;
    int t_ = 0;
    std::vector<int> active_;
    row_matrix_f s_;      // S_t of the active samples [n_active x K], capacity n
    state_matrix state_;  // [n_active x words], capacity n
    flag_vector flags_;   // first n_active entries: this step's flags, capacity n
    std::vector<int> exit_t_, prediction_;
};

}  // namespace earlyexit
