// A run config against the model it runs: the model file's /network and /neuron govern
// inference (docs/config.md, "Config and model"). A [network] or [lif] key that the config
// file or --set gives explicitly must agree with the model, or the run stops with a
// config_error naming both values:
//   config c.ini: lif.decay = 0.9 contradicts the model: m.h5 has /neuron@decay = 0.5 (...)
// A model whose lif layers carry their own neuron parameters (imported networks) has no
// network-wide [lif]: any given [lif] key is then an error. Keys left at their defaults take
// the model's values, so the effective config that a run file records is what was simulated.
// earlyexit.t_max must equal the model's T: a given value that differs is an error, a
// default one becomes T.
#pragma once
#include <string>

#include "experiments/config/config.hpp"
#include "snn/model.hpp"

namespace experiments {

// True for the [network] and [lif] keys: the model file, not the config, decides them at
// inference, so a sweep over one cannot change a result.
bool model_governed_key(const std::string& key);

// Checks the given [network] and [lif] keys of `c` against `m` (read from `model_path`) and
// returns `c` with [network] and [lif] set to the model's. Throws config_error.
run_config with_model(const run_config& c, const snn::model& m, const std::string& model_path);

// with_model, and earlyexit.t_max = the model's T (given: must equal it). Throws config_error.
run_config for_inference(const run_config& c, const snn::model& m, const std::string& model_path);

}  // namespace experiments
