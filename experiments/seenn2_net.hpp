// The SEENN-II policy net (Li et al., NeurIPS 2023): a small ANN, built and run with snn/,
// that reads an image and picks how many SNN timesteps it gets, and its training by
// policy gradient on the SNN's per-sample, per-timestep correctness (earlyexit/seenn2.hpp):
//
//   z_i = f(x_i) in R^T_max   (kind ann; body earlyexit.seenn2_layers + head linear:<T_max>)
//   T_i = 1 + argmax_j z_ij   (lowest j on ties; earlyexit::choose_timesteps)
//   r_i(t) = 2^-(t-1) if argmax S_t == y_i, else -beta;  maximize E_{t ~ softmax(z_i)} r_i(t)
//
// Training uses snn::trainer with an external output loss: per batch, the REINFORCE estimate
// of earlyexit::seenn2_reinforce (action draws keyed by (seed, epoch, dataset index), a
// leave-one-out baseline) is the gradient dL/dz, and the trainer back-propagates it with
// the usual AdamW, cosine schedule and augmentation. Everything is deterministic over
// thread counts; choose_timesteps also over batch sizes.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "snn/dataset.hpp"
#include "snn/model.hpp"
#include "snn/params.hpp"
#include "snn/trainer.hpp"

namespace experiments {

// Reads a policy net that spikebar train-policy wrote. Throws io_error naming the file when
// it is not a deployed ANN (kind ann, no BatchNorm) with t_max outputs, and config_error
// naming earlyexit.seenn2_model when path is empty.
snn::model load_policy_net(const std::string& path, int t_max);

// T_i in 1..t_max (t_max = the net's outputs) for every sample of `data`, in dataset order.
// Runs snn::engine with snn::ideal_synapse (one step, as an ANN runs); the result does not
// depend on batch_size or the thread count. Throws io_error when the net's input shape is
// not the dataset's image shape.
std::vector<std::int32_t> choose_timesteps(const snn::model& policy_net, const snn::dataset& data,
                                           int batch_size);

// Multiply-accumulates of one forward pass for one sample: conv H_out*W_out*k*k*C_in*C_out,
// linear in*out; pooling, ReLU and bias adds are not counted. [MAC]
std::uint64_t policy_net_macs(const snn::model& policy_net);

// An untrained training model (BatchNorm kept): `body` + ", linear:<t_max>", kind ann,
// Kaiming-uniform initialization keyed by seed. Throws config_error naming
// earlyexit.seenn2_layers when the body does not parse for this input.
snn::model make_policy_net(const std::string& body, int t_max, snn::shape3 input,
                           std::uint64_t seed);

// How a choice of timesteps does against a correctness table.
struct policy_score {
    double mean_reward = 0;     // mean_i r_i(T_i) [1]
    double mean_t = 0;          // mean_i T_i [timesteps]
    double accuracy = 0;        // fraction of samples right at T_i [1]
    std::vector<double> share;  // [t_max] fraction of samples with T_i = t [1]
};

// t: [N] chosen steps in 1..t_max; correct: [N x t_max] (earlyexit::correctness_table).
// Sums run in sample order.
policy_score score_timesteps(const std::vector<std::int32_t>& t,
                             const std::vector<std::uint8_t>& correct, int t_max, double beta);

struct policy_train_params {
    int t_max = 4;             // outputs of the policy net [timesteps]
    double beta = 1.0;         // reward of a wrong answer is -beta [1]
    std::uint64_t seed = 1;    // REINFORCE draws, initialization was keyed by it too [1]
    snn::train_params train;   // epochs, batch_size, lr, AdamW, schedule, augmentation and
                               // shuffling seed of the policy net
    int eval_batch_size = 16;  // batch of choose_timesteps on the held-out set [samples]
};

struct policy_epoch_report {
    int epoch = 0;               // 0-based
    std::size_t samples = 0;     // training samples seen this epoch
    double expected_reward = 0;  // mean over them of E_{t ~ pi}[r] when their batch was drawn [1]
    double sampled_reward = 0;   // mean r_i(a_i) of the REINFORCE draws [1]
    bool has_held_out = false;
    policy_score held_out;  // the epoch's deployed net on the held-out set
};

// Trains `net` (from make_policy_net) for p.train.epochs on `train` with its correctness
// table [N x t_max] and returns the deployed (BatchNorm-folded) net. After every epoch the
// folded net is scored on `held_out` when given (with its own table) and on_epoch is called.
snn::model train_policy_net(snn::model net, const snn::dataset& train,
                            const std::vector<std::uint8_t>& train_correct,
                            const snn::dataset* held_out,
                            const std::vector<std::uint8_t>* held_out_correct,
                            const policy_train_params& p,
                            const std::function<void(const policy_epoch_report&)>& on_epoch = {},
                            const std::function<void(const snn::batch_report&)>& on_batch = {});

}  // namespace experiments
