#include "snn/engine.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "common/rng.hpp"
#include "snn/kernels.hpp"

namespace snn {

namespace {

// Points `ref` at the layer's own values (one per neuron or one for all) or at `fallback`.
kernels::param_ref resolve(const std::vector<float>& own, std::size_t n, const float* fallback,
                           std::size_t layer, const char* name) {
    if (own.empty()) return {fallback, 0};
    if (own.size() == 1) return {own.data(), 0};
    if (own.size() != n)
        throw std::invalid_argument("snn::engine: layer " + std::to_string(layer) + " " + name +
                                    " has " + std::to_string(own.size()) + " values for " +
                                    std::to_string(n) + " neurons");
    return {own.data(), 1};
}

}  // namespace

engine::engine(const model& deployed, const synapse_op& synapse, std::uint64_t encoding_seed)
    : m_(deployed), syn_(synapse), seed_(encoding_seed) {
    if (m_.has_batchnorm())
        throw std::invalid_argument("snn::engine needs a deployed model: fold_batchnorm first");
    const auto& layers = m_.arch.layers;
    std::size_t off = 0;
    ann_ = m_.is_ann();
    rate_ = m_.net.encoding == "rate";
    bool binary = rate_;
    for (std::size_t i = 0; i < layers.size(); ++i) {
        const auto& l = layers[i];
        if (l.kind == layer_kind::flatten) {
            out_off_.push_back(i == 0 ? 0 : out_off_.back());  // aliases its input
        } else {
            out_off_.push_back(off);
            off += l.out.size();
        }
        neuron_of_.push_back(-1);
        if (l.is_neuron()) {
            neuron_of_.back() = static_cast<int>(plans_.size());
            plans_.emplace_back();
            if (l.kind == layer_kind::lif) lif_layers_.push_back(static_cast<int>(i));
            binary = l.kind == layer_kind::lif && !ann_;
        } else if (l.kind == layer_kind::threshold) {
            binary = true;
        } else if (l.kind != layer_kind::maxpool && l.kind != layer_kind::flatten) {
            binary = false;  // weighted sums, relu, sums, averages and scalings
        }
        binary_out_.push_back(binary);
    }
    act_size_ = off;
    in_size_ = static_cast<std::size_t>(m_.arch.input.size());

    const neuron_params& lif = m_.lif;
    for (std::size_t i = 0; i < layers.size(); ++i) {
        if (neuron_of_[i] < 0) continue;
        const auto& l = layers[i];
        const neuron_layer_params& own = m_.layers[i].neuron;
        neuron_plan& p = plans_[neuron_of_[i]];
        const std::size_t n = static_cast<std::size_t>(l.out.size());
        p.mem_off = mem_size_;
        p.size = static_cast<int>(n);
        mem_size_ += n;
        // Defaults: decay, gain, drive, threshold, v_reset, syn_gain, v_init.
        p.storage = {static_cast<float>(lif.decay), 1.0f, 0.0f, static_cast<float>(lif.threshold),
                     static_cast<float>(lif.v_reset), 1.0f, 0.0f};
        const float* d = p.storage.data();
        auto& k = p.k;
        k.decay = resolve(own.decay, n, d + 0, i, "decay");
        k.gain = resolve(own.gain, n, d + 1, i, "gain");
        k.drive = resolve(own.drive, n, d + 2, i, "drive");
        k.threshold = resolve(own.threshold, n, d + 3, i, "threshold");
        k.v_reset = resolve(own.v_reset, n, d + 4, i, "v_reset");
        p.v_init = resolve(own.v_init, n, d + 6, i, "v_init");
        if (ann_ && !own.levels.empty()) {
            if (own.levels.size() != 1 || own.threshold.size() != 1 || !(own.levels[0] >= 1) ||
                !(own.threshold[0] > 0))
                throw std::invalid_argument("snn::engine: layer " + std::to_string(i) +
                                            " needs one threshold > 0 and one levels >= 1 for "
                                            "its QCFS activation");
            p.qcfs = true;
        }
        k.has_syn = !own.syn_decay.empty();
        if (k.has_syn) {
            k.syn_decay = resolve(own.syn_decay, n, d + 0, i, "syn_decay");
            k.syn_gain = resolve(own.syn_gain, n, d + 5, i, "syn_gain");
            p.syn_off = syn_size_;
            syn_size_ += n;
        }
        k.soft = (own.reset.empty() ? lif.reset : own.reset) == "soft";
        k.fire_above = own.fire_above;
        k.spiking = l.kind == layer_kind::lif;
        p.uniform = k.spiking && !k.has_syn && !k.fire_above && k.decay.step == 0 &&
                    k.gain.step == 0 && k.gain[0] == 1.0f && k.drive.step == 0 &&
                    k.drive[0] == 0.0f && k.threshold.step == 0 && k.v_reset.step == 0;
        p.decay = k.decay[0];
        p.threshold = k.threshold[0];
        p.v_reset = k.v_reset[0];
        p.soft = k.soft;
    }
}

void engine::start(const float* inputs, std::size_t n, std::size_t first_index, int frames) {
    if (frames < 1) throw std::invalid_argument("snn::engine::start: frames must be >= 1");
    if (frames > 1 && rate_)
        throw std::invalid_argument("snn::engine::start: rate encoding takes static inputs");
    n_ = n;
    first_ = first_index;
    frames_ = frames;
    t_ = 0;
    active_.resize(n);
    for (std::size_t i = 0; i < n; ++i) active_[i] = static_cast<int>(i);
    const auto& in = m_.arch.input;
    const std::size_t nf = n * static_cast<std::size_t>(frames);
    input_.resize(nf * in_size_);
    for (std::size_t s = 0; s < nf; ++s) {
        const float* src = inputs + s * in_size_;
        float* dst = input_.data() + s * in_size_;
        for (int c = 0; c < in.c; ++c)
            for (int p = 0; p < in.h * in.w; ++p) dst[p * in.c + c] = src[c * in.h * in.w + p];
    }
    // Layers before the first neuron see the same input every step when the input is
    // static and analog, and the synapse is a pure function of its input.
    static_prefix_ = 0;
    if (!rate_ && frames == 1 && syn_.time_invariant()) {
        const auto& layers = m_.arch.layers;
        while (static_prefix_ < static_cast<int>(layers.size()) &&
               !layers[static_prefix_].is_neuron())
            ++static_prefix_;
    }
    act_.resize(n * act_size_);  // every layer writes its output before it is read
    mem_.assign(n * mem_size_, 0.0f);
    cur_.assign(n * syn_size_, 0.0f);
    // Membranes start at rest (v = 0) whatever the reset mode, or at the layer's v_init.
    for (const neuron_plan& p : plans_) {
        if (p.v_init.step == 0 && p.v_init[0] == 0.0f) continue;
        for (std::size_t s = 0; s < n; ++s) {
            float* v = mem_.data() + s * mem_size_ + p.mem_off;
            for (int k = 0; k < p.size; ++k) v[k] = p.v_init[k];
        }
    }
    enc_.assign(rate_ ? n * in_size_ : 0, 0.0f);
    counts_.assign(n * lif_layers_.size(), 0);
}

void engine::step() {
    if (t_ >= frames_ && frames_ > 1)
        throw std::invalid_argument("snn::engine::step: the inputs hold " +
                                    std::to_string(frames_) + " frames, step " +
                                    std::to_string(t_ + 1) + " has none");
    ++t_;
    const int n_active = static_cast<int>(active_.size());
#pragma omp parallel for schedule(dynamic, 1)
    for (int a = 0; a < n_active; ++a) run_sample(active_[a]);
}

void engine::neuron_forward(std::size_t layer, int lif_j, int neuron_j, float* mem, float* syn,
                            const float* x, float* out, std::uint32_t* counts) const {
    const layer_spec& l = m_.arch.layers[layer];
    const neuron_plan& p = plans_[neuron_j];
    float* v = mem + p.mem_off;
    const int n = l.out.size();
    if (ann_ && l.kind == layer_kind::lif) {
        if (p.qcfs) {
            const float lambda = p.k.threshold[0], levels = m_.layers[layer].neuron.levels[0];
            for (int k = 0; k < n; ++k) out[k] = kernels::qcfs(x[k], lambda, levels);
        } else {
            for (int k = 0; k < n; ++k) out[k] = std::max(x[k], 0.0f);
        }
        return;
    }
    const int spikes =
        p.uniform ? kernels::lif_step(n, p.decay, p.threshold, p.soft, p.v_reset, v, x, out)
                  : kernels::neuron_step(n, p.k, v, syn + p.syn_off, x, out);
    if (lif_j >= 0) counts[lif_j] = static_cast<std::uint32_t>(spikes);
}

void engine::run_sample(int slot) {
    const auto& layers = m_.arch.layers;
    float* act = act_.data() + slot * act_size_;
    float* mem = mem_.data() + slot * mem_size_;
    float* syn = cur_.data() + slot * syn_size_;
    std::uint32_t* counts = counts_.data() + slot * lif_layers_.size();
    const std::size_t sample = first_ + static_cast<std::size_t>(slot);
    const int frame = frames_ > 1 ? t_ - 1 : 0;
    const float* x = input_.data() + (static_cast<std::size_t>(slot) * frames_ + frame) * in_size_;
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
    int lif_j = 0;
    for (std::size_t i = 0; i < layers.size(); ++i) {
        const auto& l = layers[i];
        const layer_state& st = m_.layers[i];
        float* out = act + out_off_[i];  // flatten overrides it below
        const bool reuse = t_ > 1 && static_cast<int>(i) < static_prefix_;
        const int n = l.out.size();
        switch (l.kind) {
            case layer_kind::conv:
            case layer_kind::linear:
                if (!reuse)
                    syn_.forward({sample, t_, static_cast<int>(i)}, x, x_binary, out);
                break;
            case layer_kind::lif:
            case layer_kind::li:
                neuron_forward(i, l.kind == layer_kind::lif ? lif_j : -1, neuron_of_[i], mem, syn,
                               x, out, counts);
                if (l.kind == layer_kind::lif) ++lif_j;
                break;
            case layer_kind::relu:
                for (int k = 0; k < n; ++k) out[k] = std::max(x[k], 0.0f);
                break;
            case layer_kind::maxpool:
                if (!reuse) kernels::maxpool_forward(l, x, out, nullptr);
                break;
            case layer_kind::avgpool:
            case layer_kind::sumpool:
                if (!reuse) kernels::pool_sum_forward(l, x, out, l.kind == layer_kind::avgpool);
                break;
            case layer_kind::scale:
                if (!reuse) {
                    const kernels::param_ref s{st.weight.data(), st.weight.size() == 1 ? 0 : 1};
                    for (int k = 0; k < n; ++k) out[k] = s[k] * x[k];
                }
                break;
            case layer_kind::threshold:
                if (!reuse) {
                    const kernels::param_ref th{st.bias.data(), st.bias.size() == 1 ? 0 : 1};
                    if (st.fire_above)
                        for (int k = 0; k < n; ++k) out[k] = x[k] > th[k] ? 1.0f : 0.0f;
                    else
                        for (int k = 0; k < n; ++k) out[k] = x[k] >= th[k] ? 1.0f : 0.0f;
                }
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
    return mem_.data() + slot * mem_size_ + plans_[neuron_of_[lif_layers_[j]]].mem_off;
}

const float* engine::spikes(int slot, int j) const {
    return act_.data() + slot * act_size_ + out_off_[lif_layers_[j]];
}

std::uint32_t engine::spike_count(int slot, int j) const {
    return counts_[slot * lif_layers_.size() + j];
}

}  // namespace snn
