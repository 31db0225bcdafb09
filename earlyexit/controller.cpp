#include "earlyexit/controller.hpp"

#include <stdexcept>
#include <string>

#include "earlyexit/scores.hpp"

namespace earlyexit {

exit_controller::exit_controller(const policy& p, int k, int t_max)
    : policy_(p), k_(k), t_max_(t_max), words_(p.state_words()) {
    if (k < 1 || t_max < 1)
        throw std::invalid_argument("exit_controller: need K >= 1 and t_max >= 1, got K = " +
                                    std::to_string(k) + ", t_max = " + std::to_string(t_max));
}

void exit_controller::begin(int n, const std::int32_t* init_state) {
    t_ = 0;
    active_.resize(n);
    for (int i = 0; i < n; ++i) active_[i] = i;
    s_.setZero(n, k_);
    state_.resize(n, words_);
    for (int i = 0; i < n; ++i) {
        std::int32_t* row = state_.data() + static_cast<std::ptrdiff_t>(i) * words_;
        if (init_state)
            for (int w = 0; w < words_; ++w)
                row[w] = init_state[static_cast<std::ptrdiff_t>(i) * words_ + w];
        else
            policy_.init_state(row);
    }
    flags_.resize(n);
    exit_t_.assign(n, 0);
    prediction_.assign(n, -1);
}

Eigen::Map<const flag_vector> exit_controller::step(logits_cref o) {
    const int n = n_active();
    if (t_ >= t_max_) throw std::logic_error("exit_controller::step: past t_max");
    if (o.rows() != n || o.cols() != k_)
        throw std::invalid_argument("exit_controller::step: O_t is " + std::to_string(o.rows()) +
                                    " x " + std::to_string(o.cols()) + ", expected " +
                                    std::to_string(n) + " x " + std::to_string(k_));
    ++t_;
    // S_t = S_{t-1} + O_t: elementwise float adds, the same whatever the vector width.
    auto s = s_.topRows(n);
    s += o;
    auto flags = flags_.head(n);
    policy_.decide(t_, s, state_.topRows(n), flags);
    if (t_ >= t_max_) flags.setOnes();
    for (int r = 0; r < n; ++r) {
        if (!flags_[r]) continue;
        const int i = active_[r];
        exit_t_[i] = t_;
        prediction_[i] = argmax_row(s_.data() + static_cast<std::ptrdiff_t>(r) * k_, k_);
    }
    const int kept = compact_rows(active_.data(), n, 1, flags_.data());
    compact_rows(s_.data(), n, k_, flags_.data());
    compact_rows(state_.data(), n, words_, flags_.data());
    active_.resize(kept);
    return Eigen::Map<const flag_vector>(flags_.data(), n);
}

}  // namespace earlyexit
