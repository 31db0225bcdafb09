// Margin thresholding: exit at the first t with
//   p_(1) - p_(2) >= delta,   p = softmax(S_t / tau), p_(1) >= p_(2) the two largest,
// evaluated as (1 - e_second) / (1 + R) with the terms of earlyexit/scores.hpp. For K = 1 the
// margin is 1.
#pragma once
#include "earlyexit/policy.hpp"
#include "earlyexit/scores.hpp"

namespace earlyexit {

class margin_policy final : public policy {
public:
    margin_policy(double delta, double tau) : delta_(delta), tau_(tau) {}
    policy_kind kind() const override { return policy_kind::margin; }
    void decide(int, logits_cref s, state_ref, flags_ref exit) const override {
        const int k = static_cast<int>(s.cols());
        for (Eigen::Index r = 0; r < s.rows(); ++r) {
            const softmax_scores sc = score_row(s.row(r).data(), k, tau_, false);
            const double margin = (1.0 - sc.second) / (1.0 + sc.rest);
            exit[r] = margin >= delta_ ? 1 : 0;
        }
    }

private:
    double delta_;  // [1]
    double tau_;    // [logit units]
};

}  // namespace earlyexit
