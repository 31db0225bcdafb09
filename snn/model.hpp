// A network's architecture, neuron parameters and trained parameters.
//
// Weight layouts (internal, see architecture.hpp for the channel-last convention):
//   conv:   weight [(ky * k + kx) * C_in + ci][C_out]   (rows = im2col order, W^T)
//   linear: weight [in][out]                          (W^T: row i = weights from input i)
//   bias [out]; bn: gamma, beta, running mean and variance per channel.
//   conv with groups > 1: the dense [(ky * kw + kx) * C_in + ci][C_out] matrix with zeros
//   where ci and co lie in different groups (one crossbar matrix, like groups = 1).
//   lif, li: neuron parameters of their own (snn/neuron.hpp), or none (use `lif`).
//   scale: `weight` holds s [1 or out.size()]; threshold: `bias` holds θ [1 or out.size()].
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "snn/architecture.hpp"
#include "snn/neuron.hpp"
#include "snn/params.hpp"

namespace snn {

struct layer_state {
    std::vector<float> weight;  // conv/linear, layout above
    std::vector<float> bias;    // conv/linear [out]
    std::vector<float> gamma, beta, running_mean, running_var;  // bn [channels]
    float bn_eps = 1e-5f;                                       // bn variance floor [1]
    neuron_layer_params neuron;                                 // lif, li (may be empty)
    bool fire_above = false;  // threshold: out = (in > θ) instead of (in >= θ)
};

struct model {
    architecture arch;
    network_params net;
    neuron_params lif;
    std::vector<layer_state> layers;  // one per arch.layers entry
    std::map<std::string, std::string> metadata;  // training provenance (docs/model-format.md)
    // Largest input value: the analog first layer's DAC full scale on a crossbar (inputs
    // above it saturate). 1 for images in [0, 1]; event frames can hold larger counts.
    float input_max = 1.0f;  // [input units]

    int timesteps() const { return net.timesteps; }
    // Engine steps per input: T for an SNN, 1 for an ANN [steps].
    int steps() const { return net.steps(); }
    bool is_ann() const { return net.is_ann(); }
    int num_classes() const { return arch.num_classes(); }
    // True when some layer is outside what the config syntax and the trainer know
    // (imported networks): other windows, sumpool/scale/threshold/li, own neuron params.
    bool is_general() const;
    bool has_batchnorm() const;
    std::size_t parameter_count() const;
};

// Rows of a weighted layer's weight matrix (im2col length for conv).
int weight_rows(const layer_spec& l);

// Builds the architecture from params and initializes weights (Kaiming-uniform like
// PyTorch's default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias) from
// counter-based streams keyed by (seed, layer).
model make_model(const network_params& net, const neuron_params& lif, shape3 input,
                 std::uint64_t seed);

// Folds every bn into the conv/linear before it using its running statistics:
//   w' = w * gamma / sqrt(var + eps),   b' = (b - mean) * gamma / sqrt(var + eps) + beta.
// The result has no bn layers and is what inference and the model file use.
model fold_batchnorm(const model& m);

}  // namespace snn
