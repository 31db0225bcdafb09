// [earlyexit]: which temporal early-exit policy decides when a sample stops, and its knobs.
// The policies themselves are in earlyexit/<policy>.hpp; docs/earlyexit.md gives every rule.
// The struct is plain so the INI layer can bind one key per field; validate() is the one check.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace earlyexit {

// Each kind has one row in earlyexit/policy_table.cpp: its name, sweep knob and factory.
enum class policy_kind { fixed, confidence, entropy, margin, patience, oracle, seenn2 };

// Parses a policy name; throws spikebar::config_error naming earlyexit.policy.
policy_kind parse_policy_kind(const std::string& name);
const char* policy_name(policy_kind kind);
// Every policy name, in the table's order.
std::vector<std::string> policy_names();

struct earlyexit_params {
    std::string policy = "confidence";  // fixed|confidence|entropy|margin|patience|oracle|seenn2
    int t_max = 4;                      // T_max: every sample exits by this timestep [timesteps]
    int fixed_t = 0;                    // exit step of the fixed policy, 0 = t_max [timesteps]
    double alpha = 0.9;                 // confidence: exit when max softmax(S_t/tau) >= alpha [1]
    double temperature = 1.0;           // tau: softmax temperature for confidence, entropy and
                                        // margin [logit units]
    double entropy_threshold = 0.1;     // entropy: exit when H(softmax)/ln K <= this [1]
    double margin_delta = 0.5;          // margin: exit when top-1 minus top-2 prob >= this [1]
    int patience_k = 2;                 // patience: exit when argmax S_t has stayed the same for
                                        // k consecutive steps after it was first seen [timesteps]
    double seenn2_beta = 1.0;           // SEENN-II: reward of a wrong answer is -beta [1]
    std::uint64_t seenn2_seed = 1;      // SEENN-II: key of the REINFORCE action draws, the
                                        // policy net's initialization and shuffling [1]
    // SEENN-II policy net body in the layer grammar of network.layers; the head
    // linear:<t_max> is appended, so the body must end in a vector (flatten or linear).
    std::string seenn2_layers =
        "conv:16:3:2, bn, relu, conv:32:3:2, bn, relu, flatten, linear:64, relu";
    std::string seenn2_model;           // SEENN-II: trained policy net file, read when
                                        // policy = seenn2 [path]
    int seenn2_epochs = 10;             // SEENN-II: policy-gradient passes over the training
                                        // set [epochs]
    double seenn2_lr = 1e-3;            // SEENN-II: peak Adam learning rate of the policy net,
                                        // cosine to train.lr_min [1]
    int seenn2_batch_size = 128;        // SEENN-II: samples per policy-gradient step [samples]

    // Throws spikebar::config_error{"earlyexit.<key>", value, rule, unit}.
    void validate() const;
    policy_kind kind() const { return parse_policy_kind(policy); }
    // The exit step of the fixed policy after resolving fixed_t = 0 to t_max.
    int fixed_steps() const { return fixed_t == 0 ? t_max : fixed_t; }
};

// The single knob a threshold sweep varies for a policy: "fixed_t", "alpha",
// "entropy_threshold", "margin_delta" or "patience_k". Throws config_error for oracle and
// seenn2, which have none.
const char* threshold_key(policy_kind kind);
// A copy of p with its sweep knob set to value (integer knobs must get an integer value),
// validated. Throws config_error naming the key when the value is out of range.
earlyexit_params with_threshold(const earlyexit_params& p, double value);
// The value of p's sweep knob (fixed: fixed_t = 0 resolved to t_max); NaN for policies
// without one.
double knob_value(const earlyexit_params& p);

}  // namespace earlyexit
