// A per-sample exit step fixed before the first timestep:
//   exit at t = T_i,   T_i = state word 0, written by the caller.
// SEENN-II uses it (T_i = the policy net's choice, see earlyexit/seenn2.hpp) and so does the
// oracle bound in replay (T_i from the labels, see earlyexit/oracle.hpp). init_state writes
// 0, which means "run to T_max" (the controller stops every sample at T_max).
#pragma once
#include "earlyexit/policy.hpp"

namespace earlyexit {

class preset_policy final : public policy {
public:
    explicit preset_policy(policy_kind kind) : kind_(kind) {}
    policy_kind kind() const override { return kind_; }
    int state_words() const override { return 1; }
    void init_state(std::int32_t* row) const override { row[0] = 0; }
    void decide(int t, logits_cref s, state_ref state, flags_ref exit) const override {
        for (Eigen::Index r = 0; r < s.rows(); ++r)
            exit[r] = (state(r, 0) > 0 && t >= state(r, 0)) ? 1 : 0;
    }

private:
    policy_kind kind_;  // seenn2 or oracle: what the table reports
};

}  // namespace earlyexit
