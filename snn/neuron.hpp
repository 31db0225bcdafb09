// Per-layer neuron parameters and the general neuron update, for networks whose lif and
// li layers carry parameters of their own (imported NIR networks, docs/nir.md). Trained
// networks leave them empty and use the network-wide [lif] parameters (snn/params.hpp)
// through kernels::lif_step, which this update reduces to exactly.
//
// One step of neuron i, with x[t] the layer's input:
//   c[t] = syn_decay_i * c[t-1] + syn_gain_i * x[t]     (current stage, if present;
//                                                        else c[t] = x[t])
//   u[t] = decay_i * v[t-1] + gain_i * c[t] + drive_i
//   lif: s[t] = (u[t] >= threshold_i)   (or u[t] > threshold_i with fire_above)
//        v[t] = s[t] ? (hard: v_reset_i, soft: u[t] - threshold_i) : u[t];  output s[t]
//   li:  v[t] = u[t];  output v[t]
// States start at 0, except v[0] = v_init_i (QCFS conversion starts IF membranes at θ/2,
// Bu et al. ICLR 2022). A continuous-time model maps onto (decay, gain, drive) by its
// discretization (docs/nir.md): forward Euler of tau dv/dt = (v_leak - v) + R I gives
// decay = 1 - dt/tau, gain = R dt/tau, drive = v_leak dt/tau.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

namespace snn {

// Each vector holds one value per neuron of the layer (channel-last order, like the
// layer's output) or a single value for all of them. An empty vector takes the default
// in brackets; "lif" is the model's network-wide neuron_params.
struct neuron_layer_params {
    std::vector<float> decay;      // membrane decay per step [1]          [lif.decay]
    std::vector<float> gain;       // input gain [1]                        [1]
    std::vector<float> drive;      // constant input per step [weight units] [0]
    std::vector<float> threshold;  // firing threshold [weight units]        [lif.threshold]
    std::vector<float> v_reset;    // potential after a hard reset [weight units] [lif.v_reset]
    std::vector<float> syn_decay;  // current-stage decay per step [1]; empty: no stage
    std::vector<float> syn_gain;   // current-stage input gain [1]          [1]
    std::vector<float> v_init;     // membrane before the first step [weight units] [0]
    // ANN models only (net.kind = ann): L of the QCFS activation (Bu et al., ICLR 2022)
    //   h(x) = θ · clip(floor(x · L / θ + 1/2) / L, 0, 1),  θ = `threshold` (trained λ);
    // one value. Empty: the lif layer of an ANN is a ReLU.
    std::vector<float> levels;     // quantization levels L of the activation [1] [ReLU]
    std::string reset;             // hard | soft                            [lif.reset]
    bool fire_above = false;       // spike on u > threshold instead of u >= threshold

    bool explicit_params() const {
        return !decay.empty() || !gain.empty() || !drive.empty() || !threshold.empty() ||
               !v_reset.empty() || !syn_decay.empty() || !syn_gain.empty() || !v_init.empty() ||
               !levels.empty() || !reset.empty() || fire_above;
    }
};

namespace kernels {

// The QCFS activation h(x) above, the same expression in training and inference.
template <class F>
inline F qcfs(F x, F lambda, F levels) {
    const F q = std::floor(x / lambda * levels + F(0.5)) / levels;
    return lambda * std::min(std::max(q, F(0)), F(1));
}

// A parameter as the update reads it: value p[i * step], step 0 for one shared value.
struct param_ref {
    const float* p = nullptr;
    int step = 0;
    float operator[](int i) const { return p[i * step]; }
};

struct neuron_coeffs {
    param_ref decay, gain, drive, threshold, v_reset, syn_decay, syn_gain;
    bool has_syn = false, soft = false, fire_above = false, spiking = true;
};

// One general neuron step over n neurons (equations above). `c` is the current-stage
// state (unused without one). Writes the output (spikes 0/1 or membranes) and returns
// the number of spikes.
inline int neuron_step(int n, const neuron_coeffs& k, float* __restrict v, float* __restrict c,
                       const float* __restrict x, float* __restrict out) {
    int count = 0;
    for (int i = 0; i < n; ++i) {
        float in = x[i];
        if (k.has_syn) {
            c[i] = k.syn_decay[i] * c[i] + k.syn_gain[i] * in;
            in = c[i];
        }
        const float u = k.decay[i] * v[i] + k.gain[i] * in + k.drive[i];
        if (!k.spiking) {
            v[i] = u;
            out[i] = u;
            continue;
        }
        const float th = k.threshold[i];
        const bool fire = k.fire_above ? u > th : u >= th;
        out[i] = fire ? 1.0f : 0.0f;
        v[i] = fire ? (k.soft ? u - th : k.v_reset[i]) : u;
        count += fire;
    }
    return count;
}

}  // namespace kernels
}  // namespace snn
