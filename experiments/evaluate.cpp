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

// One evaluate_run: the lanes' engines, the shadow, the exit controllers, and the sums that
// outlive a batch. run() is the loop over batches and steps; each step of it is a method.
class lockstep {
public:
    lockstep(const snn::model& deployed, const std::vector<eval_lane>& lanes,
             const snn::dataset& data, const eval_options& opt);
    std::vector<eval_result> run();

private:
    void start_batch(std::size_t first, std::size_t n);
    void step_lanes(int t, std::size_t n);
    void shadow_errors(int t, std::size_t n);
    void decide(int t, std::size_t n);
    void finish_batch(std::size_t first, std::size_t n);
    void shadow_summaries();

    const std::vector<eval_lane>& lanes_;
    const snn::dataset& data_;
    const eval_options& opt_;
    const int T_, K_, nlanes_;
    std::unique_ptr<earlyexit::policy> fixed_;  // the policy when none is given
    const earlyexit::policy* policy_;
    const energy_model* em_;
    std::vector<std::unique_ptr<snn::engine>> eng_;  // one per lane
    std::unique_ptr<snn::engine> sh_;                // the shadow, or null
    int S_ = 0;                                      // lif layers
    std::vector<eval_result> res_;
    std::vector<record_shape> shape_;
    // Shadow sums: [lane][t][j] over all samples, and per batch [lane][slot][j] for one step;
    // ran_[lane][t]: samples the lane ran at step t.
    std::vector<double> sq_, sq_batch_;
    std::vector<std::uint64_t> mis_, ran_, mis_batch_;
    std::vector<float> S_acc_;          // [lane][slot][K] running S_t
    std::vector<std::uint8_t> live_;    // [lane][slot] still in the lane's engine
    std::vector<sample_records> rec_;   // [lane] this batch's records
    std::vector<earlyexit::exit_controller> ctrl_;
    earlyexit::row_matrix_f o_;
    std::vector<unsigned char> flags_;
    std::vector<double> cumulative_;
};

lockstep::lockstep(const snn::model& deployed, const std::vector<eval_lane>& lanes,
                   const snn::dataset& data, const eval_options& opt)
    : lanes_(lanes),
      data_(data),
      opt_(opt),
      T_(deployed.steps()),
      K_(deployed.num_classes()),
      nlanes_(static_cast<int>(lanes.size())),
      policy_(opt.policy),
      em_(opt.energy) {
    if (data.frames != 1 && data.frames != T_)
        throw std::invalid_argument("experiments::evaluate_run: " + std::to_string(data.frames) +
                                    " frames per sample for a model of T = " + std::to_string(T_) +
                                    " steps");
    if (!policy_) {
        earlyexit::earlyexit_params p;
        p.policy = "fixed";
        p.t_max = T_;
        fixed_ = earlyexit::make_policy(p);
        policy_ = fixed_.get();
    }
    for (const eval_lane& ln : lanes)
        eng_.push_back(std::make_unique<snn::engine>(deployed, *ln.synapse, opt.encoding_seed));
    if (opt.shadow) sh_ = std::make_unique<snn::engine>(deployed, *opt.shadow, opt.encoding_seed);
    S_ = eng_.empty() ? 0 : eng_.front()->num_lif_layers();

    const std::size_t N = data.size();
    res_.resize(lanes.size());
    shape_.resize(lanes.size());
    for (int k = 0; k < nlanes_; ++k) {
        record_shape& s = shape_[k];
        s.T = T_;
        s.K = K_;
        s.S = S_;
        s.mvm = lanes[k].counted != nullptr;
        s.ops = lanes[k].ops != nullptr;
        s.W = s.mvm ? lanes[k].counted->num_layers() : s.ops ? lanes[k].ops->num_layers() : 0;
        s.E = em_ ? em_->values_per_step() : 0;
        eval_result& r = res_[k];
        r.timesteps = T_;
        r.classes = K_;
        r.samples = N;
        r.lif_layers = S_;
        r.crossbar_layers = s.W;
        r.energy_values = s.E;
        r.online_exit = opt.online_exit;
        r.labels.assign(data.labels.begin(), data.labels.end());
        r.correct_at.assign(T_, 0);
        r.exit_histogram.assign(T_, 0);
        reset_records(r, s, 0, 0);
    }
    sq_.assign(sh_ ? nlanes_ * T_ * S_ : 0, 0.0);
    mis_.assign(sq_.size(), 0);
    ran_.assign(nlanes_ * T_, 0);
    rec_.resize(lanes.size());
    for (int k = 0; k < nlanes_; ++k) ctrl_.emplace_back(*policy_, K_, T_);
    cumulative_.resize(T_);
}

