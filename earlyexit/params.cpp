#include "earlyexit/params.hpp"

#include <charconv>
#include <cmath>
#include <string>

#include "common/errors.hpp"

namespace earlyexit {
namespace {

// Shortest text that reads back to the same double: 1.5 -> "1.5", 0.1 -> "0.1".
std::string fmt(double v) {
    char buf[64];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, res.ptr);
}

[[noreturn]] void fail(const char* key, const std::string& value, const char* rule) {
    throw spikebar::config_error(std::string("earlyexit.") + key + " = " + value + ": " + rule);
}

constexpr policy_kind all_kinds[] = {
    policy_kind::fixed,    policy_kind::confidence, policy_kind::entropy, policy_kind::margin,
    policy_kind::patience, policy_kind::oracle,     policy_kind::seenn2};

}  // namespace

const char* policy_name(policy_kind kind) {
    switch (kind) {
        case policy_kind::fixed:
            return "fixed";
        case policy_kind::confidence:
            return "confidence";
        case policy_kind::entropy:
            return "entropy";
        case policy_kind::margin:
            return "margin";
        case policy_kind::patience:
            return "patience";
        case policy_kind::oracle:
            return "oracle";
        case policy_kind::seenn2:
            return "seenn2";
    }
    return "?";
}

policy_kind parse_policy_kind(const std::string& name) {
    for (policy_kind k : all_kinds)
        if (name == policy_name(k)) return k;
    fail("policy", "\"" + name + "\"",
         "must be one of fixed, confidence, entropy, margin, patience, oracle, seenn2");
}

void earlyexit_params::validate() const {
    parse_policy_kind(policy);
    if (t_max < 1) fail("t_max", std::to_string(t_max), "must be >= 1 [timesteps]");
    if (fixed_t < 0 || fixed_t > t_max)
        fail("fixed_t", std::to_string(fixed_t),
             ("must be in [0, t_max = " + std::to_string(t_max) + "] [timesteps]").c_str());
    if (!(alpha > 0.0 && alpha <= 1.0)) fail("alpha", fmt(alpha), "must be in (0, 1]");
    if (!(temperature > 0.0 && std::isfinite(temperature)))
        fail("temperature", fmt(temperature), "must be finite and > 0 [logit units]");
    if (!(entropy_threshold >= 0.0 && entropy_threshold <= 1.0))
        fail("entropy_threshold", fmt(entropy_threshold), "must be in [0, 1]");
    if (!(margin_delta >= 0.0 && margin_delta <= 1.0))
        fail("margin_delta", fmt(margin_delta), "must be in [0, 1]");
    if (patience_k < 1) fail("patience_k", std::to_string(patience_k), "must be >= 1 [timesteps]");
    if (!(seenn2_beta >= 0.0 && std::isfinite(seenn2_beta)))
        fail("seenn2_beta", fmt(seenn2_beta), "must be finite and >= 0");
    if (seenn2_layers.find_first_not_of(" \t") == std::string::npos)
        fail("seenn2_layers", "\"" + seenn2_layers + "\"",
             "must name the policy net body (the head linear:<t_max> is appended)");
    if (seenn2_epochs < 1)
        fail("seenn2_epochs", std::to_string(seenn2_epochs), "must be >= 1 [epochs]");
    if (!(seenn2_lr > 0.0 && std::isfinite(seenn2_lr)))
        fail("seenn2_lr", fmt(seenn2_lr), "must be finite and > 0");
    if (seenn2_batch_size < 1)
        fail("seenn2_batch_size", std::to_string(seenn2_batch_size), "must be >= 1 [samples]");
}

const char* threshold_key(policy_kind kind) {
    switch (kind) {
        case policy_kind::fixed:
            return "fixed_t";
        case policy_kind::confidence:
            return "alpha";
        case policy_kind::entropy:
            return "entropy_threshold";
        case policy_kind::margin:
            return "margin_delta";
        case policy_kind::patience:
            return "patience_k";
        case policy_kind::oracle:
        case policy_kind::seenn2:
            break;
    }
    fail("policy", policy_name(kind), "has no threshold to sweep");
}

earlyexit_params with_threshold(const earlyexit_params& p, double value) {
    earlyexit_params q = p;
    const policy_kind kind = p.kind();
    const char* key = threshold_key(kind);
    const auto as_int = [&]() {
        if (!(std::isfinite(value) && std::nearbyint(value) == value && std::abs(value) < 1e9))
            fail(key, fmt(value), "must be an integer");
        return static_cast<int>(value);
    };
    switch (kind) {
        case policy_kind::fixed:
            q.fixed_t = as_int();
            break;
        case policy_kind::confidence:
            q.alpha = value;
            break;
        case policy_kind::entropy:
            q.entropy_threshold = value;
            break;
        case policy_kind::margin:
            q.margin_delta = value;
            break;
        case policy_kind::patience:
            q.patience_k = as_int();
            break;
        case policy_kind::oracle:
        case policy_kind::seenn2:
            break;
    }
    if (kind == policy_kind::fixed && q.fixed_t == 0)
        fail(key, "0", "a sweep needs an explicit exit step in [1, t_max]");
    q.validate();
    return q;
}

}  // namespace earlyexit
