// BPTT training of an SNN (or an ANN with the same layers) on a labelled image set.
// In an ANN (net.kind = ann, T = 1) lif layers are ReLU, or with train.ann_activation = qcfs
// the QCFS activation of snn/neuron.hpp with λ trained per layer (snn/backprop.hpp).
//
// The forward pass runs layer-major: each layer processes all T timesteps of the
// whole batch before the next layer, which for a feed-forward network computes
// exactly what the time-major inference loop computes. Sequences store timestep t of
// sample b at row t * B + b. Layers before the first LIF layer see the same analog
// image every step (direct encoding), so they run once and their gradient is the sum
// over steps. LIF layers use the surrogate gradient with the reset detached
// (snn/backprop.hpp); the loss is TET; the optimizer is AdamW with a cosine schedule.
//
// Gradients of weights add up over fixed chunks of the batch in a fixed order, so a
// run gives the same model on 1 or N threads.
//
// set_output_loss() replaces TET by an external loss on the readout (e.g. the SEENN-II
// policy gradient, earlyexit/seenn2.hpp): the trainer runs the same forward pass, hands
// the callback O and the batch, takes dL/dO from it and back-propagates that. The callback
// runs once per batch on the calling thread, so determinism over threads is kept as long
// as the callback itself is deterministic.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "snn/backprop.hpp"
#include "snn/dataset.hpp"
#include "snn/model.hpp"
#include "snn/params.hpp"
#include "snn/synapse.hpp"

namespace snn {

struct batch_report {
    int epoch = 0;              // 0-based
    std::size_t batch = 0;      // batches done in this epoch
    std::size_t batches = 0;    // batches per epoch
    double loss = 0;            // running mean loss over the epoch so far
    double accuracy = 0;        // running training accuracy (argmax of sum_t O_t)
    double lr = 0;              // learning rate of the last step
};

struct epoch_report {
    double loss = 0, accuracy = 0;
    std::size_t samples = 0;
};

// One batch as an external loss sees it (see trainer::set_output_loss). Row r = t * batch + b
// of `outputs` and `grad` belongs to sample b at step t + 1.
struct output_batch {
    int epoch = 0;                         // 0-based; 0 in loss_and_gradients
    int steps = 1;                         // rows per sample: T, or 1 for an ANN [timesteps]
    int batch = 0;                         // B, samples in the batch
    int width = 0;                         // K, outputs of the readout
    const float* outputs = nullptr;        // O [steps * B x K]
    const std::size_t* indices = nullptr;  // [B] index of each sample in the dataset
    const std::uint8_t* labels = nullptr;  // [B]
    float* grad = nullptr;                 // dL/dO [steps * B x K], zero on entry
    int correct = 0;                       // samples to count as right in the reports
};
// Returns L and writes dL/dO into batch.grad (it may also set batch.correct).
using output_loss = std::function<double(output_batch&)>;

// Hardware-aware training: called once per batch, before its forward pass, with the
// current weights and the optimizer step; returns the synapse that computes every weighted
// layer of that forward pass (site: the sample's dataset index, its 1-based step, the layer),
// e.g. a freshly programmed crossbar chip. The backward pass stays the ideal one
// (straight-through): dX and dW as if the layer had computed W x + b from the same x.
using hardware_synapse =
    std::function<std::unique_ptr<const synapse_op>(const model& current, std::int64_t step)>;

// AdamW state, one entry per parameter tensor in model order.
struct optimizer_state {
    std::vector<std::vector<float>> m, v;
    std::int64_t step = 0;
};

class trainer {
public:
    // `m` is a training model (bn layers kept); `steps_per_epoch` sizes the schedule.
    trainer(model m, const train_params& p, std::size_t steps_per_epoch);

    // One epoch (0-based `epoch`): shuffled and augmented from (seed, epoch).
    epoch_report train_epoch(const dataset& train, int epoch,
                             const std::function<void(const batch_report&)>& on_batch = {});

    // Forward and backward on a given batch without augmentation or update; returns the
    // loss and leaves the gradients in gradients(). For gradient checks and tests.
    double loss_and_gradients(const dataset& d, const std::vector<std::size_t>& indices);

    // Use `loss` instead of TET from now on (an empty function restores TET).
    void set_output_loss(output_loss loss) { loss_ = std::move(loss); }

    // Weighted layers through `hw` from now on (an empty function restores the ideal
    // kernels). `reads_vary` says a read of the same input can differ between steps (read
    // noise): then the layers before the first lif run at every step instead of once.
    // The model must have no bn layers (the chip holds folded weights): invalid_argument.
    void set_hardware(hardware_synapse hw, bool reads_vary);

    model& net() { return m_; }
    const model& net() const { return m_; }
    optimizer_state& optimizer() { return opt_; }
    // Parameter tensors and their gradients, in a fixed order (weight, bias per
    // conv/linear; gamma, beta per bn; λ, the one-value neuron.threshold, per lif layer of a
    // QCFS ANN).
    std::vector<std::vector<float>*> parameters();
    const std::vector<std::vector<float>>& gradients() const { return grads_; }
    double learning_rate(std::int64_t step) const;

private:
    struct buffers;
    void ensure_buffers(int batch);
    void load_batch(const dataset& d, const std::vector<std::size_t>& idx, int epoch, bool augment);
    double forward_backward(const std::vector<std::size_t>& idx, int epoch, int* correct);
    void adam_step();

    model m_;
    train_params p_;
    output_loss loss_;                        // empty: TET
    std::size_t steps_per_epoch_;
    int T_ = 1;
    bool ann_ = false, rate_ = false;
    bool qcfs_ = false;                       // ANN lif layers use the QCFS activation
    hardware_synapse hw_;                     // empty: the ideal kernels
    int input_reps_ = 1;                      // input rows per sample: T (rate, varying reads) or 1
    std::vector<bool> binary_in_;             // per layer: its input holds only 0 and 1
    surrogate sg_;
    backprop::lif_constants lif_;
    optimizer_state opt_;
    std::vector<std::vector<float>*> params_;
    std::vector<bool> decays_;                // weight decay applies to this tensor
    std::vector<std::vector<float>> grads_;
    std::vector<int> param_of_layer_;         // first parameter tensor of each layer, or -1

    // Per-layer activations; flatten shares its input's storage.
    int B_ = 0;
    std::vector<bool> static_;                // output is the same every timestep
    std::vector<int> store_;                  // storage index of each layer's output
    std::vector<std::vector<float>> act_, grad_;  // per storage
    std::vector<std::vector<float>> aux_;     // per layer: lif u, bn xhat
    std::vector<std::vector<unsigned char>> argmax_;
    std::vector<std::vector<double>> bn_inv_std_;
    std::vector<float> input_;                // [reps][B][in] channel-last
    std::vector<std::vector<float>> chunk_dw_, chunk_db_;  // [chunks][...] per layer
    std::vector<float> wt_;                   // transposed conv weight scratch
    std::vector<std::uint8_t> labels_;
};

}  // namespace snn
