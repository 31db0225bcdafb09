// Time-major batched SNN inference (DESIGN §3):
//
//   for t = 1..T:  for every active sample (OpenMP):  for layer:  synapse -> fused neuron
//
// The readout (last linear layer) gives O_t; the prediction at t comes from
// S_t = sum_{i<=t} O_i, which the caller accumulates. Samples leave the active set
// through retire(); a sample's state never depends on which others are active, on the
// batch size or on the thread count, so online early exit equals offline replay.
//
// Input encodings: direct (the analog image drives the first layer every timestep) or
// rate (pixel p spikes at step t iff u < p, u uniform from the counter-based stream
// keyed by (seed, sample index, t)).
//
// Inputs are static (one image per sample drives every step) or frames (F frames per
// sample, step t reads frame t - 1: event data binned in time). Rate encoding applies to
// static inputs only.
//
// LIF layers follow snn/kernels.hpp lif_step, or snn/neuron.hpp neuron_step where the
// layer has parameters of its own; li layers are non-spiking (their output is their
// membrane) and so is not counted among the lif layers below. In an ANN model
// (net.kind = ann) lif layers are ReLU, or QCFS where they carry `levels`, and T = 1. All buffers are allocated in start();
// step() does not allocate.
#pragma once
#include <cstdint>
#include <vector>

#include "snn/model.hpp"
#include "snn/neuron.hpp"
#include "snn/synapse.hpp"

namespace snn {

class engine {
public:
    // `deployed` must have no bn layers (see fold_batchnorm). Both references must
    // outlive the engine.
    engine(const model& deployed, const synapse_op& synapse, std::uint64_t encoding_seed = 0);

    // Loads n samples ([n, frames, C, H, W]); sample i has dataset index first_index + i.
    // All n become active, t = 0. With frames > 1, step() may run at most `frames` steps.
    void start(const float* inputs, std::size_t n, std::size_t first_index, int frames = 1);
    // Advances every active sample by one timestep.
    void step();
    // Drops active()[i] for each i with exit_flags[i] != 0, keeping the order of the rest.
    void retire(const std::vector<unsigned char>& exit_flags);

    int timestep() const { return t_; }
    const std::vector<int>& active() const { return active_; }  // slots, ascending
    std::size_t batch_size() const { return n_; }
    int num_classes() const { return m_.num_classes(); }

    const float* logits(int slot) const;  // O_t of the last step [K]
    // Spiking (lif) layers, in network order.
    int num_lif_layers() const { return static_cast<int>(lif_layers_.size()); }
    int lif_layer_size(int j) const;
    const float* membrane(int slot, int j) const;  // v after the reset of the last step
    const float* spikes(int slot, int j) const;    // s of the last step (0/1)
    // Spikes emitted by lif layer j of this slot in the last step.
    std::uint32_t spike_count(int slot, int j) const;

private:
    void run_sample(int slot);
    void neuron_forward(std::size_t layer, int lif_j, int neuron_j, float* mem, float* syn,
                        const float* x, float* out, std::uint32_t* counts) const;

    // Resolved parameters of one lif or li layer.
    struct neuron_plan {
        bool uniform = false;  // scalar params, gain 1, drive 0, no current stage: lif_step
        float decay = 0, threshold = 0, v_reset = 0;
        bool soft = false;
        bool qcfs = false;     // ANN: the QCFS activation of snn/neuron.hpp, not ReLU
        int size = 0;          // neurons
        kernels::param_ref v_init;
        kernels::neuron_coeffs k;
        std::vector<float> storage;  // the defaults the coefficients point at
        std::size_t mem_off = 0, syn_off = 0;
    };

    const model& m_;
    const synapse_op& syn_;
    std::uint64_t seed_;
    bool ann_ = false, rate_ = false;
    std::vector<int> lif_layers_;      // layer index of each lif layer
    std::vector<int> neuron_of_;       // per layer: index into plans_, -1 for others
    std::vector<neuron_plan> plans_;   // per lif or li layer, in network order
    std::vector<std::size_t> out_off_;  // per layer: offset of its output in a slot's buffer
    std::vector<bool> binary_out_;      // per layer: output holds only 0/1
    int static_prefix_ = 0;             // layers whose output is the same every step
    std::size_t act_size_ = 0, mem_size_ = 0, syn_size_ = 0, in_size_ = 0;

    std::size_t n_ = 0, first_ = 0;
    int t_ = 0, frames_ = 1;
    std::vector<int> active_;
    std::vector<float> input_;   // [n][frames][H*W*C] channel-last inputs
    std::vector<float> act_;     // [n][act_size_]
    std::vector<float> mem_;     // [n][mem_size_]: membranes of lif and li layers
    std::vector<float> cur_;     // [n][syn_size_]: current-stage states
    std::vector<float> enc_;     // [n][in_size_] rate-encoded input of the step
    std::vector<std::uint32_t> counts_;  // [n][lif layers]
};

}  // namespace snn
