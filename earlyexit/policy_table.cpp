#include "earlyexit/policy_table.hpp"

#include <stdexcept>
#include <string>

#include "earlyexit/confidence.hpp"
#include "earlyexit/entropy.hpp"
#include "earlyexit/fixed.hpp"
#include "earlyexit/margin.hpp"
#include "earlyexit/patience.hpp"
#include "earlyexit/preset.hpp"

namespace earlyexit {
namespace {

using P = earlyexit_params;

// K - 1, the classes a softmax policy shifts, scales and exponentiates (0 for K = 1).
std::uint64_t others(int classes) { return classes > 1 ? std::uint64_t(classes - 1) : 0; }

// The step counter of a policy whose exit step is known before the first step (fixed, the
// preset of SEENN-II, the oracle): one integer add against the exit step.
decision_ops counter_ops(int) {
    decision_ops w;
    w.int_adds = 1;
    return w;
}

// argmax (K-1 compares), d_j = (S_j - S_top) / tau (K-1 subtracts, K-1 multiplies by 1/tau),
// K-1 exps, R = sum (K-1 adds), R against the bound.
decision_ops confidence_ops(int classes) {
    const std::uint64_t k1 = others(classes);
    decision_ops w;
    w.adds = 3 * k1 + 1;
    w.mults = k1;
    w.exps = k1;
    return w;
}

// confidence's work, sum exp(d_j) d_j (K-1 multiplies and adds), ln Z, / Z, / ln K and the
// compare.
decision_ops entropy_ops(int classes) {
    const std::uint64_t k1 = others(classes);
    decision_ops w;
    w.adds = 4 * k1 + 2;
    w.mults = 2 * k1 + 2;
    w.exps = k1 + 1;
    return w;
}

// confidence's work, the largest exp (K-1 compares), p_max - p_2 and / Z.
decision_ops margin_ops(int classes) {
    const std::uint64_t k1 = others(classes);
    decision_ops w;
    w.adds = 4 * k1 + 2;
    w.mults = k1 + 1;
    w.exps = k1;
    return w;
}

// argmax (K-1 compares), compare with the last argmax, counter, counter vs k.
decision_ops patience_ops(int classes) {
    decision_ops w;
    w.adds = others(classes) + 1;
    w.int_adds = 2;
    return w;
}

const std::vector<policy_entry> table = {
    {policy_kind::fixed, "fixed", "fixed_t", true,
     [](const P& p) -> double { return p.fixed_steps(); },
     [](P& p, double v) { p.fixed_t = static_cast<int>(v); },
     [](const P& p) -> std::unique_ptr<policy> {
         return std::make_unique<fixed_policy>(p.fixed_steps());
     },
     counter_ops},
    {policy_kind::confidence, "confidence", "alpha", false,
     [](const P& p) { return p.alpha; }, [](P& p, double v) { p.alpha = v; },
     [](const P& p) -> std::unique_ptr<policy> {
         return std::make_unique<confidence_policy>(p.alpha, p.temperature);
     },
     confidence_ops},
    {policy_kind::entropy, "entropy", "entropy_threshold", false,
     [](const P& p) { return p.entropy_threshold; },
     [](P& p, double v) { p.entropy_threshold = v; },
     [](const P& p) -> std::unique_ptr<policy> {
         return std::make_unique<entropy_policy>(p.entropy_threshold, p.temperature);
     },
     entropy_ops},
    {policy_kind::margin, "margin", "margin_delta", false,
     [](const P& p) { return p.margin_delta; }, [](P& p, double v) { p.margin_delta = v; },
     [](const P& p) -> std::unique_ptr<policy> {
         return std::make_unique<margin_policy>(p.margin_delta, p.temperature);
     },
     margin_ops},
    {policy_kind::patience, "patience", "patience_k", true,
     [](const P& p) -> double { return p.patience_k; },
     [](P& p, double v) { p.patience_k = static_cast<int>(v); },
     [](const P& p) -> std::unique_ptr<policy> {
         return std::make_unique<patience_policy>(p.patience_k);
     },
     patience_ops},
    // Offline only: it needs the label and the future (earlyexit/oracle.hpp).
    {policy_kind::oracle, "oracle", nullptr, false, nullptr, nullptr, nullptr, counter_ops},
    // The policy net chose T_i before the first step; the caller writes it into the state.
    {policy_kind::seenn2, "seenn2", nullptr, false, nullptr, nullptr,
     [](const P&) -> std::unique_ptr<policy> {
         return std::make_unique<preset_policy>(policy_kind::seenn2);
     },
     counter_ops},
};

}  // namespace

const std::vector<policy_entry>& policy_table() { return table; }

const policy_entry& policy_row(policy_kind kind) {
    for (const policy_entry& e : table)
        if (e.kind == kind) return e;
    throw std::logic_error("earlyexit: policy_kind " + std::to_string(int(kind)) +
                           " has no row in policy_table.cpp");
}

}  // namespace earlyexit
