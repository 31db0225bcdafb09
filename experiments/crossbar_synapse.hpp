// The synapse operator of a deployed SNN on a simulated crossbar chip (DESIGN §3, §4):
// out = W in + b of every weighted layer computed by crossbar::chip reads.
//
//   linear layer:  one MVM, read_key{sample, timestep, read = 0}
//   conv layer:    im2col, one MVM per output position p = oy * W_out + ox,
//                  read_key{sample, timestep, read = p}; the im2col row of input
//                  (iy, ix, ci) under tap (ky, kx) is (ky * kw + kx) * C_in + ci, exactly the
//                  row order of the model's weight [(ky*kw+kx)*C_in+ci][C_out] (= layer_matrix;
//                  a grouped conv is its dense matrix with zeros across groups).
//   spike inputs:  chip::mvm_spikes on the ascending list of active rows (event-driven);
//   analog inputs: chip::mvm through the DAC, full scale = the largest value the input
//                  can hold: model.input_max for the input (1 for images), times kh * kw
//                  after a sumpool, times the largest factor after a scale; averages of
//                  spikes lie in [0, 1]. Inputs above the full scale saturate.
// Zero padding of a conv is an undriven row (0 V). Every MVM's work counters
// (crossbar::mvm_counts) can be collected per (sample, timestep, layer) for the energy model.
//
// ADC ranges are calibrated on the inputs the *ideal* network gives each weighted layer on
// calibration samples (by convention from the training set): record them once with
// record_calibration_inputs, then calibrate every chip instance from the same record.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "crossbar/chip.hpp"
#include "snn/dataset.hpp"
#include "snn/model.hpp"
#include "snn/synapse.hpp"

namespace experiments {

// A deployed model's weighted layers as the crossbar sees them.
struct crossbar_mapping {
    std::vector<crossbar::layer_matrix> matrices;  // one per weighted layer, in network order
    std::vector<int> model_layer;                  // [chip layer] -> index into model layers
    std::vector<int> chip_layer;                   // [model layer] -> chip layer, -1 if unweighted
};

// Builds the layer matrices: weight and bias as stored (conv im2col rows x C_out, linear
// in x out), binary_input for layers fed by spikes (lif or threshold outputs), input_max
// as above for analog inputs. Throws spikebar::config_error for a model whose analog layer
// inputs have no known non-negative bound (ANN models, a weighted layer fed by another, an
// li membrane or a negative scale without a lif in between): the DAC cannot represent
// them without a signed two-phase read, which is not modelled.
crossbar_mapping map_model(const snn::model& deployed);

// Inputs of every weighted layer of the ideal network on calibration samples.
struct calibration_inputs {
    std::size_t samples = 0;
    // [chip layer] -> the recorded inputs, each the layer's whole input map or vector
    // (model_layer's l.in.size() floats), concatenated; a time-invariant layer is
    // recorded once per sample.
    std::vector<std::vector<float>> inputs;
};

// Runs the ideal engine (snn::ideal_synapse) over samples [first, first + n) of `data`
// (clipped to its size) for all T timesteps and records every weighted layer's input.
// Deterministic: the record does not depend on the thread count.
calibration_inputs record_calibration_inputs(const snn::model& deployed, const snn::dataset& data,
                                             std::size_t first, std::size_t n,
                                             std::uint64_t encoding_seed);

class crossbar_synapse;

// Calibrates the ADCs of every chip on the first n samples of `data`, recorded `batch`
// samples at a time (memory: one batch's record). Calibration takes a maximum, so this
// equals one calibrate() on the record of all n samples.
void calibrate_chips(const snn::model& deployed, const snn::dataset& data, std::size_t n,
                     std::uint64_t encoding_seed, const std::vector<crossbar_synapse*>& chips,
                     std::size_t batch = 64);

class crossbar_synapse final : public snn::synapse_op {
public:
    // Programs chip `chip_index` of the stream `seed` with the model's weights. `deployed`
    // must outlive the synapse. Throws config_error (params, unsupported model).
    crossbar_synapse(const snn::model& deployed, const crossbar::chip_params& params,
                     std::uint64_t seed, std::uint64_t chip_index);

    // Sets the ADC full scales (adc.range = calibrated) from recorded ideal layer inputs.
    // Layers are calibrated in parallel; the result does not depend on the thread count.
    void calibrate(const calibration_inputs& calib);

    void forward(const snn::synapse_site& site, const float* in, bool binary_input,
                 float* out) const override;
    // Without read noise a read is a pure function of its input, so the engine may reuse
    // the analog first layer's output across timesteps (the hardware would latch it).
    bool time_invariant() const override;

    // Work counters: from now on forward() adds the counts of each MVM of sample s at
    // timestep t on chip layer l to counts[((s - first) * timesteps + t - 1) * layers + l]
    // for s in [first, first + n); other samples are not counted. nullptr stops counting.
    // Not thread-safe: call between engine steps, never during one.
    void record_counts(crossbar::mvm_counts* counts, std::size_t first, std::size_t n,
                       int timesteps);

    // The per-sample read cache (see read_cache below) is on by default. Off, every analog
    // read goes through chip::mvm: the reference path for tests and benchmarks, with the
    // same results bit for bit. read_cache_hits counts the layer reads served from the
    // cache since construction. Not thread-safe: switch between runs, never during one.
    void use_read_cache(bool on) { read_cache_on_ = on; }
    std::uint64_t read_cache_hits() const { return cache_hits_.load(); }

    const crossbar::chip& chip() const { return chip_; }
    const crossbar_mapping& mapping() const { return map_; }
    int num_layers() const { return int(map_.model_layer.size()); }

private:
    // The noiseless half of an analog layer's reads for one sample (chip::mvm_noiseless of
    // every output position) and the work they did, valid for the input it was made from.
    // Under direct encoding the layers before the first neuron see the same image at every
    // step, so later steps only draw fresh noise and digitize (chip::mvm_from_state):
    // the same results bit for bit, since a hit needs the input's bits to be equal.
    struct read_cache {
        std::mutex lock;  // held by the one thread using the slot (try_lock: else uncached)
        bool valid = false;
        std::size_t sample = 0;
        int layer = -1;
        std::vector<float> input;  // the layer input the state was made from
        std::vector<float> state;  // [positions][chip.read_state_floats(layer)]
        crossbar::mvm_counts counts;
        bool counted = false;  // counts hold the reads' work (else they were not counted)
    };
    static constexpr std::size_t cache_slots = 256;  // slot = sample mod 256 [samples]
    bool cached_forward(int c, const snn::layer_spec& l, std::size_t sample, std::uint64_t t,
                        const float* in, float* out, crossbar::mvm_counts* cnt) const;

    const snn::model& m_;
    crossbar_mapping map_;
    crossbar::chip chip_;
    std::vector<unsigned char> static_input_;  // [chip layer]: input can repeat across steps
    std::unique_ptr<read_cache[]> cache_;      // [cache_slots], memory grows on first use
    bool read_cache_on_ = true;
    mutable std::atomic<std::uint64_t> cache_hits_{0};
    crossbar::mvm_counts* counts_ = nullptr;
    std::size_t counts_first_ = 0, counts_n_ = 0;
    int counts_t_ = 0;
};

}  // namespace experiments
