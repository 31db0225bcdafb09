// The sweep file (docs/output-format.md, "Sweep file"): one HDF5 file per sweep, or per
// shard of one, assembled from finished point run files once every point is done. It holds
// a points table (the varied values, then per point the summaries over its chips) and one
// group per point with that point's whole run file (its datasets copied as stored, its root
// attributes on the group), plus what defines the sweep: the config text, --set, --model and
// a fingerprint of every point's model and result_config.
//
// Accuracy over the C chips of a point: mean, sample standard deviation (n - 1) and the 95 %
// confidence interval of the mean, mean ± t_{0.975, C-1} · sd / sqrt(C) (Student's t; NaN
// for C = 1).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "experiments/sweep/sweep.hpp"

namespace experiments {

// Where a finished point's run lives: a point file ("/") or a group of a shard file.
struct point_source {
    std::size_t index = 0;  // the point
    std::string file;
    std::string object;  // "/" or "/points/point_00012"
};

// What a sweep or shard file says about the sweep that wrote it (its root attributes).
struct sweep_file_info {
    std::string path;
    std::string config_path, config_text, model, fingerprint, command;
    std::vector<std::string> overrides;
    std::size_t points_total = 0;
    int shard_index = 0, shard_count = 1;
    std::vector<std::size_t> points;  // the points it holds, ascending
};

// Per point of the file, what the table holds; for the summary printed at the end.
struct point_summary {
    std::size_t index = 0;
    int lanes = 0, timesteps = 0;
    std::size_t samples = 0;
    double accuracy_mean = 0, accuracy_std = 0, ci95_low = 0, ci95_high = 0;
    double mean_timesteps = 0;
    double mean_energy_pj = 0;  // NaN for a run without energy (eval.record_energy = false)
    bool energy_recorded = true;
    std::vector<double> accuracy_fixed_t;  // [T] mean over chips
};

// Writes PATH.tmp with the table and one group per source (ascending point order), then
// fsyncs and renames it to PATH. `sources` are this file's points; shard_count = 1 for a
// complete sweep. Results depend only on the sources' contents, not on which files hold them.
// Returns the table's rows.
std::vector<point_summary> write_sweep_file(const std::string& path, const sweep_spec& s,
                                            const std::string& config_path,
                                            const std::vector<point_source>& sources,
                                            int shard_index, int shard_count,
                                            const std::string& command);

// Reads and checks the root attributes of a sweep or shard file; io_error naming the file.
sweep_file_info read_sweep_file_info(const std::string& path);

// Empty when the run file at `path` is point p of this sweep (same model, same
// result_config); otherwise what differs, e.g. "its config has wires.r_row_ohm = 1, this
// sweep's point has wires.r_row_ohm = 2.5". io_error when it is not a readable run file.
std::string point_file_mismatch(const std::string& path, const sweep_point& p);

// A point's table row, from its run's /summary datasets and root attributes.
point_summary summarize_point(const point_source& src);

// t_{0.975, dof}: the two-sided 95 % quantile of Student's t (dof >= 1).
double student_t975(int dof);

}  // namespace experiments
