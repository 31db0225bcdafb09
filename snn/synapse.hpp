// The synapse operator: out = W * in + b for one weighted layer (conv or linear) of a
// deployed model and one sample. The engine calls it once per layer, sample and
// timestep. ideal_synapse computes it exactly in float32 (snn/kernels.hpp);
// experiments::CrossbarSynapse runs the same weights through a crossbar::Chip.
#pragma once
#include <cstddef>

#include "snn/model.hpp"

namespace snn {

struct synapse_site {
    std::size_t sample = 0;  // dataset index of the sample (keys read noise)
    int timestep = 0;        // 1-based timestep
    int layer = 0;           // index into the deployed model's layers
};

class synapse_op {
public:
    virtual ~synapse_op() = default;
    // `in` is the layer's input map (channel-last) or vector; binary_input says it holds
    // only 0 and 1 (spikes). Must be safe to call concurrently from several threads.
    virtual void forward(const synapse_site& site, const float* in, bool binary_input,
                         float* out) const = 0;
    // True when forward() is a pure function of its input, so the engine may reuse a
    // layer's output while its input cannot change (the analog first layer).
    virtual bool time_invariant() const = 0;
};

class ideal_synapse final : public synapse_op {
public:
    explicit ideal_synapse(const model& deployed) : m_(deployed) {}
    void forward(const synapse_site& site, const float* in, bool binary_input,
                 float* out) const override;
    bool time_invariant() const override { return true; }

private:
    const model& m_;
};

}  // namespace snn
