#include "snn/trainer.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "common/errors.hpp"
#include "common/rng.hpp"
#include "snn/kernels.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace snn {

namespace {
constexpr int chunks = backprop::reduction_chunks;
}

trainer::trainer(model m, const train_params& p, std::size_t steps_per_epoch)
    : m_(std::move(m)), p_(p), steps_per_epoch_(std::max<std::size_t>(steps_per_epoch, 1)) {
    ann_ = m_.is_ann();
    qcfs_ = ann_ && p_.ann_activation == "qcfs";
    {
        // A QCFS ANN's lif layers carry λ (threshold) and L (levels); nothing else may.
        model plain = m_;
        bool had_levels = false;
        for (std::size_t i = 0; i < plain.layers.size(); ++i) {
            auto& n = plain.layers[i].neuron;
            if (!ann_ || plain.arch.layers[i].kind != layer_kind::lif || n.levels.empty()) continue;
            had_levels = true;
            n.threshold.clear();
            n.levels.clear();
        }
        if (plain.is_general())
            throw std::invalid_argument(
                "snn::trainer: the model has layers or neuron parameters outside the config "
                "syntax (an imported network); only config-built networks can be trained");
        if (had_levels && !qcfs_)
            throw std::invalid_argument(
                "snn::trainer: the model has QCFS activations but train.ann_activation is relu");
    }
    if (qcfs_)
        for (std::size_t i = 0; i < m_.layers.size(); ++i) {
            auto& n = m_.layers[i].neuron;
            if (m_.arch.layers[i].kind != layer_kind::lif) continue;
            if (n.levels.empty()) {  // a fresh model; a checkpoint keeps its trained λ
                n.threshold = {static_cast<float>(p_.qcfs_lambda)};
                n.levels = {static_cast<float>(p_.qcfs_levels)};
            } else if (n.levels.size() != 1 || n.threshold.size() != 1 ||
                       n.levels[0] != static_cast<float>(p_.qcfs_levels)) {
                throw std::invalid_argument("snn::trainer: layer " + std::to_string(i) +
                                            " holds other QCFS levels than train.qcfs_levels");
            }
        }
    rate_ = m_.net.encoding == "rate";
    T_ = ann_ ? 1 : m_.net.timesteps;
    sg_.kind = parse_surrogate(p_.surrogate);
    sg_.alpha = p_.surrogate_alpha;
    lif_.decay = m_.lif.decay;
    lif_.threshold = m_.lif.threshold;
    lif_.v_reset = m_.lif.v_reset;
    lif_.soft_reset = m_.lif.reset == "soft";

    const auto& layers = m_.arch.layers;
    param_of_layer_.assign(layers.size(), -1);
    for (std::size_t i = 0; i < layers.size(); ++i) {
        auto& s = m_.layers[i];
        if (layers[i].has_weights()) {
            param_of_layer_[i] = static_cast<int>(params_.size());
            params_.push_back(&s.weight);
            decays_.push_back(true);
            params_.push_back(&s.bias);
            decays_.push_back(false);
        } else if (layers[i].kind == layer_kind::bn) {
            param_of_layer_[i] = static_cast<int>(params_.size());
            params_.push_back(&s.gamma);
            decays_.push_back(false);
            params_.push_back(&s.beta);
            decays_.push_back(false);
        } else if (qcfs_ && layers[i].kind == layer_kind::lif) {
            // λ: no weight decay, which would pull every threshold towards 0.
            param_of_layer_[i] = static_cast<int>(params_.size());
            params_.push_back(&s.neuron.threshold);
            decays_.push_back(false);
        }
    }
    for (auto* q : params_) {
        grads_.emplace_back(q->size(), 0.0f);
        opt_.m.emplace_back(q->size(), 0.0f);
        opt_.v.emplace_back(q->size(), 0.0f);
    }

    // Static prefix and storage sharing (flatten aliases its input); which layer inputs
    // are spikes, by the engine's rule (snn/engine.cpp), for a hardware synapse.
    bool still_static = !rate_;
    input_reps_ = rate_ ? T_ : 1;
    int storage = 0;
    bool binary = rate_;
    for (std::size_t i = 0; i < layers.size(); ++i) {
        const auto& l = layers[i];
        if (l.kind == layer_kind::lif) still_static = false;
        static_.push_back(still_static);
        store_.push_back(l.kind == layer_kind::flatten && i > 0 ? store_.back() : storage++);
        binary_in_.push_back(binary);
        if (l.is_neuron())
            binary = l.kind == layer_kind::lif && !ann_;
        else if (l.kind == layer_kind::threshold)
            binary = true;
        else if (l.kind != layer_kind::maxpool && l.kind != layer_kind::flatten)
            binary = false;
    }
    act_.resize(storage);
    grad_.resize(storage);
    aux_.resize(layers.size());
    argmax_.resize(layers.size());
    bn_inv_std_.resize(layers.size());
    chunk_dw_.resize(layers.size());
    chunk_db_.resize(layers.size());
}

