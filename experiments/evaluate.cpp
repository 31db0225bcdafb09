#include "experiments/evaluate.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>

#include "earlyexit/controller.hpp"
#include "experiments/counting_synapse.hpp"
#include "experiments/crossbar_synapse.hpp"
#include "snn/engine.hpp"

namespace experiments {

int argmax(const float* v, int k) {
    int best = 0;
    for (int i = 1; i < k; ++i)
        if (v[i] > v[best]) best = i;
    return best;
}

namespace {

// Sizes of one lane's records.
struct record_shape {
    int T = 0, K = 0, S = 0, W = 0, E = 0;
    bool mvm = false, ops = false;
};

// Records of n samples, everything set to "not run" (NaN logits, prediction 255, zeros).
void reset_records(sample_records& r, const record_shape& s, std::size_t first, std::size_t n) {
    r.first = first;
    r.n = n;
    r.logits.assign(n * s.T * s.K, std::numeric_limits<float>::quiet_NaN());
    r.predictions.assign(n * s.T, 255);
    r.spikes.assign(n * s.T * s.S, 0);
    r.mvm.assign(s.mvm ? n * s.T * s.W : 0, crossbar::mvm_counts{});
    r.ops.assign(s.ops ? n * s.T * s.W : 0, op_counts{});
    r.energy.assign(n * s.T * s.E, 0.0);
    r.energy_step.assign(s.E ? n * s.T : 0, 0.0);
    r.exit_t.assign(n, 0);
    r.exit_prediction.assign(n, 0);
    r.exit_energy.assign(n, 0.0);
}

template <class T>
void append(std::vector<T>& to, const std::vector<T>& from) {
    to.insert(to.end(), from.begin(), from.end());
}

void append_records(sample_records& to, const sample_records& b) {
    to.n += b.n;
    append(to.logits, b.logits);
    append(to.predictions, b.predictions);
    append(to.spikes, b.spikes);
    append(to.mvm, b.mvm);
    append(to.ops, b.ops);
    append(to.energy, b.energy);
    append(to.energy_step, b.energy_step);
    append(to.exit_t, b.exit_t);
    append(to.exit_prediction, b.exit_prediction);
    append(to.exit_energy, b.exit_energy);
}

}  // namespace

std::vector<eval_result> evaluate_run(const snn::model& deployed,
                                      const std::vector<eval_lane>& lanes,
                                      const snn::dataset& data, const eval_options& opt) {
    const int T = deployed.steps();
    const int K = deployed.num_classes();
    const std::size_t N = data.size();
    const int nlanes = static_cast<int>(lanes.size());
    const int batch_size = std::max(1, opt.batch_size);
    if (data.frames != 1 && data.frames != T)
        throw std::invalid_argument("experiments::evaluate_run: " + std::to_string(data.frames) +
                                    " frames per sample for a model of T = " + std::to_string(T) +
                                    " steps");

    // The policy: the given one, or fixed T_max.
    std::unique_ptr<earlyexit::policy> fixed;
    const earlyexit::policy* policy = opt.policy;
    if (!policy) {
        earlyexit::earlyexit_params p;
        p.policy = "fixed";
        p.t_max = T;
        fixed = earlyexit::make_policy(p);
        policy = fixed.get();
    }
    const int words = policy->state_words();

    std::vector<std::unique_ptr<snn::engine>> eng;
    for (const eval_lane& ln : lanes)
        eng.push_back(std::make_unique<snn::engine>(deployed, *ln.synapse, opt.encoding_seed));
    std::unique_ptr<snn::engine> sh;
    if (opt.shadow) sh = std::make_unique<snn::engine>(deployed, *opt.shadow, opt.encoding_seed);
    const int S = eng.empty() ? 0 : eng.front()->num_lif_layers();
    const energy_model* em = opt.energy;

    std::vector<eval_result> res(lanes.size());
    std::vector<record_shape> shape(lanes.size());
    for (int k = 0; k < nlanes; ++k) {
        record_shape& s = shape[k];
        s.T = T;
        s.K = K;
        s.S = S;
        s.mvm = lanes[k].counted != nullptr;
        s.ops = lanes[k].ops != nullptr;
        s.W = s.mvm ? lanes[k].counted->num_layers() : s.ops ? lanes[k].ops->num_layers() : 0;
        s.E = em ? em->values_per_step() : 0;
        eval_result& r = res[k];
        r.timesteps = T;
        r.classes = K;
        r.samples = N;
        r.lif_layers = S;
        r.crossbar_layers = s.W;
        r.energy_values = s.E;
        r.online_exit = opt.online_exit;
        r.labels.assign(data.labels.begin(), data.labels.end());
        r.correct_at.assign(T, 0);
        r.exit_histogram.assign(T, 0);
        reset_records(r, s, 0, 0);
    }
    // Shadow sums: [lane][t][j] over all samples, and per batch [lane][slot][j] for one step;
    // ran[lane][t]: samples the lane ran at step t.
    std::vector<double> sq(sh ? nlanes * T * S : 0, 0.0);
    std::vector<std::uint64_t> mis(sq.size(), 0), ran(nlanes * T, 0);
    std::vector<double> sq_batch;
    std::vector<std::uint64_t> mis_batch;
    std::vector<float> S_acc;                    // [lane][slot][K] running S_t
    std::vector<std::uint8_t> live;              // [lane][slot] still in the lane's engine
    std::vector<sample_records> rec(lanes.size());
    std::vector<earlyexit::exit_controller> ctrl;
    for (int k = 0; k < nlanes; ++k) ctrl.emplace_back(*policy, K, T);
    earlyexit::row_matrix_f o;
    std::vector<unsigned char> flags;
    std::vector<double> cumulative(T);

    for (std::size_t first = 0; first < N; first += batch_size) {
        const std::size_t n = std::min<std::size_t>(batch_size, N - first);
        for (int k = 0; k < nlanes; ++k) {
            reset_records(rec[k], shape[k], first, n);
            eng[k]->start(data.image(first), n, first, data.frames);
            if (lanes[k].counted) lanes[k].counted->record_counts(rec[k].mvm.data(), first, n, T);
            if (lanes[k].ops) lanes[k].ops->record_counts(rec[k].ops.data(), first, n, T);
            ctrl[k].begin(int(n), opt.policy_state
                                      ? opt.policy_state + static_cast<std::ptrdiff_t>(first) * words
                                      : nullptr);
        }
        if (sh) sh->start(data.image(first), n, first, data.frames);
        S_acc.assign(nlanes * n * K, 0.0f);
        live.assign(nlanes * n, 1);
        for (int t = 1; t <= T; ++t) {
            if (sh && !sh->active().empty()) sh->step();
            for (int k = 0; k < nlanes; ++k) {
                snn::engine& e = *eng[k];
                if (e.active().empty()) continue;
                e.step();
                sample_records& r = rec[k];
                const record_shape& s = shape[k];
                for (const int i : e.active()) {
                    const std::size_t at = std::size_t(i) * T + (t - 1);
                    const float* out = e.logits(i);
                    float* acc = S_acc.data() + (k * n + i) * K;
                    for (int c = 0; c < K; ++c) acc[c] += out[c];
                    std::copy(out, out + K, r.logits.begin() + at * K);
                    r.predictions[at] = static_cast<std::uint8_t>(argmax(acc, K));
                    std::uint32_t* sp = r.spikes.data() + at * S;
                    for (int j = 0; j < S; ++j) sp[j] = e.spike_count(i, j);
                    if (em)
                        r.energy_step[at] =
                            em->step(t, sp, s.mvm ? r.mvm.data() + at * s.W : nullptr,
                                     s.ops ? r.ops.data() + at * s.W : nullptr,
                                     r.energy.data() + at * s.E);
                }
                ran[k * T + (t - 1)] += e.active().size();
            }
            if (sh) {
                // Per sample in parallel (each writes its own slots), then reduced in sample
                // order; samples a lane did not run add exact zeros.
                sq_batch.assign(nlanes * n * S, 0.0);
                mis_batch.assign(sq_batch.size(), 0);
                const long nn = static_cast<long>(n);
#pragma omp parallel for schedule(static)
                for (long i = 0; i < nn; ++i) {
                    for (int k = 0; k < nlanes; ++k) {
                        if (!live[k * n + i]) continue;
                        for (int j = 0; j < S; ++j) {
                            const int size = eng[k]->lif_layer_size(j);
                            const float* v = eng[k]->membrane(int(i), j);
                            const float* v0 = sh->membrane(int(i), j);
                            const float* sp = eng[k]->spikes(int(i), j);
                            const float* sp0 = sh->spikes(int(i), j);
                            double err = 0;
                            std::uint64_t m = 0;
                            for (int u = 0; u < size; ++u) {
                                const double d = double(v[u]) - double(v0[u]);
                                err += d * d;
                                m += sp[u] != sp0[u];
                            }
                            sq_batch[(k * n + i) * S + j] = err;
                            mis_batch[(k * n + i) * S + j] = m;
                        }
                    }
                }
                for (int k = 0; k < nlanes; ++k)
                    for (std::size_t i = 0; i < n; ++i)
                        for (int j = 0; j < S; ++j) {
                            sq[(k * T + (t - 1)) * S + j] += sq_batch[(k * n + i) * S + j];
                            mis[(k * T + (t - 1)) * S + j] += mis_batch[(k * n + i) * S + j];
                        }
            }
            // The controllers decide on S_t; online, exited samples leave the engines.
            for (int k = 0; k < nlanes; ++k) {
                earlyexit::exit_controller& c = ctrl[k];
                if (c.done()) continue;
                const std::vector<int>& act = c.active();
                o.resize(static_cast<Eigen::Index>(act.size()), K);
                for (std::size_t a = 0; a < act.size(); ++a) {
                    const float* out = rec[k].logits.data() + (std::size_t(act[a]) * T + (t - 1)) * K;
                    std::copy(out, out + K, o.data() + a * K);
                }
                const auto f = c.step(o);
                if (!opt.online_exit) continue;
                // Both active lists hold the same samples in ascending order.
                flags.assign(f.data(), f.data() + f.size());
                for (std::size_t a = 0; a < flags.size(); ++a)
                    if (flags[a]) live[k * n + eng[k]->active()[a]] = 0;
                eng[k]->retire(flags);
            }
            if (sh && opt.online_exit) {
                flags.assign(sh->active().size(), 1);
                for (std::size_t a = 0; a < flags.size(); ++a)
                    for (int k = 0; k < nlanes; ++k)
                        if (live[k * n + sh->active()[a]]) flags[a] = 0;
                sh->retire(flags);
            }
        }
        for (int k = 0; k < nlanes; ++k) {
            if (lanes[k].counted) lanes[k].counted->record_counts(nullptr, 0, 0, T);
            if (lanes[k].ops) lanes[k].ops->record_counts(nullptr, 0, 0, T);
            sample_records& r = rec[k];
            eval_result& res_k = res[k];
            for (std::size_t i = 0; i < n; ++i) {
                const std::size_t s = first + i;
                const int et = ctrl[k].exit_t()[i];
                r.exit_t[i] = static_cast<std::uint8_t>(et);
                r.exit_prediction[i] = static_cast<std::uint8_t>(ctrl[k].prediction()[i]);
                if (em) {
                    earlyexit::cumulate_energy(r.energy_step.data() + i * T, T, cumulative.data());
                    r.exit_energy[i] = cumulative[et - 1];
                    if (!opt.online_exit) res_k.full_energy_sum += cumulative[T - 1];
                }
                const bool right = r.exit_prediction[i] == data.labels[s];
                res_k.correct_at_exit += right;
                res_k.exit_t_sum += std::uint64_t(et);
                res_k.exit_energy_sum += r.exit_energy[i];
                res_k.exit_histogram[et - 1] += 1;
                if (!opt.online_exit)
                    for (int t = 0; t < T; ++t)
                        res_k.correct_at[t] += r.predictions[i * T + t] == data.labels[s];
            }
            if (opt.on_records) opt.on_records(k, r);
            if (opt.keep_records) append_records(res_k, r);
        }
        if (opt.on_batch) opt.on_batch(first + n);
    }
    if (sh) {
        for (int k = 0; k < nlanes; ++k) {
            eval_result& r = res[k];
            r.membrane_rmse.assign(T * S, 0.0);
            r.spike_mismatch.assign(T * S, 0.0);
            for (int t = 0; t < T; ++t)
                for (int j = 0; j < S; ++j) {
                    const double cells =
                        double(ran[k * T + t]) * double(eng[k]->lif_layer_size(j));
                    if (cells == 0) continue;
                    r.membrane_rmse[t * S + j] = std::sqrt(sq[(k * T + t) * S + j] / cells);
                    r.spike_mismatch[t * S + j] = double(mis[(k * T + t) * S + j]) / cells;
                }
        }
    }
    return res;
}

eval_result evaluate(const snn::model& deployed, const snn::synapse_op& synapse,
                     const snn::dataset& data, int batch_size, std::uint64_t encoding_seed,
                     const std::function<void(std::size_t)>& on_batch) {
    std::vector<eval_result> r = evaluate_lockstep(deployed, {eval_lane{&synapse}}, nullptr, data,
                                                   batch_size, encoding_seed, on_batch);
    return std::move(r.front());
}

std::vector<eval_result> evaluate_lockstep(const snn::model& deployed,
                                           const std::vector<eval_lane>& lanes,
                                           const snn::synapse_op* shadow, const snn::dataset& data,
                                           int batch_size, std::uint64_t encoding_seed,
                                           const std::function<void(std::size_t)>& on_batch) {
    eval_options opt;
    opt.batch_size = batch_size;
    opt.encoding_seed = encoding_seed;
    opt.shadow = shadow;
    opt.on_batch = on_batch;
    return evaluate_run(deployed, lanes, data, opt);
}

}  // namespace experiments
