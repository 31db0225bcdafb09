// A synapse operator that counts the digital work of another one (ideal hardware's energy,
// experiments/energy/energy.hpp): for every weighted layer, sample and step it runs,
//   acs  = sum over nonzero spike inputs i of fanout(i)     (binary inputs, event-driven)
//   macs = sum over nonzero analog inputs i of fanout(i)    (analog inputs, zero-skipping)
// fanout(i) = the number of weights input i multiplies: C_out times the output positions
// whose kernel window covers it (conv), or the output width (linear). This is exactly the
// work of snn::ideal_synapse, whose kernels skip zero inputs. A layer the engine reuses
// (time-invariant analog first layer) is run, and counted, at t = 1 only.
#pragma once
#include <cstddef>
#include <vector>

#include "experiments/energy/energy.hpp"
#include "snn/model.hpp"
#include "snn/synapse.hpp"

namespace experiments {

class counting_synapse final : public snn::synapse_op {
public:
    // `inner` does the arithmetic; both references must outlive this object.
    counting_synapse(const snn::model& deployed, const snn::synapse_op& inner);

    void forward(const snn::synapse_site& site, const float* in, bool binary_input,
                 float* out) const override;
    bool time_invariant() const override { return inner_.time_invariant(); }

    int num_layers() const { return static_cast<int>(fanout_.size()); }
    // From now on forward() writes the counts of sample s at step t of weighted layer w to
    // counts[((s - first) * timesteps + t - 1) * num_layers() + w] for s in [first, first + n);
    // other samples are not counted. nullptr stops counting. Call between engine steps.
    void record_counts(op_counts* counts, std::size_t first, std::size_t n, int timesteps);

private:
    const snn::model& m_;
    const snn::synapse_op& inner_;
    std::vector<int> weighted_;                         // [model layer] -> w, or -1
    std::vector<std::vector<std::uint32_t>> fanout_;    // [w][input position]
    std::vector<int> channels_;                         // [w] inputs per position
    op_counts* counts_ = nullptr;
    std::size_t first_ = 0, n_ = 0;
    int t_ = 0;
};

}  // namespace experiments