std::vector<std::vector<float>*> trainer::parameters() { return params_; }

void trainer::set_hardware(hardware_synapse hw, bool reads_vary) {
    if (hw && m_.has_batchnorm())
        throw std::invalid_argument(
            "snn::trainer: hardware-aware training needs a network without bn layers (the chip "
            "holds BatchNorm-folded weights): fine-tune a trained model");
    hw_ = std::move(hw);
    // With reads that vary per step, nothing before the first lif repeats: every layer and
    // the input get T rows per sample.
    const bool per_step = hw_ && reads_vary && !ann_;
    bool still_static = !rate_ && !per_step;
    for (std::size_t i = 0; i < static_.size(); ++i) {
        if (m_.arch.layers[i].kind == layer_kind::lif) still_static = false;
        static_[i] = still_static;
    }
    input_reps_ = rate_ || per_step ? T_ : 1;
    B_ = 0;  // buffers are re-sized by the next batch
}

double trainer::learning_rate(std::int64_t step) const {
    const double total = static_cast<double>(p_.epochs) * steps_per_epoch_;
    const double warm = static_cast<double>(p_.warmup_epochs) * steps_per_epoch_;
    const double s = static_cast<double>(step);
    if (s < warm) return p_.lr * (s + 1) / warm;
    const double progress = std::min(1.0, (s - warm) / std::max(1.0, total - warm));
    return p_.lr_min + 0.5 * (p_.lr - p_.lr_min) * (1.0 + std::cos(M_PI * progress));
}

void trainer::ensure_buffers(int batch) {
    if (batch == B_) return;
    B_ = batch;
    const auto& layers = m_.arch.layers;
    for (std::size_t i = 0; i < layers.size(); ++i) {
        const auto& l = layers[i];
        const std::size_t reps = static_[i] ? 1 : T_;
        const std::size_t n = reps * B_ * l.out.size();
        act_[store_[i]].assign(n, 0.0f);
        grad_[store_[i]].assign(n, 0.0f);
        if (l.kind == layer_kind::lif || l.kind == layer_kind::bn) aux_[i].assign(n, 0.0f);
        if (l.kind == layer_kind::maxpool) argmax_[i].assign(n, 0);
        if (l.kind == layer_kind::conv) {
            chunk_dw_[i].assign(static_cast<std::size_t>(chunks) * m_.layers[i].weight.size(), 0.0f);
            chunk_db_[i].assign(static_cast<std::size_t>(chunks) * l.out.c, 0.0f);
        }
    }
    input_.assign(static_cast<std::size_t>(input_reps_) * B_ * m_.arch.input.size(), 0.0f);
    labels_.assign(B_, 0);
}

