// Reads a run file, format version 2 (docs/output-format.md), for offline tools: replay of
// any early-exit policy on the logged outputs and energy export.
//
// Opening validates everything the tools read, before any of it is used: the root
// attributes (format, format_version = 2, lanes, samples, timesteps, classes, ...) and the
// presence, type class and shape of each dataset. Every failure is one io_error line that
// names the file, the object inside it and what was expected, e.g.
//   run.h5: /timesteps/logits has shape [2, 5, 4], expected [C, N, T, K] = [2, 5, 4, 10]
// The per-timestep data is then read one lane at a time (lane c is the hyperslab [c, ...]),
// so memory holds one lane, not the whole run. The labels and indices are read at open.
// A run written with eval.record_energy = false (root attribute energy_recorded = 0) has no
// energy datasets: it opens, and every read of energy throws io_error (require_energy).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "common/h5.hpp"
#include "earlyexit/replay.hpp"

namespace experiments {

// Root attributes and the per-sample metadata of a run file.
struct run_file_header {
    std::string path;                 // the file, as opened (for messages)
    std::int64_t format_version = 0;  // 2
    std::string spikebar_version, git_revision, command, model;
    std::string config;                   // the effective INI config of the run
    std::string hardware;                 // "ideal" or "crossbar"
    std::string policy;                   // earlyexit.policy of the run
    bool energy_recorded = true;          // /@energy_recorded (absent: 1); false: no energy
    bool online_exit = false;             // exited samples were not simulated further
    int lanes = 0;                        // C
    int samples = 0;                      // N
    int timesteps = 0;                    // T
    int classes = 0;                      // K
    std::vector<std::string> rows;        // W + 1 energy rows: weighted layers, then control;
                                          // empty without energy
    std::vector<std::string> components;  // P energy components; empty without energy
    std::vector<std::uint64_t> index;     // [N] dataset index of each sample
    std::vector<std::uint8_t> labels;     // [N] true class
    std::vector<std::uint8_t> policy_t;   // [N] SEENN-II's chosen steps; empty when absent
};

// The per-sample results of one lane as the run logged them (/samples/*).
struct lane_samples {
    std::vector<std::uint8_t> exit_t;      // [N] exit step in 1..T [timesteps]
    std::vector<std::uint8_t> prediction;  // [N]
    std::vector<std::uint8_t> correct;     // [N]
    std::vector<double> energy_pj;         // [N] E at the exit step [pJ]; empty without energy
};

// The per-timestep log of one lane, ready for earlyexit::replay.
struct lane_log {
    int lane = 0;
    int n = 0, t_max = 0, k = 0;
    std::vector<float> logits;           // O_t [N x T x K] float32 [logit units]
    std::vector<double> energy_step_pj;  // e_t [N x T] [pJ]
    std::vector<double> energy_cum_pj;   // E_t = E_{t-1} + e_t from 0 (cumulate_energy) [N x T]
    std::vector<std::int32_t> labels;    // [N]
    // A view over this log (valid while it lives).
    earlyexit::run_view view() const;
};

class run_reader {
public:
    // Opens and validates `path`; throws io_error (see above).
    explicit run_reader(const std::string& path);

    const run_file_header& header() const { return h_; }

    // io_error unless the run recorded energy: "PATH: written with eval.record_energy =
    // false, so it holds no energy; WHO needs a run written with eval.record_energy = true".
    void require_energy(const std::string& who) const;

    // Lane c in [0, C): O_t, per-step and cumulative energy, labels (require_energy).
    lane_log read_lane(int c) const;
    // Lane c's /timesteps/energy_step_pj, e_t [N x T] [pJ] (require_energy).
    std::vector<double> read_energy_step(int c) const;
    // Lane c's /samples/{exit_t, prediction, correct, energy_pj}.
    lane_samples read_samples(int c) const;
    // /timesteps/energy_pj of lane c, samples [first, first + count):
    // [count x T x (W+1) x P] row-major [pJ] (require_energy).
    std::vector<double> read_energy(int c, int first, int count) const;

private:
    void check_lane(int c) const;  // io_error unless c in [0, C)
    void check_energy();           // the energy datasets; sets rows and components
    h5::file f_;
    run_file_header h_;
};

// A string attribute as a list: a 1-D array of strings (fixed or variable length) gives its
// elements, a scalar string one element. io_error naming obj@name otherwise.
std::vector<std::string> read_attr_strings(const h5::file& f, const std::string& obj,
                                           const std::string& name);

}  // namespace experiments
