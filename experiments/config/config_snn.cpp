// Binds the SNN engine's param structs (snn/params.hpp) to [network], [lif] and [train].
// Units and meanings repeat the field comments of snn/params.hpp; keep the two in step.
#include "experiments/config/config.hpp"

namespace experiments::config_detail {

void add_snn_sections(std::vector<section>& out) {
    using snn::network_params;
    using snn::neuron_params;
    using snn::train_params;

    add_section(out, "network", "Architecture and how the input drives it.", &run_config::network)
        .key("layers", &network_params::layers, "",
             "layer list, comma separated, applied in order. Tokens:\n"
             "  conv:<out_channels>:<kernel>[:<stride>[:<pad>]]  (pad defaults to kernel/2)\n"
             "  linear:<out_features>  bn  lif  relu  avgpool:<k>  maxpool:<k>  flatten\n"
             "The last layer must be linear: it is the non-spiking readout.")
        .key("timesteps", &network_params::timesteps, "steps", "T: timesteps per input")
        .choice("encoding", &network_params::encoding, {"direct", "rate"},
                "direct: the analog image drives the first layer every step; "
                "rate: Bernoulli spikes")
        .choice("kind", &network_params::kind, {"snn", "ann"},
                "snn: lif layers spike; ann: lif layers act as ReLU");

    add_section(out, "lif",
                "Neuron model shared by every lif layer:\n"
                "  v[t] = decay * v[t-1] + I[t]  (after the reset from t-1),  "
                "s[t] = (v[t] >= threshold)",
                &run_config::lif)
        .key("decay", &neuron_params::decay, "1", "membrane decay factor per timestep, 1 = IF")
        .key("threshold", &neuron_params::threshold, "weight units", "firing threshold")
        .choice("reset", &neuron_params::reset, {"hard", "soft"},
                "hard: v <- v_reset after a spike; soft: v <- v - threshold")
        .key("v_reset", &neuron_params::v_reset, "weight units", "potential after a hard reset");

    add_section(out, "train",
                "BPTT with surrogate gradients and the TET loss, Adam with a cosine learning rate.",
                &run_config::train)
        .key("epochs", &train_params::epochs, "1", "passes over the training set")
        .key("batch_size", &train_params::batch_size, "1", "samples per optimizer step")
        .key("lr", &train_params::lr, "1", "peak Adam learning rate")
        .key("lr_min", &train_params::lr_min, "1", "final learning rate of the cosine schedule")
        .key("warmup_epochs", &train_params::warmup_epochs, "epochs",
             "linear warm-up before the cosine decay")
        .key("weight_decay", &train_params::weight_decay, "1/step, times lr",
             "decoupled (AdamW) weight decay")
        .key("beta1", &train_params::beta1, "1", "Adam first-moment decay")
        .key("beta2", &train_params::beta2, "1", "Adam second-moment decay")
        .choice("surrogate", &train_params::surrogate, {"fast_sigmoid", "arctan", "triangle"},
                "surrogate derivative of the spike function")
        .key("surrogate_alpha", &train_params::surrogate_alpha, "1/weight units",
             "surrogate sharpness")
        .key("tet_lambda", &train_params::tet_lambda, "1",
             "TET mix: (1-lambda)*mean_t CE(O_t, y) + lambda*MSE(O_t, phi)")
        .key("tet_phi", &train_params::tet_phi, "weight units",
             "TET MSE target phi for the readout")
        .key("crop_pad", &train_params::crop_pad, "pixels",
             "random-crop augmentation: pad then crop back")
        .key("hflip", &train_params::hflip, "", "random horizontal flips (CIFAR, not digits)")
        .key("bn_momentum", &train_params::bn_momentum, "1",
             "running-statistics update of BatchNorm")
        .key("seed", &train_params::seed, "1", "initialization, shuffling and augmentation seed")
        .choice("ann_activation", &train_params::ann_activation, {"relu", "qcfs"},
                "network.kind = ann only: the activation of every lif layer; qcfs: "
                "lambda * clip(floor(x * L / lambda + 1/2) / L, 0, 1) with lambda trained per "
                "layer (Bu et al., ICLR 2022), the threshold spikebar convert uses")
        .key("qcfs_levels", &train_params::qcfs_levels, "1",
             "L: quantization levels of the qcfs activation")
        .key("qcfs_lambda", &train_params::qcfs_lambda, "weight units",
             "initial lambda of every qcfs layer")
        .key("init_model", &train_params::init_model, "path",
             "fine-tune this model file (BatchNorm folded) instead of a fresh network; its "
             "/network and /neuron govern; empty = from scratch")
        .key("hardware_aware", &train_params::hardware_aware, "",
             "hardware-aware training: weighted layers run on a simulated chip of [crossbar], "
             "[device], [wires], [adc] in the forward pass, straight-through backward (docs/hwa.md)")
        .key("hwa_programming", &train_params::hwa_programming, "",
             "hardware_aware: conductance levels, d2d variation, stuck devices and drift, a "
             "fresh chip per batch")
        .key("hwa_read_noise", &train_params::hwa_read_noise, "",
             "hardware_aware: fresh read noise at every read")
        .key("hwa_dac", &train_params::hwa_dac, "",
             "hardware_aware: DAC quantization of analog inputs (crossbar.dac_bits)")
        .key("hwa_adc", &train_params::hwa_adc, "", "hardware_aware: ADC quantization (adc.*)")
        .key("hwa_ir_drop", &train_params::hwa_ir_drop, "",
             "hardware_aware: IR drop on the wires, by the exact transfer matrices")
        .key("hwa_chip_seed", &train_params::hwa_chip_seed, "1",
             "hardware_aware: seed of the training chips; the chip of optimizer step k is (seed, k)")
        .key("hwa_calibration_samples", &train_params::hwa_calibration_samples, "samples",
             "hardware_aware: ADC ranges of each batch's chip from the ideal net on the first N "
             "training samples");
}

}  // namespace experiments::config_detail
