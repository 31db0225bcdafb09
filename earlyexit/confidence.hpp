// SEENN-I confidence thresholding (Li et al., "SEENN: Towards Temporal Spiking Early-Exit
// Neural Networks", NeurIPS 2023): exit at the first t with
//   max_j softmax(S_t / tau)_j >= alpha.
// With the rest mass R of earlyexit/scores.hpp, max softmax = 1 / (1 + R), so the test is
// evaluated as the equivalent
//   R <= (1 - alpha) / alpha,
// which never rounds 1 + R to 1: alpha = 1 then fires only when every other class underflows
// (S_top - S_j > ~745 tau), so alpha -> 1 reproduces fixed T_max on any realistic logits.
// SEENN averages the outputs over t; on the sum S_t this is the same rule with tau * t.
#pragma once
#include "earlyexit/policy.hpp"
#include "earlyexit/scores.hpp"

namespace earlyexit {

class confidence_policy final : public policy {
public:
    confidence_policy(double alpha, double tau)
        : alpha_(alpha), tau_(tau), rest_max_((1.0 - alpha) / alpha) {}
    policy_kind kind() const override { return policy_kind::confidence; }
    void decide(int, logits_cref s, state_ref, flags_ref exit) const override {
        const int k = static_cast<int>(s.cols());
        for (Eigen::Index r = 0; r < s.rows(); ++r) {
            const softmax_scores sc = score_row(s.row(r).data(), k, tau_, false);
            exit[r] = sc.rest <= rest_max_ ? 1 : 0;
        }
    }
    double alpha() const { return alpha_; }

private:
    double alpha_;     // [1]
    double tau_;       // [logit units]
    double rest_max_;  // (1 - alpha) / alpha, computed once [1]
};

}  // namespace earlyexit
