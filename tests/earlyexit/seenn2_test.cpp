// SEENN-II objective: the exact gradient against central finite differences of the expected
// reward, and the REINFORCE estimator's mean over many keyed draws against the exact gradient
// within sampling error.
#include "earlyexit/seenn2.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

using namespace earlyexit;

namespace {
struct tiny_problem {
    row_matrix_d z;
    correct_matrix c;
};
// N = 3 samples, T_max = 4, logits of order 1 so every action has probability >= ~0.05.
tiny_problem make_tiny() {
    tiny_problem p;
    p.z.resize(3, 4);
    p.z << 0.3, -0.2, 0.5, 0.1, -0.4, 0.8, 0.0, -0.1, 1.0, 0.2, -0.5, 0.3;
    p.c.resize(3, 4);
    p.c << 0, 1, 1, 1, 1, 1, 0, 1, 0, 0, 0, 1;
    return p;
}
}  // namespace

TEST_CASE("the reward is 2^-(t-1) when right and -beta when wrong") {
    CHECK(seenn2_reward(1, true, 0.5) == 1.0);
    CHECK(seenn2_reward(3, true, 0.5) == 0.25);
    CHECK(seenn2_reward(2, false, 0.5) == -0.5);
}

TEST_CASE("inference picks 1 + argmax of the policy logits, lowest on ties") {
    row_matrix_d z(3, 4);
    z << 0, 2, 1, 2, 5, 0, 0, 0, -1, -1, -1, -0.5;
    CHECK(choose_timesteps(z) == std::vector<std::int32_t>{2, 1, 4});
}

TEST_CASE("the exact gradient matches central finite differences of the objective") {
    // Reference: (J(z + h e_ij) - J(z - h e_ij)) / 2h, h = 1e-5: truncation ~ h^2 |J'''| ~ 1e-10,
    // rounding ~ 1e-16 / h ~ 1e-11; tolerance 1e-8.
    const tiny_problem p = make_tiny();
    for (double beta : {0.0, 0.3, 2.0}) {
        const row_matrix_d g = seenn2_exact_gradient(p.z, p.c, beta);
        for (int i = 0; i < 3; ++i)
            for (int j = 0; j < 4; ++j) {
                row_matrix_d zp = p.z, zm = p.z;
                const double h = 1e-5;
                zp(i, j) += h;
                zm(i, j) -= h;
                const double fd =
                    (seenn2_objective(zp, p.c, beta) - seenn2_objective(zm, p.c, beta)) / (2 * h);
                INFO("beta " << beta << " i " << i << " j " << j);
                CHECK(std::abs(g(i, j) - fd) < 1e-8);
            }
    }
}

TEST_CASE("REINFORCE averaged over keyed draws matches the exact gradient within sampling error") {
    // 40000 epochs; each component's mean must be within 5 standard errors (estimated from the
    // draws) of the exact value. The standard error is ~3e-4 against gradients of ~1e-2, so a
    // biased baseline (a batch mean including r_i shrinks E[g] by 1 - 1/N = 2/3) fails.
    const tiny_problem p = make_tiny();
    const double beta = 0.5;
    const std::uint64_t seed = 7;
    INFO("seed " << seed);
    const row_matrix_d exact = seenn2_exact_gradient(p.z, p.c, beta);
    const int draws = 40000;
    row_matrix_d sum = row_matrix_d::Zero(3, 4), sum2 = row_matrix_d::Zero(3, 4);
    std::vector<int> count(4, 0);
    for (int e = 0; e < draws; ++e) {
        const reinforce_estimate est = seenn2_reinforce(p.z, p.c, beta, seed, e);
        sum += est.grad;
        sum2 += est.grad.cwiseProduct(est.grad);
        ++count[est.action[0] - 1];
    }
    const row_matrix_d mean = sum / draws;
    const row_matrix_d se = ((sum2 / draws - mean.cwiseProduct(mean)) / draws).cwiseSqrt();
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 4; ++j) {
            INFO("i " << i << " j " << j << " mean " << mean(i, j) << " exact " << exact(i, j)
                      << " se " << se(i, j));
            CHECK(std::abs(mean(i, j) - exact(i, j)) < 5 * se(i, j) + 1e-12);
        }
    // Action frequencies of sample 0 against softmax(z_0) within 5 binomial standard errors.
    const Eigen::RowVectorXd z0 = p.z.row(0);
    const Eigen::RowVectorXd pi =
        (z0.array() - z0.maxCoeff()).exp().matrix() / (z0.array() - z0.maxCoeff()).exp().sum();
    for (int j = 0; j < 4; ++j)
        CHECK(std::abs(count[j] / double(draws) - pi(j)) <
              5 * std::sqrt(pi(j) * (1 - pi(j)) / draws));
}

TEST_CASE("a draw depends only on (seed, epoch, sample id), not on the batch it is in") {
    const tiny_problem p = make_tiny();
    const std::int64_t ids[] = {100, 200, 300};
    const reinforce_estimate all = seenn2_reinforce(p.z, p.c, 0.5, 3, 9, ids);
    const row_matrix_d z1 = p.z.row(1);
    const correct_matrix c1 = p.c.row(1);
    const reinforce_estimate one = seenn2_reinforce(z1, c1, 0.5, 3, 9, ids + 1);
    CHECK(one.action[0] == all.action[1]);
    int differ = 0;
    for (int e = 0; e < 20; ++e)
        differ += seenn2_reinforce(p.z, p.c, 0.5, 3, e, ids).action[1] != all.action[1];
    CHECK(differ > 0);
}
