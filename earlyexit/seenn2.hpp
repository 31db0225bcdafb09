// SEENN-II (Li et al., NeurIPS 2023): a small policy network reads the input and picks the
// number of timesteps T in {1..T_max} before the SNN runs. The network itself is built and
// trained with the snn/ code; this header holds what is specific to early exit:
//
// Policy:    pi_i(t) = softmax_t(z_i)_t over policy logits z_i [T_max], in double.
// Reward:    r_i(t) = 2^-(t-1) if the SNN is right on sample i at t (argmax S_t == y_i),
//            r_i(t) = -beta    otherwise.
// Objective: J(z) = -(1/N) sum_i E_{t ~ pi_i}[r_i(t)]   (minimized)
// Exact:     dJ/dz_ij = -(1/N) pi_ij (r_i(j) - rbar_i),   rbar_i = sum_t pi_it r_i(t)
// REINFORCE: a_i ~ pi_i drawn by inverse CDF from u = counter_rng{seed, epoch, sample}.uniform(0),
//            g_ij = -(1/N) (r_i(a_i) - b_i) (1[j == a_i] - pi_ij),
//            b_i = mean_{k != i} r_k(a_k) (leave-one-out mean reward; 0 when N = 1).
// The leave-one-out baseline is independent of a_i, so E[g] = dJ/dz exactly; a batch mean
// that includes r_i itself would shrink the expectation by (1 - 1/N).
// Inference: T_i = 1 + argmax_j z_ij (lowest j on ties), then a preset_policy exits at T_i.
#pragma once
#include <Eigen/Core>
#include <cstdint>
#include <vector>

namespace earlyexit {

using row_matrix_d = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using correct_matrix = Eigen::Matrix<std::uint8_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// r(t), t 1-based.
double seenn2_reward(int t, bool correct, double beta);

// [N] chosen timesteps T_i = 1 + argmax_j logits(i, j); the initial state of a preset_policy.
std::vector<std::int32_t> choose_timesteps(const Eigen::Ref<const row_matrix_d>& logits);

// J(z) above. logits and correct are [N x T_max]; correct from correctness_table().
double seenn2_objective(const Eigen::Ref<const row_matrix_d>& logits,
                        const Eigen::Ref<const correct_matrix>& correct, double beta);

// dJ/dz, exact, [N x T_max].
row_matrix_d seenn2_exact_gradient(const Eigen::Ref<const row_matrix_d>& logits,
                                   const Eigen::Ref<const correct_matrix>& correct, double beta);

struct reinforce_estimate {
    row_matrix_d grad;           // g [N x T_max], an unbiased estimate of dJ/dz
    std::vector<int> action;     // a_i, 1-based [timesteps]
    std::vector<double> reward;  // r_i(a_i) [1]
};

// sample_ids: the dataset index of each row (keys its draw); null means 0..N-1.
reinforce_estimate seenn2_reinforce(const Eigen::Ref<const row_matrix_d>& logits,
                                    const Eigen::Ref<const correct_matrix>& correct, double beta,
                                    std::uint64_t seed, std::uint64_t epoch,
                                    const std::int64_t* sample_ids = nullptr);

}  // namespace earlyexit
