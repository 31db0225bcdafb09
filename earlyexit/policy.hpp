// The early-exit policy interface: after timestep t (1-based) a policy looks at the
// accumulated readout S_t = sum_{i<=t} O_i of every active sample and answers exit or continue.
//
// One call covers the whole compacted active batch, so the engine pays one virtual call per
// timestep, never one per sample. A decision for row r may depend only on row r of S and of
// the state, never on other rows, on n or on row order: that is what makes the exits the same
// whatever the batch size or the active set, and online equal offline replay bit for bit.
//
// Policies that need memory across timesteps (patience, preset) keep it in a small int32 state
// row per sample that the caller owns and compacts together with S (see exit_controller).
// Nothing in a policy is mutable: one instance can serve many threads.
#pragma once
#include <Eigen/Core>
#include <cstdint>
#include <memory>

#include "earlyexit/params.hpp"

namespace earlyexit {

using row_matrix_f = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using state_matrix = Eigen::Matrix<std::int32_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using flag_vector = Eigen::Matrix<std::uint8_t, Eigen::Dynamic, 1>;

// S_t of the active samples, [n_active x K], one row per sample, float32.
using logits_cref = Eigen::Ref<const row_matrix_f>;
// Per-sample policy state, [n_active x state_words()].
using state_ref = Eigen::Ref<state_matrix>;
// exit[r] = 1: row r exits after this timestep; 0: it continues.
using flags_ref = Eigen::Ref<flag_vector>;

class policy {
public:
    virtual ~policy() = default;
    virtual policy_kind kind() const = 0;
    // int32 words of state per sample (0 when the policy is memoryless).
    virtual int state_words() const { return 0; }
    // Writes the state of a sample before its first timestep.
    virtual void init_state(std::int32_t* /*state_row*/) const {}
    // Decides after timestep t (1-based) for every row of s; writes every entry of exit and
    // updates state. s has K >= 1 columns.
    virtual void decide(int t, logits_cref s, state_ref state, flags_ref exit) const = 0;
};

// The online policy for p (validated first). oracle is offline only (it needs the label and
// the future) and throws config_error; seenn2 returns a preset_policy whose state the caller
// fills with the timestep the policy net chose.
std::unique_ptr<policy> make_policy(const earlyexit_params& p);

}  // namespace earlyexit
