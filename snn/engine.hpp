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
// LIF layers follow snn/kernels.hpp lif_step; in an ANN model (net.kind = ann) they are
// ReLU and T = 1. All buffers are allocated in start(); step() does not allocate.
#pragma once
#include <cstdint>
#include <vector>

#include "snn/model.hpp"
#include "snn/synapse.hpp"

namespace snn {

class engine {
public:
    // `deployed` must have no bn layers (see fold_batchnorm). Both references must
    // outlive the engine.
    engine(const model& deployed, const synapse_op& synapse, std::uint64_t encoding_seed = 0);

    // Loads n images ([n, C, H, W], values in [0, 1]); sample i has dataset index
    // first_index + i. All n become active, t = 0.
    void start(const float* images_chw, std::size_t n, std::size_t first_index);
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

    const model& m_;
    const synapse_op& syn_;
    std::uint64_t seed_;
    bool ann_ = false, rate_ = false;
    std::vector<int> lif_layers_;      // layer index of each lif layer
    std::vector<std::size_t> out_off_;  // per layer: offset of its output in a slot's buffer
    std::vector<std::size_t> mem_off_;  // per lif layer: offset of its membrane
    std::vector<bool> binary_out_;      // per layer: output holds only 0/1
    int static_prefix_ = 0;             // layers whose output is the same every step
    std::size_t act_size_ = 0, mem_size_ = 0, in_size_ = 0;

    std::size_t n_ = 0, first_ = 0;
    int t_ = 0;
    std::vector<int> active_;
    std::vector<float> input_;   // [n][H*W*C] channel-last images
    std::vector<float> act_;     // [n][act_size_]
    std::vector<float> mem_;     // [n][mem_size_]
    std::vector<float> enc_;     // [n][in_size_] rate-encoded input of the step
    std::vector<std::uint32_t> counts_;  // [n][lif layers]
};

}  // namespace snn
