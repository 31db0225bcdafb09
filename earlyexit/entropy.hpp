// Entropy thresholding: exit at the first t with
//   H(softmax(S_t / tau)) / ln K <= threshold,   H(p) = -sum_j p_j ln p_j,
// evaluated as in earlyexit/scores.hpp (normalized entropy clamped to [0, 1], 0 for K = 1).
#pragma once
#include "earlyexit/policy.hpp"
#include "earlyexit/scores.hpp"

namespace earlyexit {

class entropy_policy final : public policy {
public:
    entropy_policy(double threshold, double tau) : threshold_(threshold), tau_(tau) {}
    policy_kind kind() const override { return policy_kind::entropy; }
    void decide(int, logits_cref s, state_ref, flags_ref exit) const override {
        const int k = static_cast<int>(s.cols());
        for (Eigen::Index r = 0; r < s.rows(); ++r) {
            const softmax_scores sc = score_row(s.row(r).data(), k, tau_, true);
            exit[r] = normalized_entropy(sc, k) <= threshold_ ? 1 : 0;
        }
    }

private:
    double threshold_;  // [1]
    double tau_;        // [logit units]
};

}  // namespace earlyexit
