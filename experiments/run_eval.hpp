// One evaluation exactly as `spikebar eval` runs it, from a loaded config: the model on the
// test set, ideal or on crossbar.chips chips (calibrated, with the ideal shadow network),
// early exit under [earlyexit] (SEENN-II's policy net included), energy under [energy]
// (with eval.record_energy = false no work counter and no energy: every other result is
// the same bits), and the run file (docs/output-format.md) when out_path is given. The CLI and the sweep
// runner both call it. Bad input (model, config against model, dataset) throws io_error or
// config_error before any file is created.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "experiments/config/config.hpp"
#include "experiments/evaluate.hpp"

namespace experiments {

struct evaluation {
    std::vector<eval_result> lanes;    // one per lane, summaries only (no per-sample records)
    int timesteps = 0;                 // T of the model
    std::vector<double> chip_build_s;  // [C] crossbar runs: chip programming [s]
    std::size_t calibration_samples = 0;
    double calibration_s = 0;          // ADC calibration [s]
    double eval_s = 0;                 // the evaluation itself [s]
};

// progress(done, total) after each batch. Sets the OpenMP thread count when eval.threads > 0.
evaluation run_evaluation(const run_config& cfg, const std::string& model_path,
                          const std::string& out_path, const std::string& command,
                          const std::function<void(std::size_t, std::size_t)>& progress = {});

}  // namespace experiments