std::vector<eval_result> lockstep::run() {
    const std::size_t N = data_.size();
    const std::size_t batch_size = std::size_t(std::max(1, opt_.batch_size));
    for (std::size_t first = 0; first < N; first += batch_size) {
        const std::size_t n = std::min<std::size_t>(batch_size, N - first);
        start_batch(first, n);
        for (int t = 1; t <= T_; ++t) {
            if (sh_ && !sh_->active().empty()) sh_->step();
            step_lanes(t, n);
            if (sh_) shadow_errors(t, n);
            decide(t, n);
        }
        finish_batch(first, n);
        if (opt_.on_batch) opt_.on_batch(first + n);
    }
    if (sh_) shadow_summaries();
    return std::move(res_);
}

// Samples [first, first + n) enter every engine and controller, with empty records.
void lockstep::start_batch(std::size_t first, std::size_t n) {
    const int words = policy_->state_words();
    for (int k = 0; k < nlanes_; ++k) {
        reset_records(rec_[k], shape_[k], first, n);
        eng_[k]->start(data_.image(first), n, first, data_.frames);
        if (lanes_[k].counted) lanes_[k].counted->record_counts(rec_[k].mvm.data(), first, n, T_);
        if (lanes_[k].ops) lanes_[k].ops->record_counts(rec_[k].ops.data(), first, n, T_);
        ctrl_[k].begin(int(n), opt_.policy_state
                                   ? opt_.policy_state + static_cast<std::ptrdiff_t>(first) * words
                                   : nullptr);
    }
    if (sh_) sh_->start(data_.image(first), n, first, data_.frames);
    S_acc_.assign(nlanes_ * n * K_, 0.0f);
    live_.assign(nlanes_ * n, 1);
}

// Step t of every lane's engine: O_t, the prediction on S_t, spike counts and energy of
// each active sample.
void lockstep::step_lanes(int t, std::size_t n) {
    const int T = T_, K = K_, S = S_;
    for (int k = 0; k < nlanes_; ++k) {
        snn::engine& e = *eng_[k];
        if (e.active().empty()) continue;
        e.step();
        sample_records& r = rec_[k];
        const record_shape& s = shape_[k];
        for (const int i : e.active()) {
            const std::size_t at = std::size_t(i) * T + (t - 1);
            const float* out = e.logits(i);
            float* acc = S_acc_.data() + (k * n + i) * K;
            for (int c = 0; c < K; ++c) acc[c] += out[c];
            std::copy(out, out + K, r.logits.begin() + at * K);
            r.predictions[at] = static_cast<std::uint8_t>(argmax(acc, K));
            std::uint32_t* sp = r.spikes.data() + at * S;
            for (int j = 0; j < S; ++j) sp[j] = e.spike_count(i, j);
            if (em_)
                r.energy_step[at] = em_->step(t, sp, s.mvm ? r.mvm.data() + at * s.W : nullptr,
                                              s.ops ? r.ops.data() + at * s.W : nullptr,
                                              r.energy.data() + at * s.E);
        }
        ran_[k * T + (t - 1)] += e.active().size();
    }
}

// Membrane and spike differences to the shadow after step t: per sample in parallel (each
// writes its own slots), then reduced in sample order; samples a lane did not run add exact
// zeros.
void lockstep::shadow_errors(int t, std::size_t n) {
    const int T = T_, S = S_;
    sq_batch_.assign(nlanes_ * n * S, 0.0);
    mis_batch_.assign(sq_batch_.size(), 0);
    const long nn = static_cast<long>(n);
#pragma omp parallel for schedule(static)
    for (long i = 0; i < nn; ++i) {
        for (int k = 0; k < nlanes_; ++k) {
            if (!live_[k * n + i]) continue;
            for (int j = 0; j < S; ++j) {
                const int size = eng_[k]->lif_layer_size(j);
                const float* v = eng_[k]->membrane(int(i), j);
                const float* v0 = sh_->membrane(int(i), j);
                const float* sp = eng_[k]->spikes(int(i), j);
                const float* sp0 = sh_->spikes(int(i), j);
                double err = 0;
                std::uint64_t m = 0;
                for (int u = 0; u < size; ++u) {
                    const double d = double(v[u]) - double(v0[u]);
                    err += d * d;
                    m += sp[u] != sp0[u];
                }
                sq_batch_[(k * n + i) * S + j] = err;
                mis_batch_[(k * n + i) * S + j] = m;
            }
        }
    }
    for (int k = 0; k < nlanes_; ++k)
        for (std::size_t i = 0; i < n; ++i)
            for (int j = 0; j < S; ++j) {
                sq_[(k * T + (t - 1)) * S + j] += sq_batch_[(k * n + i) * S + j];
                mis_[(k * T + (t - 1)) * S + j] += mis_batch_[(k * n + i) * S + j];
            }
}

