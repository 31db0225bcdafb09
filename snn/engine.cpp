#include "snn/engine.hpp"

#include <algorithm>
#include <stdexcept>

#include "common/rng.hpp"
#include "snn/kernels.hpp"

namespace snn {

engine::engine(const model& deployed, const synapse_op& synapse, std::uint64_t encoding_seed)
    : m_(deployed), syn_(synapse), seed_(encoding_seed) {
    if (m_.has_batchnorm())
        throw std::invalid_argument("snn::engine needs a deployed model: fold_batchnorm first");
    const auto& layers = m_.arch.layers;
    std::size_t off = 0;
    ann_ = m_.net.kind == "ann";
    rate_ = m_.net.encoding == "rate";
    bool binary = rate_;
    const bool direct = !rate_;
    bool still_static = direct;  // output identical every step while true
    for (std::size_t i = 0; i < layers.size(); ++i) {
        const auto& l = layers[i];
        if (l.kind == layer_kind::flatten) {
            out_off_.push_back(i == 0 ? 0 : out_off_.back());  // aliases its input
        } else {
            out_off_.push_back(off);
            off += l.out.size();
        }
        if (l.kind == layer_kind::lif) {
            mem_off_.push_back(mem_size_);
            mem_size_ += l.out.size();
            lif_layers_.push_back(static_cast<int>(i));
            binary = !ann_;
            still_static = false;
        } else if (l.has_weights() || l.kind == layer_kind::relu || l.kind == layer_kind::avgpool) {
            binary = false;
        }
        binary_out_.push_back(binary);
        if (still_static) static_prefix_ = static_cast<int>(i) + 1;
    }
    if (!syn_.time_invariant()) static_prefix_ = 0;
    act_size_ = off;
    in_size_ = static_cast<std::size_t>(m_.arch.input.size());
}

void engine::start(const float* images_chw, std::size_t n, std::size_t first_index) {
    n_ = n;
    first_ = first_index;
    t_ = 0;
    active_.resize(n);
    for (std::size_t i = 0; i < n; ++i) active_[i] = static_cast<int>(i);
    const auto& in = m_.arch.input;
    input_.resize(n * in_size_);
    for (std::size_t s = 0; s < n; ++s) {
        const float* src = images_chw + s * in_size_;
        float* dst = input_.data() + s * in_size_;
        for (int c = 0; c < in.c; ++c)
            for (int p = 0; p < in.h * in.w; ++p) dst[p * in.c + c] = src[c * in.h * in.w + p];
    }
    act_.resize(n * act_size_);  // every layer writes its output before it is read
    mem_.assign(n * mem_size_, 0.0f);
    // Membranes start at rest (v = 0) whatever the reset mode.
    enc_.assign(rate_ ? n * in_size_ : 0, 0.0f);
    counts_.assign(n * lif_layers_.size(), 0);
}

void engine::step() {
    ++t_;
    const int n_active = static_cast<int>(active_.size());
#pragma omp parallel for schedule(dynamic, 1)
    for (int a = 0; a < n_active; ++a) run_sample(active_[a]);
}

void engine::run_sample(int slot) {
    const auto& layers = m_.arch.layers;
    float* act = act_.data() + slot * act_size_;
    float* mem = mem_.data() + slot * mem_size_;
    std::uint32_t* counts = counts_.data() + slot * lif_layers_.size();
    const std::size_t sample = first_ + static_cast<std::size_t>(slot);
    const float* x = input_.data() + slot * in_size_;
    bool x_binary = false;
    if (rate_) {
        float* e = enc_.data() + slot * in_size_;
        const spikebar::counter_rng rng{seed_, sample, static_cast<std::uint64_t>(t_)};
        // Counter = pixel index in C, H, W order, so the draw does not depend on layout.
        const auto& in = m_.arch.input;
        for (int c = 0; c < in.c; ++c)
            for (int p = 0; p < in.h * in.w; ++p)
                e[p * in.c + c] = rng.uniform(static_cast<std::uint64_t>(c) * in.h * in.w + p) <
                                          x[p * in.c + c]
                                      ? 1.0f
                                      : 0.0f;
        x = e;
        x_binary = true;
    }
    const float decay = ann_ ? 0.0f : static_cast<float>(m_.lif.decay);
    const float threshold = static_cast<float>(m_.lif.threshold);
    const bool soft = m_.lif.reset == "soft";
    const float v_reset = static_cast<float>(m_.lif.v_reset);
    int lif_j = 0;
    for (std::size_t i = 0; i < layers.size(); ++i) {
        const auto& l = layers[i];
        float* out = act + out_off_[i];  // flatten overrides it below
        const bool reuse = t_ > 1 && static_cast<int>(i) < static_prefix_;
        switch (l.kind) {
            case layer_kind::conv:
            case layer_kind::linear:
                if (!reuse)
                    syn_.forward({sample, t_, static_cast<int>(i)}, x, x_binary, out);
                break;
            case layer_kind::lif: {
                float* v = mem + mem_off_[lif_j];
                if (ann_) {
                    for (int k = 0; k < l.out.size(); ++k) out[k] = std::max(x[k], 0.0f);
                } else {
                    counts[lif_j] = static_cast<std::uint32_t>(
                        kernels::lif_step(l.out.size(), decay, threshold, soft, v_reset, v, x, out));
                }
                ++lif_j;
                break;
            }
            case layer_kind::relu:
                for (int k = 0; k < l.out.size(); ++k) out[k] = std::max(x[k], 0.0f);
                break;
            case layer_kind::maxpool:
                if (!reuse) kernels::maxpool_forward(l, x, out, nullptr);
                break;
            case layer_kind::avgpool:
                if (!reuse) kernels::avgpool_forward(l, x, out);
                break;
            case layer_kind::flatten:
                out = const_cast<float*>(x);
                break;
            case layer_kind::bn:
                break;  // excluded by the constructor
        }
        x = out;
        x_binary = binary_out_[i];
    }
}

void engine::retire(const std::vector<unsigned char>& exit_flags) {
    std::size_t w = 0;
    for (std::size_t i = 0; i < active_.size(); ++i)
        if (!exit_flags[i]) active_[w++] = active_[i];
    active_.resize(w);
}

const float* engine::logits(int slot) const {
    return act_.data() + slot * act_size_ + out_off_.back();
}

int engine::lif_layer_size(int j) const { return m_.arch.layers[lif_layers_[j]].out.size(); }

const float* engine::membrane(int slot, int j) const {
    return mem_.data() + slot * mem_size_ + mem_off_[j];
}

const float* engine::spikes(int slot, int j) const {
    return act_.data() + slot * act_size_ + out_off_[lif_layers_[j]];
}

std::uint32_t engine::spike_count(int slot, int j) const {
    return counts_[slot * lif_layers_.size() + j];
}

}  // namespace snn
