// Runs a deployed model over a labelled set with a given synapse operator (ideal or
// crossbar) for all T timesteps and collects the readout O_t of every sample and step.
// The prediction at t is argmax S_t, S_t = S_{t-1} + O_t accumulated in float32 from
// zero (the contract earlyexit/controller.hpp states), ties to the lowest class.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "snn/dataset.hpp"
#include "snn/model.hpp"
#include "snn/synapse.hpp"

namespace experiments {

struct eval_result {
    int timesteps = 0, classes = 0, lif_layers = 0;
    std::size_t samples = 0;
    std::vector<float> logits;              // [N][T][K] readout O_t
    std::vector<std::uint8_t> labels;       // [N]
    std::vector<std::uint8_t> predictions;  // [N][T] argmax S_t
    std::vector<std::uint32_t> spikes;      // [N][T][lif layers] spike counts
    std::vector<std::size_t> correct_at;    // [T] samples right at t

    double accuracy(int t) const {  // 1-based t
        return samples ? double(correct_at[t - 1]) / double(samples) : 0.0;
    }
};

// `on_batch(done)` reports progress after each batch.
eval_result evaluate(const snn::model& deployed, const snn::synapse_op& synapse,
                     const snn::dataset& data, int batch_size, std::uint64_t encoding_seed,
                     const std::function<void(std::size_t)>& on_batch = {});

// Index of the largest of k values, the lowest index on ties.
int argmax(const float* v, int k);

}  // namespace experiments
