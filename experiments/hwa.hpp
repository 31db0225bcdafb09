// Hardware-aware training (issue 13; docs/hwa.md): the chip that runs the weighted layers
// of each training batch's forward pass.
//
// Batch k (optimizer step k) programs chip (train.hwa_chip_seed, k) from the weights as
// they are before step k, with the [crossbar], [device], [wires] and [adc] keys that eval
// uses, calibrates its ADCs as eval does (the ideal network's layer inputs on the first
// train.hwa_calibration_samples training samples) and reads every layer of every sample
// and step through experiments::crossbar_synapse, with the read keys eval uses. So the
// forward pass of a batch is, read for read, the chip eval's forward pass on that chip.
// Each non-ideality can be switched off (train.hwa_*), which sets its keys to ideal:
//   hwa_programming off: level_bits, d2d_sigma, stuck fractions and drift_nu = 0;
//   hwa_read_noise off:  read_noise_sigma = 0;     hwa_dac off: crossbar.dac_bits = 0;
//   hwa_adc off:         adc.bits = 0;             hwa_ir_drop off: every wire resistance = 0.
// All off (or hardware_aware = false) trains with the ideal kernels.
#pragma once
#include "crossbar/chip.hpp"
#include "experiments/config/config.hpp"
#include "snn/dataset.hpp"
#include "snn/trainer.hpp"

namespace experiments {

// The chip parameters of hardware-aware training: the config's, with the switched-off
// non-idealities set to ideal.
crossbar::chip_params hwa_chip_params(const run_config& cfg);

// The trainer's hardware synapse for cfg (see above). `train` (the training set, for ADC
// calibration) must outlive the returned function.
snn::hardware_synapse hwa_synapse_factory(const run_config& cfg, const snn::dataset& train);

// Switches `tr` to hardware-aware training when cfg.train.hwa_active(); otherwise leaves
// it on the ideal kernels. Throws config_error when the network cannot go on a chip.
void enable_hardware_aware(snn::trainer& tr, const run_config& cfg, const snn::dataset& train);

}  // namespace experiments
