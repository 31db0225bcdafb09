// Binds the experiments-level sections [data], [eval] and [output], and validates them.
#include <string>

#include "common/validate.hpp"
#include "experiments/config/config.hpp"

namespace experiments {

void eval_params::validate() const {
    using namespace spikebar::check;
    at_least("eval.batch_size", batch_size, 1, "samples");
    require(threads >= 0, "eval.threads", threads, "must be >= 0 (0 = every core)");
    at_least("eval.calibration_samples", calibration_samples, 0, "samples");
}

void output_params::validate() const {
    spikebar::check::require(!dir.empty(), "output.dir", "''", "must not be empty");
}

namespace config_detail {

void add_experiments_sections(std::vector<section>& out) {
    add_section(out, "data", "Which dataset, where, and how much of it.", &run_config::data)
        .choice("dataset", &data_params::dataset, {"fashion-mnist", "mnist", "cifar10", "tensor"},
                "dataset format and name; tensor: a user HDF5 file (data.path, docs/datasets.md)")
        .key("dir", &data_params::dir, "path",
             "directory holding the files (IDX: train-images-idx3-ubyte.gz, ...; "
             "CIFAR-10: data_batch_1.bin, ...)")
        .key("path", &data_params::path, "path",
             "dataset = tensor: the HDF5 file with /inputs [N, C, H, W] or [N, T, C, H, W] and "
             "/labels [N], or /train and /test groups holding them (docs/datasets.md)")
        .key("train_limit", &data_params::train_limit, "samples",
             "use only the first N training samples, 0 = all")
        .key("test_limit", &data_params::test_limit, "samples",
             "use only the first N test samples, 0 = all")
        .key("validation", &data_params::validation, "samples",
             "hold out the last N training samples for validation, 0 = none");

    add_section(out, "eval", "How inference runs over the test set.", &run_config::eval)
        .key("batch_size", &eval_params::batch_size, "samples", "samples simulated together; small keeps each sample's state in cache")
        .key("threads", &eval_params::threads, "1", "OpenMP threads over samples, 0 = every core")
        .key("chip_seed", &eval_params::chip_seed, "1",
             "seed of the crossbar chips' programming and read-noise streams; chip k of a run "
             "is keyed (chip_seed, k)")
        .key("calibration_samples", &eval_params::calibration_samples, "samples",
             "crossbar ADC full scales from the ideal network's layer inputs on the first N "
             "training samples, 0 = uncalibrated (tile worst case)")
        .key("online_exit", &eval_params::online_exit, "1",
             "true: a sample leaves the batch at its early exit (the time is saved; later "
             "steps are neither simulated nor logged); false: every sample runs all T steps "
             "and the exits are computed on the full log")
        .key("record_energy", &eval_params::record_energy, "1",
             "true: count every read's work and compute the energy of every step (read "
             "energy included); false: skip both (faster; the run file then has no energy or "
             "counter datasets, and accuracy, exits and shadow errors are the same bits)");

    add_section(out, "output", "Where results go.", &run_config::output)
        .key("dir", &output_params::dir, "path", "directory for run files, created when missing");
}

}  // namespace config_detail
}  // namespace experiments
