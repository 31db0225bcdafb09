// The one table of early-exit policies. Everything that differs between policies outside
// their decide() rule lives in its row: the name in configs and files, the knob a threshold
// sweep varies, how an online policy is built, and the arithmetic of one decision (for the
// energy model). Adding a policy is its class (earlyexit/<policy>.hpp), a policy_kind value
// (earlyexit/params.hpp) and one row in policy_table.cpp.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "earlyexit/params.hpp"

namespace earlyexit {

class policy;

// Arithmetic the exit controller does per active sample and step (docs/energy.md).
struct decision_ops {
    std::uint64_t adds = 0, mults = 0, exps = 0, int_adds = 0;
};

struct policy_entry {
    policy_kind kind;
    const char* name;   // earlyexit.policy value
    const char* knob;   // the [earlyexit] key a threshold sweep varies; nullptr: none
    bool integer_knob;  // the knob takes integers only (a timestep count)
    // The knob's value in p (fixed: fixed_t = 0 resolved to t_max); null where knob is.
    double (*knob_value)(const earlyexit_params& p);
    // Sets the knob (value already checked to be an integer where integer_knob); null where
    // knob is.
    void (*set_knob)(earlyexit_params& p, double value);
    // The online policy for validated p; null for offline-only policies (oracle).
    std::unique_ptr<policy> (*make)(const earlyexit_params& p);
    // The arithmetic of one decision for K classes.
    decision_ops (*ops)(int classes);
};

// Every policy, in the order of policy_kind (and of docs/earlyexit.md).
const std::vector<policy_entry>& policy_table();
// The row of kind.
const policy_entry& policy_row(policy_kind kind);

}  // namespace earlyexit
