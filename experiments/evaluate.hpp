// Runs a deployed model over a labelled set with a given synapse operator (ideal or
// crossbar) for all T timesteps and collects the readout O_t of every sample and step.
// The prediction at t is argmax S_t, S_t = S_{t-1} + O_t accumulated in float32 from
// zero (the contract earlyexit/controller.hpp states), ties to the lowest class.
//
// evaluate_lockstep runs several synapses (e.g. Monte-Carlo chip instances) on the same
// batches, and optionally an ideal shadow network on the same inputs. After every step it
// compares each lane's lif layers with the shadow's (error accumulation, DESIGN §7):
//   membrane RMSE [t][j]  = sqrt( sum_{samples, neurons of j} (v - v_shadow)^2 / (N * n_j) )
//   spike mismatch [t][j] = #{(sample, neuron of j): s != s_shadow} / (N * n_j)
// with v the membrane after the reset of step t. Per-sample sums are formed in double in
// neuron order, then added in sample order, so every result is the same for any batch size
// and thread count.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "crossbar/chip.hpp"
#include "snn/dataset.hpp"
#include "snn/model.hpp"
#include "snn/synapse.hpp"

namespace experiments {

class crossbar_synapse;

struct eval_result {
    int timesteps = 0, classes = 0, lif_layers = 0;
    std::size_t samples = 0;
    std::vector<float> logits;              // [N][T][K] readout O_t
    std::vector<std::uint8_t> labels;       // [N]
    std::vector<std::uint8_t> predictions;  // [N][T] argmax S_t
    std::vector<std::uint32_t> spikes;      // [N][T][lif layers] spike counts
    std::vector<std::size_t> correct_at;    // [T] samples right at t

    // Crossbar work of every MVM (empty for other synapses). A time-invariant layer that
    // the engine reuses after t = 1 does no work and counts nothing at t > 1.
    int crossbar_layers = 0;                // weighted layers W on the chip
    std::vector<crossbar::mvm_counts> mvm;  // [N][T][W]

    // Against the shadow network (empty without one), see above.
    std::vector<double> membrane_rmse;   // [T][lif layers]
    std::vector<double> spike_mismatch;  // [T][lif layers], fraction in [0, 1]

    double accuracy(int t) const {  // 1-based t
        return samples ? double(correct_at[t - 1]) / double(samples) : 0.0;
    }
};

// `on_batch(done)` reports progress after each batch.
eval_result evaluate(const snn::model& deployed, const snn::synapse_op& synapse,
                     const snn::dataset& data, int batch_size, std::uint64_t encoding_seed,
                     const std::function<void(std::size_t)>& on_batch = {});

// One synapse evaluated by evaluate_lockstep; `counted`, when set, must be the same
// object as `synapse` and has its mvm_counts recorded into the result.
struct eval_lane {
    const snn::synapse_op* synapse = nullptr;
    crossbar_synapse* counted = nullptr;
};

// One result per lane, each equal to what evaluate() gives for that synapse alone (plus
// the shadow comparison when `shadow` is non-null).
std::vector<eval_result> evaluate_lockstep(const snn::model& deployed,
                                           const std::vector<eval_lane>& lanes,
                                           const snn::synapse_op* shadow, const snn::dataset& data,
                                           int batch_size, std::uint64_t encoding_seed,
                                           const std::function<void(std::size_t)>& on_batch = {});

// Index of the largest of k values, the lowest index on ties.
int argmax(const float* v, int k);

}  // namespace experiments
