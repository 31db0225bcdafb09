// ANN -> SNN conversion (docs/decisions.md, "ANN -> SNN conversion"): an ANN whose lif
// layers act as ReLU or QCFS activations (net.kind = ann) becomes an IF SNN with soft
// reset and one threshold θ_l per lif layer l.
//
// Each lif layer l becomes, with its own neuron parameters (snn/neuron.hpp),
//   u[t] = v[t-1] + I[t],  s[t] = (u[t] >= θ_l),  v[t] = u[t] - θ_l s[t],  v[0] = v_init_l,
// so its spike count N_T over T steps tracks the ANN activation a_l: with an input
// current I in [0, θ_l] constant over time,
//   N_T θ_l / T = I + (v_init_l - v[T]) / T,   v[T] in [0, θ_l),
// an error of at most max(v_init_l, θ_l - v_init_l) / T (θ_l / (2T) with v_init = θ_l / 2).
// Spikes are 0/1, so a weighted layer whose input comes from lif layer l (through pooling
// and flatten) has its weights scaled by θ_l: W' = θ_l W, bias unchanged. Its mean current
// then equals the ANN's pre-activation W a_l + b. The readout stays linear; the prediction
// comes from S_T = sum_t O_t, which is T times the ANN's logits in the limit.
//
// Thresholds:
//   qcfs:       θ_l = the trained λ_l (Bu et al., ICLR 2022), v_init_l = θ_l / 2 by default;
//               at T = L and constant input this reproduces the quantized activation.
//   percentile: θ_l = the p-th percentile (nearest rank) of the positive activations of
//               layer l, run as the ANN, over the given calibration images: data-based
//               threshold balancing (Rueckauer et al., Front. Neurosci. 2017, "robust
//               normalization", in its equivalent threshold form), v_init_l = 0 by default.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "snn/model.hpp"

namespace snn {

struct convert_params {
    int timesteps = 32;               // T of the SNN [steps]
    std::string method = "qcfs";      // qcfs | percentile
    double percentile = 99.99;        // p of the percentile method [%]
    std::string encoding = "direct";  // direct | rate: input encoding of the SNN
    double v_init = -1;               // v_init / θ per layer [1]; < 0: 0.5 (qcfs), 0 (percentile)
    void validate() const;            // throws spikebar::config_error naming the flag
};

// Throws spikebar::config_error (one line) when `ann` cannot be converted with `p`: it has
// BatchNorm layers (a checkpoint), it is an SNN, it has layers other than conv, linear,
// lif, avgpool, maxpool and flatten, or `qcfs` is asked of an ANN without trained λ.
void check_convertible(const model& ann, const convert_params& p);

// λ of every lif layer of a QCFS ANN, in network order.
std::vector<float> qcfs_thresholds(const model& ann);

// Per lif layer, in network order: the p-th percentile (nearest rank: the ceil(p/100 * n)-th
// smallest of the n positive values) of its activations when the ANN runs on `n_images`
// images [n_images, C, H, W]. Throws config_error if a layer never activates.
std::vector<float> activation_percentiles(const model& ann, const float* images,
                                          std::size_t n_images, double p);

// The SNN (header comment) with `thresholds` [one per lif layer]. Checks as above.
model convert(const model& ann, const convert_params& p, const std::vector<float>& thresholds);

}  // namespace snn