void trainer::load_batch(const dataset& d, const std::vector<std::size_t>& idx, int epoch,
                         bool augment) {
    const auto& in = m_.arch.input;
    const int C = in.c, H = in.h, W = in.w, pad = augment ? p_.crop_pad : 0;
    const std::size_t isz = in.size();
    std::vector<float> img(isz);
#pragma omp parallel for schedule(static) firstprivate(img)
    for (int b = 0; b < B_; ++b) {
        const std::size_t sample = idx[b];
        const float* src = d.image(sample);
        // Random crop: shift by (dy, dx) in [-pad, pad], zero fill; optional flip.
        const spikebar::counter_rng rng{p_.seed, 0xa09u, static_cast<std::uint64_t>(epoch), sample};
        const int dy = pad ? static_cast<int>(rng.bits(0) % (2 * pad + 1)) - pad : 0;
        const int dx = pad ? static_cast<int>(rng.bits(1) % (2 * pad + 1)) - pad : 0;
        const bool flip = augment && p_.hflip && (rng.bits(2) & 1);
        float* dst = input_.data() + static_cast<std::size_t>(b) * isz;
        for (int y = 0; y < H; ++y)
            for (int x = 0; x < W; ++x) {
                const int sy = y + dy, sx0 = x + dx;
                const int sx = flip ? W - 1 - sx0 : sx0;
                for (int c = 0; c < C; ++c)
                    dst[(y * W + x) * C + c] = (sy >= 0 && sy < H && sx0 >= 0 && sx0 < W)
                                                   ? src[(c * H + sy) * W + sx]
                                                   : 0.0f;
            }
        labels_[b] = d.labels[sample];
    }
    if (!rate_ && input_reps_ > 1) {
        // Direct encoding with reads that vary per step: the same image at every step.
        for (int t = 1; t < T_; ++t)
            std::copy(input_.begin(), input_.begin() + static_cast<std::ptrdiff_t>(B_) * isz,
                      input_.begin() + static_cast<std::ptrdiff_t>(t) * B_ * isz);
    }
    if (rate_) {
        // Rows t >= 1 first, then row 0 in place: Bernoulli spikes with p = intensity.
        for (int t = T_ - 1; t >= 0; --t) {
#pragma omp parallel for schedule(static)
            for (int b = 0; b < B_; ++b) {
                const spikebar::counter_rng rng{p_.seed, 0x7a7eu, static_cast<std::uint64_t>(epoch),
                                                idx[b], static_cast<std::uint64_t>(t)};
                const float* x = input_.data() + static_cast<std::size_t>(b) * isz;
                float* s = input_.data() + (static_cast<std::size_t>(t) * B_ + b) * isz;
                for (std::size_t k = 0; k < isz; ++k) s[k] = rng.uniform(k) < x[k] ? 1.0f : 0.0f;
            }
        }
    }
}

