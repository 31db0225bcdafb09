#include "earlyexit/policy.hpp"

#include "common/errors.hpp"
#include "earlyexit/policy_table.hpp"

namespace earlyexit {

std::unique_ptr<policy> make_policy(const earlyexit_params& p) {
    p.validate();
    const policy_entry& e = policy_row(p.kind());
    if (e.make) return e.make(p);
    throw spikebar::config_error(
        "earlyexit.policy = " + std::string(e.name) +
        ": an offline bound (needs labels and all timesteps); use replay, not an online run");
}

}  // namespace earlyexit
