// Binds earlyexit::earlyexit_params (earlyexit/params.hpp) to [earlyexit]. Units and
// meanings repeat the field comments there; keep them in step.
#include "experiments/config/config.hpp"

namespace experiments::config_detail {

void add_earlyexit_sections(std::vector<section>& out) {
    using earlyexit::earlyexit_params;
    add_section(
        out, "earlyexit",
        "Temporal early exit: which policy decides when a sample stops (docs/earlyexit.md).",
        &run_config::earlyexit)
        .choice("policy", &earlyexit_params::policy, earlyexit::policy_names(), "exit policy")
        .key("t_max", &earlyexit_params::t_max, "timesteps",
             "T_max: every sample exits by this timestep")
        .key("fixed_t", &earlyexit_params::fixed_t, "timesteps",
             "exit step of the fixed policy, 0 = t_max")
        .key("alpha", &earlyexit_params::alpha, "1",
             "confidence: exit when max softmax(S_t/tau) >= alpha")
        .key("temperature", &earlyexit_params::temperature, "logit units",
             "tau: softmax temperature for confidence, entropy and margin")
        .key("entropy_threshold", &earlyexit_params::entropy_threshold, "1",
             "entropy: exit when H(softmax)/ln K <= this")
        .key("margin_delta", &earlyexit_params::margin_delta, "1",
             "margin: exit when top-1 minus top-2 probability >= this")
        .key("patience_k", &earlyexit_params::patience_k, "timesteps",
             "patience: exit when argmax S_t has stayed the same for k consecutive steps")
        .key("seenn2_beta", &earlyexit_params::seenn2_beta, "1",
             "SEENN-II: reward of a wrong answer is -beta")
        .key("seenn2_seed", &earlyexit_params::seenn2_seed, "1",
             "SEENN-II: key of the REINFORCE action draws, the policy net's initialization and "
             "shuffling")
        .key("seenn2_layers", &earlyexit_params::seenn2_layers, "",
             "SEENN-II: policy net body in the layer grammar of network.layers (kind ann:\n"
             "lif acts as ReLU); the head linear:<t_max> is appended, so the body must end in\n"
             "a vector (flatten or linear)")
        .key("seenn2_model", &earlyexit_params::seenn2_model, "path",
             "SEENN-II: trained policy net file (spikebar train-policy --out), read when\n"
             "policy = seenn2")
        .key("seenn2_epochs", &earlyexit_params::seenn2_epochs, "epochs",
             "SEENN-II: policy-gradient passes over the training set (train-policy)")
        .key("seenn2_lr", &earlyexit_params::seenn2_lr, "1",
             "SEENN-II: peak Adam learning rate of the policy net, cosine to train.lr_min")
        .key("seenn2_batch_size", &earlyexit_params::seenn2_batch_size, "samples",
             "SEENN-II: samples per policy-gradient step (train-policy)");
}

}  // namespace experiments::config_detail
