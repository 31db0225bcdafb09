// Fixed-T baseline: every sample exits after exactly T timesteps (T <= T_max),
//   exit_t = T.
#pragma once
#include "earlyexit/policy.hpp"

namespace earlyexit {

class fixed_policy final : public policy {
public:
    explicit fixed_policy(int steps) : steps_(steps) {}
    policy_kind kind() const override { return policy_kind::fixed; }
    void decide(int t, logits_cref s, state_ref, flags_ref exit) const override {
        exit.head(s.rows()).setConstant(t >= steps_ ? 1 : 0);
    }
    int steps() const { return steps_; }

private:
    int steps_;  // T [timesteps]
};

}  // namespace earlyexit
