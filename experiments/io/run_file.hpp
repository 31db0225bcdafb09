// Writes a run file (docs/output-format.md, format version 2) as results arrive: every
// dataset is created at its full shape when the writer opens PATH.tmp, each batch of
// records goes into its hyperslab (chunked, gzip), and finish() adds the summaries, closes
// the file, fsyncs it and renames it to PATH. A writer destroyed before finish() removes
// PATH.tmp, so no file that looks finished is ever left behind.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "experiments/io/records.hpp"

namespace experiments {

struct run_header {
    std::string model_path, command, config_text;
    bool crossbar = false;       // hardware: crossbar, else ideal
    int lanes = 1;               // C
    std::uint64_t seed = 0, chip_seed = 0;
    std::size_t calibration_samples = 0;
    std::string policy;          // earlyexit.policy
    bool online_exit = false;
    int timesteps = 0, classes = 0, lif_layers = 0;
    int weighted_layers = 0;     // W of the counters; 0: no counter datasets
    std::vector<std::string> energy_rows;  // W + 1 names, empty: no energy datasets
    // false (eval.record_energy = false): no energy and no counter dataset at all, not even
    // /samples/energy_pj and the energy summaries; the root attribute energy_recorded = 0.
    bool energy_recorded = true;
    std::vector<std::uint64_t> index;      // [N] dataset index
    std::vector<std::uint8_t> labels;      // [N]
    std::vector<std::int32_t> policy_t;    // [N] SEENN-II chosen steps, or empty
    int host_threads = 1;
};

class run_writer {
public:
    // Creates PATH.tmp (and PATH's directory) with every dataset of the header's shape.
    run_writer(const std::string& path, const run_header& header);
    ~run_writer();
    run_writer(const run_writer&) = delete;
    run_writer& operator=(const run_writer&) = delete;

    // Writes one lane's records of samples [r.first, r.first + r.n).
    void write(int lane, const sample_records& r);

    // Summaries, end time, close, fsync, rename. chip_build_s: [C] for crossbar runs.
    void finish(const std::vector<eval_result>& results, const std::vector<double>& chip_build_s);

private:
    struct impl;
    std::unique_ptr<impl> p_;
};

// "2026-11-26T10:00:00Z", the current UTC time.
std::string utc_now();

}  // namespace experiments