double trainer::forward_backward(const std::vector<std::size_t>& idx, int epoch, int* correct) {
    const auto& layers = m_.arch.layers;
    const int L = static_cast<int>(layers.size());
    auto reps_of = [&](int i) { return i < 0 ? input_reps_ : (static_[i] ? 1 : T_); };
    // Hardware-aware: this batch's synapse, made from the weights as they are now.
    const std::unique_ptr<const synapse_op> hw = hw_ ? hw_(m_, opt_.step) : nullptr;
    auto act_in = [&](int i) -> float* { return i == 0 ? input_.data() : act_[store_[i - 1]].data(); };
    auto grad_in = [&](int i) -> float* { return i == 0 ? nullptr : grad_[store_[i - 1]].data(); };

    // ---- forward, layer-major ----
    for (int i = 0; i < L; ++i) {
        const auto& l = layers[i];
        const int reps = reps_of(i), in_reps = reps_of(i - 1);
        const std::int64_t images = static_cast<std::int64_t>(reps) * B_;
        const int isz = l.in.size(), osz = l.out.size();
        const float* x = act_in(i);
        float* y = act_[store_[i]].data();
        switch (l.kind) {
            case layer_kind::conv:
            case layer_kind::linear: {
                const auto& s = m_.layers[i];
                const bool conv = l.kind == layer_kind::conv;
                if (hw) {
                    // Row j = step r, sample b; a static layer's one row is read at step 1,
                    // as the engine reads it (and reuses it while reads do not vary).
#pragma omp parallel for schedule(dynamic, 4)
                    for (std::int64_t j = 0; j < images; ++j) {
                        const synapse_site site{idx[static_cast<std::size_t>(j % B_)],
                                                static_cast<int>(j / B_) + 1, i};
                        hw->forward(site, x + j * isz, binary_in_[i], y + j * osz);
                    }
                    break;
                }
                kernels::sparse_map<float> sx;
#pragma omp parallel for schedule(dynamic, 4) firstprivate(sx)
                for (std::int64_t j = 0; j < images; ++j) {
                    sx.build(x + j * isz, conv ? l.in.h * l.in.w : 1, conv ? l.in.c : isz);
                    if (conv)
                        kernels::conv_forward(l, sx, s.weight.data(), s.bias.data(), y + j * osz);
                    else
                        kernels::linear_forward(osz, sx, s.weight.data(), s.bias.data(), y + j * osz);
                }
                break;
            }
            case layer_kind::bn: {
                auto& s = m_.layers[i];
                std::vector<double> mean, var;
                const std::int64_t rows = images * l.out.h * l.out.w;
                backprop::bn_forward(rows, l.out.c, x, s.gamma.data(), s.beta.data(), s.bn_eps,
                                     aux_[i].data(), y, mean, var, bn_inv_std_[i]);
                const double mom = p_.bn_momentum;
                for (int c = 0; c < l.out.c; ++c) {
                    s.running_mean[c] = static_cast<float>((1 - mom) * s.running_mean[c] + mom * mean[c]);
                    s.running_var[c] = static_cast<float>((1 - mom) * s.running_var[c] +
                                                          mom * var[c] * rows / std::max<std::int64_t>(rows - 1, 1));
                }
                break;
            }
            case layer_kind::lif:
                if (qcfs_) {
                    const auto& n = m_.layers[i].neuron;
                    backprop::qcfs_forward(images * osz, n.threshold[0], n.levels[0], x, y);
                    break;
                }
                if (ann_) {
#pragma omp parallel for schedule(static)
                    for (std::int64_t j = 0; j < images * osz; ++j) y[j] = std::max(x[j], 0.0f);
                    break;
                }
                {
                    const std::int64_t in_stride = in_reps == 1 ? 0 : static_cast<std::int64_t>(B_) * isz;
                    std::vector<float> v(osz);
#pragma omp parallel for schedule(static) firstprivate(v)
                    for (int b = 0; b < B_; ++b)
                        backprop::lif_forward_sequence(T_, osz, lif_, x + static_cast<std::int64_t>(b) * isz,
                                                       in_stride, y + static_cast<std::int64_t>(b) * osz,
                                                       aux_[i].data() + static_cast<std::int64_t>(b) * osz,
                                                       static_cast<std::int64_t>(B_) * osz, v.data());
                }
                break;
            case layer_kind::relu:
#pragma omp parallel for schedule(static)
                for (std::int64_t j = 0; j < images * osz; ++j) y[j] = std::max(x[j], 0.0f);
                break;
            case layer_kind::maxpool:
#pragma omp parallel for schedule(static)
                for (std::int64_t j = 0; j < images; ++j)
                    kernels::maxpool_forward(l, x + j * isz, y + j * osz, argmax_[i].data() + j * osz);
                break;
            case layer_kind::avgpool:
#pragma omp parallel for schedule(static)
                for (std::int64_t j = 0; j < images; ++j) kernels::avgpool_forward(l, x + j * isz, y + j * osz);
                break;
            case layer_kind::flatten:
                // Shares its input's storage, except as the first layer: the input buffer
                // is not one of act_, so copy it (channel-last order is the flatten order).
                if (i == 0) std::copy(x, x + images * isz, y);
                break;
            case layer_kind::sumpool:
            case layer_kind::scale:
            case layer_kind::threshold:
            case layer_kind::li:
                break;  // refused by the constructor
        }
    }

    // ---- loss ----
    const int K = layers.back().out.c;
    const int out_reps = reps_of(L - 1);
    float* O = act_[store_[L - 1]].data();
    float* dO = grad_[store_[L - 1]].data();
    double loss = 0;
    if (loss_) {
        std::fill(dO, dO + static_cast<std::size_t>(out_reps) * B_ * K, 0.0f);
        output_batch ob;
        ob.epoch = epoch;
        ob.steps = out_reps;
        ob.batch = B_;
        ob.width = K;
        ob.outputs = O;
        ob.indices = idx.data();
        ob.labels = labels_.data();
        ob.grad = dO;
        loss = loss_(ob);
        if (correct) *correct = ob.correct;
    } else {
        loss = backprop::tet_loss(out_reps, B_, K, O, labels_.data(), p_.tet_lambda, p_.tet_phi,
                                  dO, correct);
    }

    // ---- backward ----
    for (auto& g : grads_) std::fill(g.begin(), g.end(), 0.0f);
    int first_param_layer = L;
    for (int i = 0; i < L; ++i)
        if (param_of_layer_[i] >= 0) {
            first_param_layer = i;
            break;
        }
    for (int i = L - 1; i >= 0; --i) {
        const auto& l = layers[i];
        const int reps = reps_of(i), in_reps = reps_of(i - 1);
        const std::int64_t images = static_cast<std::int64_t>(reps) * B_;
        const int isz = l.in.size(), osz = l.out.size();
        const float* x = act_in(i);
        const float* gy = grad_[store_[i]].data();
        float* gx = grad_in(i);
        const bool need_gx = i > first_param_layer;
        switch (l.kind) {
            case layer_kind::conv:
            case layer_kind::linear: {
                const auto& s = m_.layers[i];
                const int pi = param_of_layer_[i];
                const std::size_t wsz = s.weight.size();
                float* cdw = chunk_dw_[i].data();
                float* cdb = chunk_db_[i].data();
                const bool conv = l.kind == layer_kind::conv;
                auto& gw = grads_[pi];
                auto& gb = grads_[pi + 1];
                if (conv) {
                    // Weight gradients of small conv kernels: one partial copy per fixed
                    // chunk of the batch, added up in chunk order.
                    std::fill(chunk_dw_[i].begin(), chunk_dw_[i].end(), 0.0f);
                    std::fill(chunk_db_[i].begin(), chunk_db_[i].end(), 0.0f);
                    kernels::sparse_map<float> sx;
#pragma omp parallel for schedule(dynamic, 1) firstprivate(sx)
                    for (int ch = 0; ch < chunks; ++ch) {
                        const int lo = B_ * ch / chunks, hi = B_ * (ch + 1) / chunks;
                        for (int r = 0; r < reps; ++r)
                            for (int b = lo; b < hi; ++b) {
                                const std::int64_t j = static_cast<std::int64_t>(r) * B_ + b;
                                sx.build(x + j * isz, l.in.h * l.in.w, l.in.c);
                                kernels::conv_backward_weights(l, sx, gy + j * osz, cdw + ch * wsz,
                                                               cdb + ch * l.out.c);
                            }
                    }
                    for (int ch = 0; ch < chunks; ++ch) {
#pragma omp parallel for schedule(static)
                        for (std::int64_t k = 0; k < static_cast<std::int64_t>(wsz); ++k)
                            gw[k] += cdw[ch * wsz + k];
                        for (int c = 0; c < l.out.c; ++c) gb[c] += cdb[ch * l.out.c + c];
                    }
                } else {
                    // Linear: split over input features, each summed over the whole batch.
                    const int blocks = 64;
#pragma omp parallel for schedule(dynamic, 1)
                    for (int blk = 0; blk < blocks; ++blk)
                        kernels::linear_backward_weights(static_cast<int>(images), isz, osz, x, gy,
                                                         isz * blk / blocks, isz * (blk + 1) / blocks,
                                                         gw.data());
                    for (std::int64_t j = 0; j < images; ++j)
                        for (int o = 0; o < osz; ++o) gb[o] += gy[j * osz + o];
                }
                if (!need_gx) break;
                {
                    // Transposed weights: conv wt[(ky,kx), co, ci] = w[(ky,kx), ci, co]
                    // (kk = k*k blocks); linear wt[o][i] = w[i][o] (one block).
                    const int kk = conv ? l.kernel * l.kernel : 1;
                    const int rows = conv ? l.in.c : isz, cols = l.out.c;
                    wt_.resize(s.weight.size());
                    for (int q = 0; q < kk; ++q)
                        for (int r = 0; r < rows; ++r)
                            for (int c = 0; c < cols; ++c)
                                wt_[(static_cast<std::size_t>(q) * cols + c) * rows + r] =
                                    s.weight[(static_cast<std::size_t>(q) * rows + r) * cols + c];
                }
                // A static input with per-step outputs cannot occur (only lif starts
                // the time dimension), so input and output have the same reps here.
#pragma omp parallel for schedule(dynamic, 4)
                for (std::int64_t j = 0; j < images; ++j) {
                    if (l.kind == layer_kind::conv)
                        kernels::conv_backward_input(l, gy + j * osz, wt_.data(), gx + j * isz);
                    else
                        kernels::linear_backward_input(isz, osz, gy + j * osz, wt_.data(), gx + j * isz);
                }
                break;
            }
            case layer_kind::bn: {
                const auto& s = m_.layers[i];
                const int pi = param_of_layer_[i];
                const std::int64_t rows = images * l.out.h * l.out.w;
                backprop::bn_backward(rows, l.out.c, gy, aux_[i].data(), bn_inv_std_[i], s.gamma.data(),
                                      gx, grads_[pi].data(),
                                      grads_[pi + 1].data());
                break;
            }
            case layer_kind::lif:
                if (qcfs_) {
                    const auto& n = m_.layers[i].neuron;
                    grads_[param_of_layer_[i]][0] += static_cast<float>(backprop::qcfs_backward(
                        images * osz, n.threshold[0], n.levels[0], x, gy, need_gx ? gx : nullptr));
                    break;
                }
                if (!need_gx) break;
                if (ann_) {
#pragma omp parallel for schedule(static)
                    for (std::int64_t j = 0; j < images * osz; ++j) gx[j] = x[j] > 0.0f ? gy[j] : 0.0f;
                    break;
                }
                {
                    const std::int64_t in_stride = in_reps == 1 ? 0 : static_cast<std::int64_t>(B_) * isz;
                    const std::int64_t stride = static_cast<std::int64_t>(B_) * osz;
                    std::vector<float> du(osz);
#pragma omp parallel for schedule(static) firstprivate(du)
                    for (int b = 0; b < B_; ++b)
                        backprop::lif_backward_sequence(
                            T_, osz, lif_, sg_, act_[store_[i]].data() + static_cast<std::int64_t>(b) * osz,
                            aux_[i].data() + static_cast<std::int64_t>(b) * osz,
                            gy + static_cast<std::int64_t>(b) * osz, stride,
                            gx + static_cast<std::int64_t>(b) * isz, in_stride, du.data());
                }
                break;
            case layer_kind::relu:
                if (!need_gx) break;
#pragma omp parallel for schedule(static)
                for (std::int64_t j = 0; j < images * osz; ++j) gx[j] = x[j] > 0.0f ? gy[j] : 0.0f;
                break;
            case layer_kind::maxpool:
            case layer_kind::avgpool:
                if (!need_gx) break;
#pragma omp parallel for schedule(static)
                for (std::int64_t j = 0; j < images; ++j) {
                    std::fill(gx + j * isz, gx + (j + 1) * isz, 0.0f);
                    if (l.kind == layer_kind::maxpool)
                        kernels::maxpool_backward(l, gy + j * osz, argmax_[i].data() + j * osz, gx + j * isz);
                    else
                        kernels::avgpool_backward(l, gy + j * osz, gx + j * isz);
                }
                break;
            case layer_kind::flatten:
                break;  // shares storage with its input
            case layer_kind::sumpool:
            case layer_kind::scale:
            case layer_kind::threshold:
            case layer_kind::li:
                break;  // refused by the constructor
        }
    }
    return loss;
}

