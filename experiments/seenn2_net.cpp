#include "experiments/seenn2_net.hpp"

#include <algorithm>
#include <stdexcept>

#include "common/errors.hpp"
#include "earlyexit/seenn2.hpp"
#include "snn/architecture.hpp"
#include "snn/engine.hpp"
#include "snn/model_io.hpp"
#include "snn/synapse.hpp"

namespace experiments {

namespace {

std::string shape_text(int c, int h, int w) {
    return "[" + std::to_string(c) + ", " + std::to_string(h) + ", " + std::to_string(w) + "]";
}

}  // namespace

snn::model load_policy_net(const std::string& path, int t_max) {
    if (path.empty())
        throw spikebar::config_error(
            "earlyexit.seenn2_model = '': policy seenn2 needs the policy net that spikebar "
            "train-policy --out wrote");
    snn::model m = snn::load_model(path);
    if (!m.is_ann())
        throw spikebar::io_error(path + ": /network@kind = '" + m.net.kind +
                                 "', a SEENN-II policy net is an ann (spikebar train-policy "
                                 "writes one)");
    if (m.has_batchnorm())
        throw spikebar::io_error(path +
                                 ": holds BatchNorm layers (a training checkpoint?); use the "
                                 "policy net spikebar train-policy wrote");
    if (m.num_classes() != t_max)
        throw spikebar::io_error(path + ": the policy net has " + std::to_string(m.num_classes()) +
                                 " outputs, earlyexit.t_max = " + std::to_string(t_max) +
                                 " needs one per timestep");
    return m;
}

std::vector<std::int32_t> choose_timesteps(const snn::model& policy_net, const snn::dataset& data,
                                           int batch_size) {
    if (!policy_net.is_ann())
        throw std::invalid_argument("choose_timesteps: the policy net must be an ann");
    if (batch_size < 1) throw std::invalid_argument("choose_timesteps: batch_size < 1");
    const auto& in = policy_net.arch.input;
    if (in.c != data.channels || in.h != data.height || in.w != data.width)
        throw spikebar::io_error("SEENN-II policy net: /network@input_shape is " +
                                 shape_text(in.c, in.h, in.w) + ", " + data.name + " images are " +
                                 shape_text(data.channels, data.height, data.width));
    const snn::ideal_synapse syn(policy_net);
    snn::engine eng(policy_net, syn, 0);
    const int K = policy_net.num_classes();
    const std::size_t N = data.size();
    std::vector<std::int32_t> out(N);
    earlyexit::row_matrix_d z;
    for (std::size_t first = 0; first < N; first += static_cast<std::size_t>(batch_size)) {
        const std::size_t n = std::min<std::size_t>(batch_size, N - first);
        eng.start(data.image(first), n, first);
        eng.step();
        z.resize(static_cast<Eigen::Index>(n), K);
        for (std::size_t s = 0; s < n; ++s) {
            const float* o = eng.logits(static_cast<int>(s));
            for (int j = 0; j < K; ++j) z(static_cast<Eigen::Index>(s), j) = o[j];
        }
        const std::vector<std::int32_t> t = earlyexit::choose_timesteps(z);
        std::copy(t.begin(), t.end(), out.begin() + static_cast<std::ptrdiff_t>(first));
    }
    return out;
}

std::uint64_t policy_net_macs(const snn::model& policy_net) {
    std::uint64_t macs = 0;
    for (const auto& l : policy_net.arch.layers) {
        if (l.kind == snn::layer_kind::conv)
            macs += static_cast<std::uint64_t>(l.out.h) * l.out.w * l.kh() * l.kw() * l.in.c *
                    l.out.c;
        else if (l.kind == snn::layer_kind::linear)
            macs += static_cast<std::uint64_t>(l.in.size()) * l.out.c;
    }
    return macs;
}

snn::model make_policy_net(const std::string& body, int t_max, snn::shape3 input,
                           std::uint64_t seed) {
    snn::network_params net;
    net.layers = body + ", linear:" + std::to_string(t_max);
    net.kind = "ann";
    net.timesteps = 1;
    net.encoding = "direct";
    try {
        return snn::make_model(net, snn::neuron_params{}, input, seed);
    } catch (const spikebar::config_error& e) {
        // The parser names network.layers and the whole text; name the key the user wrote.
        const std::string msg = e.what();
        const std::string prefix = "network.layers = \"" + net.layers + "\"";
        if (msg.rfind(prefix, 0) != 0) throw;
        throw spikebar::config_error(
            "earlyexit.seenn2_layers = \"" + body + "\"" + msg.substr(prefix.size()) +
            " (with the head linear:" + std::to_string(t_max) + " appended)");
    }
}

policy_score score_timesteps(const std::vector<std::int32_t>& t,
                             const std::vector<std::uint8_t>& correct, int t_max, double beta) {
    if (correct.size() != t.size() * static_cast<std::size_t>(t_max))
        throw std::invalid_argument("score_timesteps: " + std::to_string(t.size()) +
                                    " choices, a correctness table of " +
                                    std::to_string(correct.size()) + " entries");
    policy_score s;
    s.share.assign(t_max, 0.0);
    const std::size_t n = t.size();
    if (n == 0) return s;
    double reward = 0, steps = 0;
    std::size_t right = 0;
    std::vector<std::size_t> count(t_max, 0);
    for (std::size_t i = 0; i < n; ++i) {
        const int ti = t[i];
        if (ti < 1 || ti > t_max)
            throw std::invalid_argument("score_timesteps: T = " + std::to_string(ti) +
                                        " outside 1.." + std::to_string(t_max));
        const bool ok = correct[i * t_max + (ti - 1)] != 0;
        reward += earlyexit::seenn2_reward(ti, ok, beta);
        steps += ti;
        right += ok;
        ++count[ti - 1];
    }
    s.mean_reward = reward / double(n);
    s.mean_t = steps / double(n);
    s.accuracy = double(right) / double(n);
    for (int j = 0; j < t_max; ++j) s.share[j] = double(count[j]) / double(n);
    return s;
}

snn::model train_policy_net(snn::model net, const snn::dataset& train,
                            const std::vector<std::uint8_t>& train_correct,
                            const snn::dataset* held_out,
                            const std::vector<std::uint8_t>* held_out_correct,
                            const policy_train_params& p,
                            const std::function<void(const policy_epoch_report&)>& on_epoch,
                            const std::function<void(const snn::batch_report&)>& on_batch) {
    const int tm = p.t_max;
    if (!net.is_ann() || net.num_classes() != tm)
        throw std::invalid_argument("train_policy_net: needs an ann with t_max outputs");
    if (train_correct.size() != train.size() * static_cast<std::size_t>(tm))
        throw std::invalid_argument("train_policy_net: correctness table does not match the set");
    if (held_out && (!held_out_correct ||
                     held_out_correct->size() != held_out->size() * static_cast<std::size_t>(tm)))
        throw std::invalid_argument("train_policy_net: held-out table does not match the set");
    const std::size_t bs = static_cast<std::size_t>(p.train.batch_size);
    const std::size_t steps = train.size() / bs;
    if (steps == 0)
        throw spikebar::config_error("earlyexit.seenn2_batch_size = " + std::to_string(bs) +
                                     ": larger than the training set (" +
                                     std::to_string(train.size()) + " samples)");
    snn::trainer tr(std::move(net), p.train, steps);

    // Per-epoch sums of the loss callback, reset by the epoch loop.
    double expected_sum = 0, sampled_sum = 0;
    std::size_t seen = 0;
    earlyexit::row_matrix_d z;
    earlyexit::correct_matrix c;
    std::vector<std::int64_t> ids;
    tr.set_output_loss([&](snn::output_batch& b) {
        if (b.steps != 1 || b.width != tm)
            throw std::logic_error("train_policy_net: policy net output is not [B x t_max]");
        const int B = b.batch;
        z.resize(B, tm);
        c.resize(B, tm);
        ids.resize(B);
        for (int r = 0; r < B; ++r) {
            const std::size_t i = b.indices[r];
            ids[r] = static_cast<std::int64_t>(i);
            for (int j = 0; j < tm; ++j) {
                z(r, j) = b.outputs[static_cast<std::size_t>(r) * tm + j];
                c(r, j) = train_correct[i * tm + j];
            }
        }
        const earlyexit::reinforce_estimate est = earlyexit::seenn2_reinforce(
            z, c, p.beta, p.seed, static_cast<std::uint64_t>(b.epoch), ids.data());
        for (int r = 0; r < B; ++r)
            for (int j = 0; j < tm; ++j)
                b.grad[static_cast<std::size_t>(r) * tm + j] = static_cast<float>(est.grad(r, j));
        const double J = earlyexit::seenn2_objective(z, c, p.beta);  // -mean E[r]
        int right = 0;
        for (int r = 0; r < B; ++r) {
            sampled_sum += est.reward[r];
            right += c(r, est.action[r] - 1);
        }
        expected_sum -= J * B;
        seen += static_cast<std::size_t>(B);
        b.correct = right;
        return J;
    });

    for (int epoch = 0; epoch < p.train.epochs; ++epoch) {
        expected_sum = sampled_sum = 0;
        seen = 0;
        tr.train_epoch(train, epoch, on_batch);
        policy_epoch_report rep;
        rep.epoch = epoch;
        rep.samples = seen;
        rep.expected_reward = seen ? expected_sum / double(seen) : 0.0;
        rep.sampled_reward = seen ? sampled_sum / double(seen) : 0.0;
        if (held_out) {
            const snn::model deployed = snn::fold_batchnorm(tr.net());
            rep.has_held_out = true;
            rep.held_out = score_timesteps(choose_timesteps(deployed, *held_out, p.eval_batch_size),
                                           *held_out_correct, tm, p.beta);
        }
        if (on_epoch) on_epoch(rep);
    }
    return snn::fold_batchnorm(tr.net());
}

}  // namespace experiments