// The controllers decide on S_t; online, exited samples leave the engines (and the shadow,
// once no lane runs them).
void lockstep::decide(int t, std::size_t n) {
    const int T = T_, K = K_;
    for (int k = 0; k < nlanes_; ++k) {
        earlyexit::exit_controller& c = ctrl_[k];
        if (c.done()) continue;
        const std::vector<int>& act = c.active();
        o_.resize(static_cast<Eigen::Index>(act.size()), K);
        for (std::size_t a = 0; a < act.size(); ++a) {
            const float* out = rec_[k].logits.data() + (std::size_t(act[a]) * T + (t - 1)) * K;
            std::copy(out, out + K, o_.data() + a * K);
        }
        const auto f = c.step(o_);
        if (!opt_.online_exit) continue;
        // Both active lists hold the same samples in ascending order.
        flags_.assign(f.data(), f.data() + f.size());
        for (std::size_t a = 0; a < flags_.size(); ++a)
            if (flags_[a]) live_[k * n + eng_[k]->active()[a]] = 0;
        eng_[k]->retire(flags_);
    }
    if (sh_ && opt_.online_exit) {
        flags_.assign(sh_->active().size(), 1);
        for (std::size_t a = 0; a < flags_.size(); ++a)
            for (int k = 0; k < nlanes_; ++k)
                if (live_[k * n + sh_->active()[a]]) flags_[a] = 0;
        sh_->retire(flags_);
    }
}

// Exits, exit energies and the run's sums of samples [first, first + n), then the records
// go to the callback and, if kept, into the results.
void lockstep::finish_batch(std::size_t first, std::size_t n) {
    const int T = T_;
    for (int k = 0; k < nlanes_; ++k) {
        if (lanes_[k].counted) lanes_[k].counted->record_counts(nullptr, 0, 0, T);
        if (lanes_[k].ops) lanes_[k].ops->record_counts(nullptr, 0, 0, T);
        sample_records& r = rec_[k];
        eval_result& res_k = res_[k];
        for (std::size_t i = 0; i < n; ++i) {
            const std::size_t s = first + i;
            const int et = ctrl_[k].exit_t()[i];
            r.exit_t[i] = static_cast<std::uint8_t>(et);
            r.exit_prediction[i] = static_cast<std::uint8_t>(ctrl_[k].prediction()[i]);
            if (em_) {
                earlyexit::cumulate_energy(r.energy_step.data() + i * T, T, cumulative_.data());
                r.exit_energy[i] = cumulative_[et - 1];
                if (!opt_.online_exit) res_k.full_energy_sum += cumulative_[T - 1];
            }
            const bool right = r.exit_prediction[i] == data_.labels[s];
            res_k.correct_at_exit += right;
            res_k.exit_t_sum += std::uint64_t(et);
            res_k.exit_energy_sum += r.exit_energy[i];
            res_k.exit_histogram[et - 1] += 1;
            if (!opt_.online_exit)
                for (int t = 0; t < T; ++t)
                    res_k.correct_at[t] += r.predictions[i * T + t] == data_.labels[s];
        }
        if (opt_.on_records) opt_.on_records(k, r);
        if (opt_.keep_records) append_records(res_k, r);
    }
}

// Membrane RMSE and spike mismatch per lane, step and lif layer, over the samples run.
void lockstep::shadow_summaries() {
    const int T = T_, S = S_;
    for (int k = 0; k < nlanes_; ++k) {
        eval_result& r = res_[k];
        r.membrane_rmse.assign(T * S, 0.0);
        r.spike_mismatch.assign(T * S, 0.0);
        for (int t = 0; t < T; ++t)
            for (int j = 0; j < S; ++j) {
                const double cells = double(ran_[k * T + t]) * double(eng_[k]->lif_layer_size(j));
                if (cells == 0) continue;
                r.membrane_rmse[t * S + j] = std::sqrt(sq_[(k * T + t) * S + j] / cells);
                r.spike_mismatch[t * S + j] = double(mis_[(k * T + t) * S + j]) / cells;
            }
    }
}

}  // namespace

std::vector<eval_result> evaluate_run(const snn::model& deployed,
                                      const std::vector<eval_lane>& lanes,
                                      const snn::dataset& data, const eval_options& opt) {
    return lockstep(deployed, lanes, data, opt).run();
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
