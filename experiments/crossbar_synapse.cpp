#include "experiments/crossbar_synapse.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "common/errors.hpp"
#include "snn/engine.hpp"
#include "snn/kernels.hpp"

namespace experiments {

namespace {

// What a layer's output can hold, as far as the crossbar's input stage cares.
enum class value_range {
    spikes,   // only 0 and 1
    bounded,  // analog in [0, bound]: images, pools, sums and positive scalings of spikes
    other,    // anything else (weighted sums, ReLU outputs, membranes, negative scalings)
};

}  // namespace

crossbar_mapping map_model(const snn::model& deployed) {
    using snn::layer_kind;
    if (deployed.has_batchnorm())
        throw std::invalid_argument(
            "crossbar mapping needs a deployed model: fold_batchnorm first");
    const bool ann = deployed.is_ann();
    value_range r = deployed.net.encoding == "rate" ? value_range::spikes : value_range::bounded;
    float bound = r == value_range::spikes ? 1.0f : deployed.input_max;
    crossbar_mapping map;
    const auto& layers = deployed.arch.layers;
    map.chip_layer.assign(layers.size(), -1);
    for (std::size_t i = 0; i < layers.size(); ++i) {
        const snn::layer_spec& l = layers[i];
        switch (l.kind) {
            case layer_kind::conv:
            case layer_kind::linear: {
                if (r == value_range::other)
                    throw spikebar::config_error(
                        "crossbar: layer " + std::to_string(i) + " (" +
                        snn::layer_kind_name(l.kind) +
                        ") takes analog input with no known bound (" +
                        (ann ? "an ANN model" : "no lif layer before it") +
                        "); only spikes and bounded non-negative inputs (images, pooled spikes) map "
                        "onto the DAC");
                crossbar::layer_matrix lm;
                lm.in = snn::weight_rows(l);
                lm.out = l.out.c;
                lm.weight = deployed.layers[i].weight;
                lm.bias = deployed.layers[i].bias;
                lm.binary_input = r == value_range::spikes;
                lm.input_max = bound;
                map.chip_layer[i] = int(map.matrices.size());
                map.model_layer.push_back(int(i));
                map.matrices.push_back(std::move(lm));
                r = value_range::other;
                break;
            }
            case layer_kind::lif:
                r = ann ? value_range::other : value_range::spikes;
                bound = 1.0f;
                break;
            case layer_kind::threshold:
                r = value_range::spikes;
                bound = 1.0f;
                break;
            case layer_kind::relu:
            case layer_kind::li:
                r = value_range::other;
                break;
            case layer_kind::avgpool:
                if (r == value_range::spikes) r = value_range::bounded;
                break;
            case layer_kind::sumpool:
                // A window sums at most kh * kw values of at most `bound`.
                if (r == value_range::spikes) r = value_range::bounded;
                bound *= float(l.kh() * l.kw());
                break;
            case layer_kind::scale: {
                const auto& s = deployed.layers[i].weight;
                const float lo = *std::min_element(s.begin(), s.end());
                const float hi = *std::max_element(s.begin(), s.end());
                if (r != value_range::other) {
                    if (lo < 0.0f)
                        r = value_range::other;
                    else if (!(r == value_range::spikes && hi == 1.0f))
                        r = value_range::bounded, bound *= hi;
                }
                break;
            }
            case layer_kind::maxpool:
            case layer_kind::flatten:
            case layer_kind::bn:
                break;
        }
    }
    return map;
}

namespace {

// The ideal synapse, plus a copy of every weighted layer's input into a preallocated
// record; each (sample, timestep, layer) has its own slot, so concurrent calls never
// share memory.
class recording_synapse final : public snn::synapse_op {
public:
    recording_synapse(const snn::model& m, const crossbar_mapping& map, std::size_t first,
                      std::size_t n, int T)
        : ideal_(m),
          m_(m),
          map_(map),
          first_(first),
          T_(T),
          slots_(map.model_layer.size()),
          seen_(map.model_layer.size()) {
        for (std::size_t c = 0; c < slots_.size(); ++c) {
            const std::size_t size = std::size_t(m.arch.layers[map.model_layer[c]].in.size());
            slots_[c].assign(n * T * size, 0.0f);
            seen_[c].assign(n * T, 0);
        }
    }
    void forward(const snn::synapse_site& site, const float* in, bool binary_input,
                 float* out) const override {
        const int c = map_.chip_layer[site.layer];
        const std::size_t size = std::size_t(m_.arch.layers[site.layer].in.size());
        const std::size_t slot = (site.sample - first_) * T_ + (site.timestep - 1);
        std::copy(in, in + size, slots_[c].begin() + slot * size);
        seen_[c][slot] = 1;
        ideal_.forward(site, in, binary_input, out);
    }
    bool time_invariant() const override { return ideal_.time_invariant(); }

