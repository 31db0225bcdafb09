#include "earlyexit/params.hpp"

#include <cmath>
#include <limits>
#include <string>

#include "common/validate.hpp"
#include "earlyexit/policy_table.hpp"

namespace earlyexit {
namespace {

std::string key_of(const char* name) { return std::string("earlyexit.") + name; }

}  // namespace

const char* policy_name(policy_kind kind) { return policy_row(kind).name; }

policy_kind parse_policy_kind(const std::string& name) {
    std::string names;
    for (const policy_entry& e : policy_table()) {
        if (name == e.name) return e.kind;
        names += (names.empty() ? "" : ", ") + std::string(e.name);
    }
    throw spikebar::config_error("earlyexit.policy", "\"" + name + "\"", "must be one of " + names);
}

std::vector<std::string> policy_names() {
    std::vector<std::string> names;
    for (const policy_entry& e : policy_table()) names.emplace_back(e.name);
    return names;
}

void earlyexit_params::validate() const {
    using namespace spikebar::check;
    parse_policy_kind(policy);
    at_least("earlyexit.t_max", t_max, 1, "timesteps");
    in_range("earlyexit.fixed_t", fixed_t, closed(0, set_by("t_max", t_max)), "timesteps");
    in_range("earlyexit.alpha", alpha, left_open(0, 1));
    require(temperature > 0.0 && std::isfinite(temperature), "earlyexit.temperature",
            temperature, "must be finite and > 0", "logit units");
    in_range("earlyexit.entropy_threshold", entropy_threshold, closed(0, 1));
    in_range("earlyexit.margin_delta", margin_delta, closed(0, 1));
    at_least("earlyexit.patience_k", patience_k, 1, "timesteps");
    require(seenn2_beta >= 0.0 && std::isfinite(seenn2_beta), "earlyexit.seenn2_beta",
            seenn2_beta, "must be finite and >= 0");
    require(seenn2_layers.find_first_not_of(" \t") != std::string::npos,
            "earlyexit.seenn2_layers", "\"" + seenn2_layers + "\"",
            "must name the policy net body (the head linear:<t_max> is appended)");
    at_least("earlyexit.seenn2_epochs", seenn2_epochs, 1, "epochs");
    require(seenn2_lr > 0.0 && std::isfinite(seenn2_lr), "earlyexit.seenn2_lr", seenn2_lr,
            "must be finite and > 0");
    at_least("earlyexit.seenn2_batch_size", seenn2_batch_size, 1, "samples");
}

const char* threshold_key(policy_kind kind) {
    const policy_entry& e = policy_row(kind);
    if (!e.knob) throw spikebar::config_error("earlyexit.policy", e.name, "has no threshold to sweep");
    return e.knob;
}

double knob_value(const earlyexit_params& p) {
    const policy_entry& e = policy_row(p.kind());
    return e.knob_value ? e.knob_value(p) : std::numeric_limits<double>::quiet_NaN();
}

earlyexit_params with_threshold(const earlyexit_params& p, double value) {
    const policy_entry& e = policy_row(p.kind());
    const std::string key = key_of(threshold_key(e.kind));
    if (e.integer_knob)
        spikebar::check::require(
            std::isfinite(value) && std::nearbyint(value) == value && std::abs(value) < 1e9, key,
            value, "must be an integer");
    earlyexit_params q = p;
    e.set_knob(q, value);
    if (e.kind == policy_kind::fixed && q.fixed_t == 0)
        throw spikebar::config_error(key, "0", "a sweep needs an explicit exit step in [1, t_max]");
    q.validate();
    return q;
}

}  // namespace earlyexit
