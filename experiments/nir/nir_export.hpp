// NIR export: a spikebar model as a NIR graph file that the reference reader (nir.read)
// accepts (docs/nir.md): one node per layer in a chain input -> ... -> output, with the
// neuron parameters written as NIR's continuous-time ones for a step dt under forward
// Euler (decay = 1 - dt/tau, gain = r dt/tau, drive = v_leak dt/tau, so tau = dt/(1 -
// decay), r = gain/(1 - decay), v_leak = drive/(1 - decay); IF: r = gain/dt). What NIR
// cannot say is recorded in the graph's metadata (dt, discretization, reset, spike_test,
// timesteps, encoding, input_max), and import_nir takes it from there:
//   maxpool (of spikes)  -> SumPool2d + Threshold 0.5 (equal on 0/1 inputs)
//   soft reset           -> metadata reset = subtract, v_reset = 0
//   spike on >=          -> metadata spike_test = ge
// Throws spikebar::config_error for models NIR cannot express (relu, bn, a maxpool of
// analog values, layers that disagree on reset or spike test).
#pragma once
#include <string>

#include "snn/model.hpp"

namespace experiments {

// Writes `m` to `path` (through a temporary file) for step `dt` [time unit of the graph].
void export_nir(const snn::model& m, const std::string& path, double dt = 1.0);

}  // namespace experiments