    // The recorded inputs in (sample, timestep) order.
    calibration_inputs take(std::size_t n) {
        calibration_inputs r;
        r.samples = n;
        r.inputs.resize(slots_.size());
        for (std::size_t c = 0; c < slots_.size(); ++c) {
            const std::size_t size = std::size_t(m_.arch.layers[map_.model_layer[c]].in.size());
            for (std::size_t s = 0; s < seen_[c].size(); ++s)
                if (seen_[c][s])
                    r.inputs[c].insert(r.inputs[c].end(), slots_[c].begin() + s * size,
                                       slots_[c].begin() + (s + 1) * size);
        }
        return r;
    }

private:
    snn::ideal_synapse ideal_;
    const snn::model& m_;
    const crossbar_mapping& map_;
    std::size_t first_;
    int T_;
    mutable std::vector<std::vector<float>> slots_;
    mutable std::vector<std::vector<unsigned char>> seen_;
};

}  // namespace

calibration_inputs record_calibration_inputs(const snn::model& deployed, const snn::dataset& data,
                                             std::size_t first, std::size_t n,
                                             std::uint64_t encoding_seed) {
    first = std::min(first, data.size());
    n = std::min(n, data.size() - first);
    const crossbar_mapping map = map_model(deployed);
    const int T = deployed.steps();
    recording_synapse rec(deployed, map, first, n, T);
    snn::engine eng(deployed, rec, encoding_seed);
    if (n > 0) {
        eng.start(data.image(first), n, first, data.frames);
        for (int t = 1; t <= T; ++t) eng.step();
    }
    return rec.take(n);
}

void calibrate_chips(const snn::model& deployed, const snn::dataset& data, std::size_t n,
                     std::uint64_t encoding_seed, const std::vector<crossbar_synapse*>& chips,
                     std::size_t batch) {
    n = std::min(n, data.size());
    for (std::size_t first = 0; first < n; first += batch) {
        const calibration_inputs rec = record_calibration_inputs(
            deployed, data, first, std::min(batch, n - first), encoding_seed);
        for (crossbar_synapse* c : chips) c->calibrate(rec);
    }
}

namespace {

// im2col of output position (oy, ox): x[(ky * kw + kx) * C_in + ci], zero outside the map
// (taps as in snn::kernels::for_each_tap).
void im2col_position(const snn::layer_spec& l, const float* in, int oy, int ox, float* x) {
    const int cin = l.in.c, kh = l.kh(), kw = l.kw();
    for (int ky = 0; ky < kh; ++ky) {
        const int iy = oy * l.sh() + ky * l.dh() - l.ph();
        for (int kx = 0; kx < kw; ++kx) {
            const int ix = ox * l.sw() + kx * l.dw() - l.pw();
            float* xr = x + (ky * kw + kx) * cin;
            const bool inside = iy >= 0 && iy < l.in.h && ix >= 0 && ix < l.in.w;
            if (cin == 1)  // a one-channel image: no library call per tap
                *xr = inside ? in[std::size_t(iy) * l.in.w + ix] : 0.0f;
            else if (!inside)
                std::fill(xr, xr + cin, 0.0f);
            else
                std::copy_n(in + (std::size_t(iy) * l.in.w + ix) * cin, cin, xr);
        }
    }
}

}  // namespace

crossbar_synapse::crossbar_synapse(const snn::model& deployed, const crossbar::chip_params& params,
                                   std::uint64_t seed, std::uint64_t chip_index)
    : m_(deployed), map_(map_model(deployed)), chip_(map_.matrices, params, seed, chip_index) {
    // The chip holds its own tile data; the weight copies are no longer needed.
    for (auto& lm : map_.matrices) {
        lm.weight = {};
        lm.bias = {};
    }
    // Analog layers before the first neuron, under direct encoding, read the same input at
    // every step: with read noise (otherwise the engine reuses their output) their
    // noiseless reads are cached per sample.
    static_input_.assign(map_.model_layer.size(), 0);
    if (params.device.read_noise_sigma > 0 && deployed.net.encoding != "rate") {
        for (std::size_t c = 0; c < map_.model_layer.size(); ++c) {
            bool before_neuron = true;
            for (int i = 0; i < map_.model_layer[c]; ++i)
                if (deployed.arch.layers[i].is_neuron()) before_neuron = false;
            static_input_[c] = before_neuron && !map_.matrices[c].binary_input;
        }
        if (std::find(static_input_.begin(), static_input_.end(), 1) != static_input_.end())
            cache_.reset(new read_cache[cache_slots]);
    }
}

bool crossbar_synapse::cached_forward(int c, const snn::layer_spec& l, std::size_t sample,
                                      std::uint64_t t, const float* in, float* out,
                                      crossbar::mvm_counts* cnt) const {
    // The cache adds a layer's read energy as one total; an energy already in *cnt would
    // then be summed in another order than chip::mvm's, so such a read is not cached.
    if (cnt && cnt->read_energy_j != 0) return false;
    read_cache& r = cache_[sample % cache_slots];
    std::unique_lock<std::mutex> hold(r.lock, std::try_to_lock);
    if (!hold.owns_lock()) return false;  // another sample of this step has the slot
    const std::size_t in_size = std::size_t(l.in.size());
    const bool conv = l.kind == snn::layer_kind::conv;
    const int positions = conv ? l.out.h * l.out.w : 1;
    const std::size_t sf = chip_.read_state_floats(c);
    // Reads made without counters (eval.record_energy = false) skip the read energy's
    // quadratic form; a counted read cannot reuse them.
    const bool hit = r.valid && r.sample == sample && r.layer == c && r.input.size() == in_size &&
                     (r.counted || !cnt) &&
                     std::memcmp(r.input.data(), in, in_size * sizeof(float)) == 0;
    if (!hit) {
        thread_local std::vector<float> x;
        r.valid = false;
        r.input.assign(in, in + in_size);
        r.state.resize(std::size_t(positions) * sf);
        r.counts = {};
        r.counted = cnt != nullptr;
        if (conv && x.size() < std::size_t(snn::weight_rows(l))) x.resize(snn::weight_rows(l));
        for (int p = 0; p < positions; ++p) {
            const float* xp = in;
            if (conv) {
                im2col_position(l, in, p / l.out.w, p % l.out.w, x.data());
                xp = x.data();
            }
            chip_.mvm_noiseless(c, xp, r.state.data() + std::size_t(p) * sf,
                                r.counted ? &r.counts : nullptr);
        }
        r.sample = sample;
        r.layer = c;
        r.valid = true;
    } else {
        cache_hits_.fetch_add(1, std::memory_order_relaxed);
    }
    const int cout = l.out.c;
    for (int p = 0; p < positions; ++p)
        chip_.mvm_from_state(c, r.state.data() + std::size_t(p) * sf,
                             out + std::size_t(p) * (conv ? cout : 0),
                             {sample, t, std::uint64_t(p)});
    if (cnt) {
        // *cnt held no energy (checked above), so adding the layer's total equals adding
        // each read's counts in order; the integer counts add in any order.
        cnt->tile_reads += r.counts.tile_reads;
        cnt->row_activations += r.counts.row_activations;
        cnt->dac_conversions += r.counts.dac_conversions;
        cnt->adc_conversions += r.counts.adc_conversions;
        cnt->read_energy_j += r.counts.read_energy_j;
    }
    return true;
}

void crossbar_synapse::calibrate(const calibration_inputs& calib) {
    if (calib.inputs.size() != map_.model_layer.size())
        throw std::invalid_argument("crossbar calibration record has " +
                                    std::to_string(calib.inputs.size()) + " layers, the chip " +
                                    std::to_string(map_.model_layer.size()));
    const int nl = num_layers();
    // Each layer's tiles are disjoint; the full scale is a maximum, so neither the order
    // of the vectors nor the thread count changes it.
#pragma omp parallel for schedule(dynamic, 1)
    for (int c = 0; c < nl; ++c) {
        const snn::layer_spec& l = m_.arch.layers[map_.model_layer[c]];
        const std::size_t size = std::size_t(l.in.size());
        const std::vector<float>& rec = calib.inputs[c];
        const std::size_t count = size ? rec.size() / size : 0;
        if (l.kind == snn::layer_kind::linear) {
            chip_.calibrate_adc(c, rec.data(), count);
            continue;
        }
        const int rows = snn::weight_rows(l), positions = l.out.h * l.out.w;
        std::vector<float> cols(std::size_t(positions) * rows);
        for (std::size_t v = 0; v < count; ++v) {
            const float* in = rec.data() + v * size;
            for (int oy = 0; oy < l.out.h; ++oy)
                for (int ox = 0; ox < l.out.w; ++ox)
                    im2col_position(l, in, oy, ox,
                                    cols.data() + std::size_t(oy * l.out.w + ox) * rows);
            chip_.calibrate_adc(c, cols.data(), std::size_t(positions));
        }
    }
}

bool crossbar_synapse::time_invariant() const {
    return !(chip_.params().device.read_noise_sigma > 0);
}

void crossbar_synapse::record_counts(crossbar::mvm_counts* counts, std::size_t first, std::size_t n,
                                     int timesteps) {
    counts_ = counts;
    counts_first_ = first;
    counts_n_ = n;
    counts_t_ = timesteps;
}

void crossbar_synapse::forward(const snn::synapse_site& site, const float* in, bool binary_input,
                               float* out) const {
    // Scratch per thread, grown to the largest layer once and then reused.
    thread_local snn::kernels::sparse_map<float> sx;
    thread_local std::vector<std::int32_t> act;
    thread_local std::vector<float> x;

    const int c = map_.chip_layer[site.layer];
    const snn::layer_spec& l = m_.arch.layers[site.layer];
    const bool binary = map_.matrices[c].binary_input;
    if (binary_input != binary)
        throw std::logic_error("crossbar synapse: layer " + std::to_string(site.layer) +
                               (binary ? " was mapped for spikes but got analog input"
                                       : " was mapped for analog input but got spikes"));
    crossbar::mvm_counts* cnt = nullptr;
    if (counts_ && site.sample >= counts_first_ && site.sample - counts_first_ < counts_n_)
        cnt = counts_ +
              ((site.sample - counts_first_) * counts_t_ + (site.timestep - 1)) *
                  std::size_t(num_layers()) +
              c;
    const std::uint64_t sample = site.sample, t = std::uint64_t(site.timestep);
    if (!binary && read_cache_on_ && static_input_[c] &&
        cached_forward(c, l, site.sample, t, in, out, cnt))
        return;
    const int rows = snn::weight_rows(l);
    if (act.size() < std::size_t(rows)) act.resize(rows);
    if (x.size() < std::size_t(rows)) x.resize(rows);

    if (l.kind == snn::layer_kind::linear) {
        if (binary) {
            int n = 0;
            for (int i = 0; i < rows; ++i)
                if (in[i] != 0) act[n++] = i;
            chip_.mvm_spikes(c, act.data(), n, out, {sample, t, 0}, cnt);
        } else {
            chip_.mvm(c, in, out, {sample, t, 0}, cnt);
        }
        return;
    }

    const int cin = l.in.c, cout = l.out.c;
    if (!binary) {
        for (int oy = 0; oy < l.out.h; ++oy)
            for (int ox = 0; ox < l.out.w; ++ox) {
                const int p = oy * l.out.w + ox;
                im2col_position(l, in, oy, ox, x.data());
                chip_.mvm(c, x.data(), out + std::size_t(p) * cout, {sample, t, std::uint64_t(p)},
                          cnt);
            }
        return;
    }
    // Spikes: list each input position's active channels once, then gather the active
    // im2col rows of every output position in ascending row order (tap-major).
    sx.build(in, l.in.h * l.in.w, cin);
    for (int oy = 0; oy < l.out.h; ++oy) {
        for (int ox = 0; ox < l.out.w; ++ox) {
            int n = 0;
            snn::kernels::for_each_tap(l, oy, ox, [&](int tap, int ip) {
                for (int e = sx.start[ip]; e < sx.start[ip + 1]; ++e) act[n++] = tap * cin + sx.channel[e];
            });
            const int p = oy * l.out.w + ox;
            chip_.mvm_spikes(c, act.data(), n, out + std::size_t(p) * cout,
                             {sample, t, std::uint64_t(p)}, cnt);
        }
    }
}

}  // namespace experiments