void trainer::adam_step() {
    const double lr = learning_rate(opt_.step);
    ++opt_.step;
    const double b1 = p_.beta1, b2 = p_.beta2, eps = 1e-8;
    const double c1 = 1.0 - std::pow(b1, double(opt_.step));
    const double c2 = 1.0 - std::pow(b2, double(opt_.step));
    for (std::size_t q = 0; q < params_.size(); ++q) {
        auto& w = *params_[q];
        const auto& g = grads_[q];
        auto& m = opt_.m[q];
        auto& v = opt_.v[q];
        const float wd = decays_[q] ? static_cast<float>(lr * p_.weight_decay) : 0.0f;
        const float fb1 = float(b1), fb2 = float(b2), step = float(lr / c1), fc2 = float(1.0 / c2);
        const std::int64_t n = static_cast<std::int64_t>(w.size());
#pragma omp parallel for schedule(static)
        for (std::int64_t k = 0; k < n; ++k) {
            m[k] = fb1 * m[k] + (1 - fb1) * g[k];
            v[k] = fb2 * v[k] + (1 - fb2) * g[k] * g[k];
            w[k] -= step * m[k] / (std::sqrt(v[k] * fc2) + float(eps)) + wd * w[k];
        }
    }
}

double trainer::loss_and_gradients(const dataset& d, const std::vector<std::size_t>& indices) {
    ensure_buffers(static_cast<int>(indices.size()));
    load_batch(d, indices, 0, false);
    return forward_backward(indices, 0, nullptr);
}

