#include "earlyexit/seenn2.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "common/rng.hpp"

namespace earlyexit {
namespace {

void check_shapes(const Eigen::Ref<const row_matrix_d>& z,
                  const Eigen::Ref<const correct_matrix>& c) {
    if (z.rows() < 1 || z.cols() < 1 || z.rows() != c.rows() || z.cols() != c.cols())
        throw std::invalid_argument("seenn2: logits are " + std::to_string(z.rows()) + " x " +
                                    std::to_string(z.cols()) + ", correctness " +
                                    std::to_string(c.rows()) + " x " + std::to_string(c.cols()));
}

// Max-shifted softmax of one row, in double.
void softmax_row(const double* z, int t_max, double* pi) {
    double m = z[0];
    for (int j = 1; j < t_max; ++j) m = z[j] > m ? z[j] : m;
    double sum = 0.0;
    for (int j = 0; j < t_max; ++j) sum += pi[j] = std::exp(z[j] - m);
    for (int j = 0; j < t_max; ++j) pi[j] /= sum;
}

}  // namespace

double seenn2_reward(int t, bool correct, double beta) {
    return correct ? std::ldexp(1.0, -(t - 1)) : -beta;
}

std::vector<std::int32_t> choose_timesteps(const Eigen::Ref<const row_matrix_d>& logits) {
    std::vector<std::int32_t> t(static_cast<std::size_t>(logits.rows()));
    for (Eigen::Index i = 0; i < logits.rows(); ++i) {
        Eigen::Index best = 0;
        for (Eigen::Index j = 1; j < logits.cols(); ++j)
            if (logits(i, j) > logits(i, best)) best = j;
        t[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(best + 1);
    }
    return t;
}

double seenn2_objective(const Eigen::Ref<const row_matrix_d>& logits,
                        const Eigen::Ref<const correct_matrix>& correct, double beta) {
    check_shapes(logits, correct);
    const int n = static_cast<int>(logits.rows()), tm = static_cast<int>(logits.cols());
    std::vector<double> pi(tm);
    double total = 0.0;
    for (int i = 0; i < n; ++i) {
        softmax_row(logits.row(i).data(), tm, pi.data());
        for (int j = 0; j < tm; ++j) total += pi[j] * seenn2_reward(j + 1, correct(i, j), beta);
    }
    return -total / n;
}

row_matrix_d seenn2_exact_gradient(const Eigen::Ref<const row_matrix_d>& logits,
                                   const Eigen::Ref<const correct_matrix>& correct, double beta) {
    check_shapes(logits, correct);
    const int n = static_cast<int>(logits.rows()), tm = static_cast<int>(logits.cols());
    row_matrix_d g(n, tm);
    std::vector<double> pi(tm);
    for (int i = 0; i < n; ++i) {
        softmax_row(logits.row(i).data(), tm, pi.data());
        double rbar = 0.0;
        for (int j = 0; j < tm; ++j) rbar += pi[j] * seenn2_reward(j + 1, correct(i, j), beta);
        for (int j = 0; j < tm; ++j)
            g(i, j) = -pi[j] * (seenn2_reward(j + 1, correct(i, j), beta) - rbar) / n;
    }
    return g;
}

reinforce_estimate seenn2_reinforce(const Eigen::Ref<const row_matrix_d>& logits,
                                    const Eigen::Ref<const correct_matrix>& correct, double beta,
                                    std::uint64_t seed, std::uint64_t epoch,
                                    const std::int64_t* sample_ids) {
    check_shapes(logits, correct);
    const int n = static_cast<int>(logits.rows()), tm = static_cast<int>(logits.cols());
    reinforce_estimate est;
    est.grad.resize(n, tm);
    est.action.resize(n);
    est.reward.resize(n);
    row_matrix_d pi(n, tm);
    double reward_sum = 0.0;
    for (int i = 0; i < n; ++i) {
        double* p = pi.row(i).data();
        softmax_row(logits.row(i).data(), tm, p);
        const std::uint64_t id =
            sample_ids ? static_cast<std::uint64_t>(sample_ids[i]) : static_cast<std::uint64_t>(i);
        const double u = spikebar::counter_rng{seed, epoch, id}.uniform(0);
        // Inverse CDF; if rounding leaves u above the last partial sum, take the last t with
        // pi > 0.
        int a = -1;
        double cdf = 0.0;
        for (int j = 0; j < tm && a < 0; ++j)
            if (u < (cdf += p[j])) a = j;
        if (a < 0)
            for (int j = tm - 1; j >= 0 && a < 0; --j)
                if (p[j] > 0.0) a = j;
        est.action[i] = a + 1;
        est.reward[i] = seenn2_reward(a + 1, correct(i, a), beta);
        reward_sum += est.reward[i];
    }
    for (int i = 0; i < n; ++i) {
        const double b = n > 1 ? (reward_sum - est.reward[i]) / (n - 1) : 0.0;
        const double w = -(est.reward[i] - b) / n;
        for (int j = 0; j < tm; ++j)
            est.grad(i, j) = w * ((j == est.action[i] - 1 ? 1.0 : 0.0) - pi(i, j));
    }
    return est;
}

}  // namespace earlyexit
