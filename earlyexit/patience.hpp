// Patience (as in PABEE: Zhou et al., "BERT Loses Patience", NeurIPS 2020, over timesteps
// instead of layers): with a_t = argmax S_t (lowest index on ties) and the run counter
//   c_1 = 0,   c_t = c_{t-1} + 1 if a_t == a_{t-1} else 0,
// exit at the first t with c_t >= k. So k = 1 exits at t = 2 at the earliest, when the
// prediction at t = 2 repeats the one at t = 1; a_t itself needs no softmax.
// State per sample: word 0 = a_{t-1} (-1 before the first step), word 1 = c_{t-1}.
#pragma once
#include "earlyexit/policy.hpp"
#include "earlyexit/scores.hpp"

namespace earlyexit {

class patience_policy final : public policy {
public:
    explicit patience_policy(int k) : k_(k) {}
    policy_kind kind() const override { return policy_kind::patience; }
    int state_words() const override { return 2; }
    void init_state(std::int32_t* row) const override {
        row[0] = -1;
        row[1] = 0;
    }
    void decide(int, logits_cref s, state_ref state, flags_ref exit) const override {
        const int k = static_cast<int>(s.cols());
        for (Eigen::Index r = 0; r < s.rows(); ++r) {
            const std::int32_t a = argmax_row(s.row(r).data(), k);
            const std::int32_t c = a == state(r, 0) ? state(r, 1) + 1 : 0;
            state(r, 0) = a;
            state(r, 1) = c;
            exit[r] = c >= k_ ? 1 : 0;
        }
    }

private:
    int k_;  // [timesteps]
};

}  // namespace earlyexit