epoch_report trainer::train_epoch(const dataset& train, int epoch,
                                  const std::function<void(const batch_report&)>& on_batch) {
    const std::size_t N = train.size();
    std::vector<std::size_t> order(N);
    std::iota(order.begin(), order.end(), 0);
    spikebar::counter_stream shuffle{p_.seed, 0x5bu, static_cast<std::uint64_t>(epoch)};
    for (std::size_t i = N; i > 1; --i) std::swap(order[i - 1], order[shuffle.below(i)]);

    const std::size_t bs = static_cast<std::size_t>(p_.batch_size);
    const std::size_t batches = N / bs;  // the last partial batch is dropped
    epoch_report rep;
    double loss_sum = 0;
    std::size_t correct_sum = 0;
    std::vector<std::size_t> idx(bs);
    for (std::size_t bi = 0; bi < batches; ++bi) {
        std::copy(order.begin() + bi * bs, order.begin() + (bi + 1) * bs, idx.begin());
        ensure_buffers(static_cast<int>(bs));
        load_batch(train, idx, epoch, true);
        int correct = 0;
        const double loss = forward_backward(idx, epoch, &correct);
        if (!std::isfinite(loss))
            throw std::runtime_error("training diverged: loss is " + std::to_string(loss) +
                                     " at epoch " + std::to_string(epoch + 1) + ", batch " +
                                     std::to_string(bi + 1) + " (lower train.lr)");
        const double lr = learning_rate(opt_.step);
        adam_step();
        loss_sum += loss * bs;
        correct_sum += correct;
        rep.samples += bs;
        if (on_batch) {
            batch_report br;
            br.epoch = epoch;
            br.batch = bi + 1;
            br.batches = batches;
            br.loss = loss_sum / rep.samples;
            br.accuracy = double(correct_sum) / rep.samples;
            br.lr = lr;
            on_batch(br);
        }
    }
    rep.loss = rep.samples ? loss_sum / rep.samples : 0;
    rep.accuracy = rep.samples ? double(correct_sum) / rep.samples : 0;
    return rep;
}

}  // namespace snn
