#include "earlyexit/policy.hpp"

#include "common/errors.hpp"
#include "earlyexit/confidence.hpp"
#include "earlyexit/entropy.hpp"
#include "earlyexit/fixed.hpp"
#include "earlyexit/margin.hpp"
#include "earlyexit/patience.hpp"
#include "earlyexit/preset.hpp"

namespace earlyexit {

std::unique_ptr<policy> make_policy(const earlyexit_params& p) {
    p.validate();
    switch (p.kind()) {
        case policy_kind::fixed:
            return std::make_unique<fixed_policy>(p.fixed_steps());
        case policy_kind::confidence:
            return std::make_unique<confidence_policy>(p.alpha, p.temperature);
        case policy_kind::entropy:
            return std::make_unique<entropy_policy>(p.entropy_threshold, p.temperature);
        case policy_kind::margin:
            return std::make_unique<margin_policy>(p.margin_delta, p.temperature);
        case policy_kind::patience:
            return std::make_unique<patience_policy>(p.patience_k);
        case policy_kind::seenn2:
            return std::make_unique<preset_policy>(policy_kind::seenn2);
        case policy_kind::oracle:
            break;
    }
    throw spikebar::config_error(
        "earlyexit.policy = oracle: an offline bound (needs labels and all timesteps); use "
        "replay, not an online run");
}

}  // namespace earlyexit
