// Parameter structs of the SNN engine, one per INI section ([network], [lif], [train]).
// Every field has its default, unit and meaning; validate() checks the whole struct
// once at the boundary and throws spikebar::config_error naming section.key.
#pragma once
#include <cstdint>
#include <string>

namespace snn {

// What the lif layers of a network are: spiking neurons (snn) or, in an ANN, ReLU or QCFS
// activations that run one step per input.
enum class net_kind { snn, ann };
// Parses network.kind; throws spikebar::config_error naming it.
net_kind parse_net_kind(const std::string& name);

// [network]: architecture and how the input drives it.
struct network_params {
    // Layer list, comma separated, applied in order. Tokens:
    //   conv:<out_channels>:<kernel>[:<stride>[:<pad>]]  (pad defaults to kernel/2)
    //   linear:<out_features>   bn   lif   relu   avgpool:<k>   maxpool:<k>   flatten
    // The last layer must be linear: it is the non-spiking readout.
    std::string layers =
        "conv:32:3, bn, lif, maxpool:2, conv:64:3, bn, lif, maxpool:2, flatten, linear:128, lif, "
        "linear:10";
    int timesteps = 4;                // T: timesteps per input [steps]
    std::string encoding = "direct";  // direct (analog image every step) | rate (Bernoulli spikes)
    std::string kind = "snn";         // snn (lif layers spike) | ann (lif layers act as ReLU)
    void validate() const;
    net_kind type() const { return parse_net_kind(kind); }
    bool is_ann() const { return type() == net_kind::ann; }
    // Engine steps per input: T for an SNN, 1 for an ANN [steps].
    int steps() const { return is_ann() ? 1 : timesteps; }
};

// [lif]: neuron model shared by every lif layer.
//   v[t] = decay * v[t-1] + I[t]   (after the reset from t-1),   s[t] = (v[t] >= threshold)
struct neuron_params {
    double decay = 0.5;             // membrane decay factor per timestep, 1 = IF [1]
    double threshold = 1.0;         // firing threshold [weight units]
    std::string reset = "hard";     // hard: v <- v_reset after a spike; soft: v <- v - threshold
    double v_reset = 0.0;           // potential after a hard reset [weight units]
    void validate() const;
};

// [train]: BPTT with surrogate gradients and the TET loss, Adam with cosine LR.
struct train_params {
    int epochs = 30;                    // passes over the training set [1]
    int batch_size = 128;               // samples per optimizer step [1]
    double lr = 2e-3;                   // peak Adam learning rate [1]
    double lr_min = 0.0;                // final learning rate of the cosine schedule [1]
    int warmup_epochs = 0;              // linear warm-up before the cosine decay [epochs]
    double weight_decay = 1e-4;         // decoupled (AdamW) weight decay [1/step, times lr]
    double beta1 = 0.9;                 // Adam first-moment decay [1]
    double beta2 = 0.999;               // Adam second-moment decay [1]
    std::string surrogate = "fast_sigmoid";  // fast_sigmoid | arctan | triangle
    double surrogate_alpha = 4.0;       // surrogate sharpness [1/weight units]
    double tet_lambda = 0.05;           // TET mix: (1-λ)·mean_t CE(O_t,y) + λ·MSE(O_t, φ) [1]
    double tet_phi = 1.0;               // TET MSE target φ for the readout [weight units]
    int crop_pad = 2;                   // random-crop augmentation: pad then crop back [pixels]
    bool hflip = false;                 // random horizontal flips (CIFAR, not digits) [bool]
    double bn_momentum = 0.1;           // running-statistics update of BatchNorm [1]
    // ANN only (network.kind = ann): the activation of every lif layer. relu, or qcfs:
    //   h(x) = λ clip(floor(x L / λ + 1/2) / L, 0, 1)  (Bu et al., ICLR 2022), λ trained
    // per layer (straight-through floor), so `spikebar convert` can use λ as the threshold.
    std::string ann_activation = "relu";  // relu | qcfs
    int qcfs_levels = 8;                // L: quantization levels of the qcfs activation [1]
    double qcfs_lambda = 2.0;           // initial λ of every qcfs layer [weight units]
    std::uint64_t seed = 1;             // initialization, shuffling and augmentation seed
    // Fine-tuning: start from this model file (BatchNorm folded, as train writes it) instead
    // of a fresh initialization; its /network and /neuron govern. Empty = from scratch.
    std::string init_model;
    // Hardware-aware training (docs/hwa.md): weighted layers run on a simulated chip of the
    // [crossbar], [device], [wires] and [adc] keys in the forward pass, straight-through in
    // the backward pass. Each non-ideality is switched separately; off means ideal.
    bool hardware_aware = false;
    bool hwa_programming = true;        // levels, d2d variation, stuck devices, drift: a fresh chip per batch
    bool hwa_read_noise = true;         // fresh read noise at every read
    bool hwa_dac = true;                // DAC quantization of analog inputs (crossbar.dac_bits)
    bool hwa_adc = true;                // ADC quantization of tile outputs (adc.*)
    bool hwa_ir_drop = true;            // IR drop on the wires (exact transfer matrices)
    std::uint64_t hwa_chip_seed = 1000; // seed of the training chips; chip k = optimizer step k
    int hwa_calibration_samples = 64;   // ADC ranges per batch from the ideal net on the first N training samples [samples]
    // True when hardware_aware is on and at least one non-ideality is.
    bool hwa_active() const {
        return hardware_aware &&
               (hwa_programming || hwa_read_noise || hwa_dac || hwa_adc || hwa_ir_drop);
    }
    void validate() const;
};

}  // namespace snn
