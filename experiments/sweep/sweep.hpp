// A parameter sweep (docs/sweep.md): the [sweep] section of a config expanded into points,
// each a full run_config: the config file, then --set, then the point's values as further
// "section.key=value" overrides, through the same parse and validate path as --set. Every
// point is built and checked before anything runs, so a bad value fails at second 0.
//
// [sweep] lines, one per varied key:
//   wires.r_row_ohm = 0, 1, 2.5, 5      a list (values cannot contain ',')
//   device.d2d_sigma = 0:0.05:0.3       a range start:step:stop (value_range.hpp, the
//                                       grammar of replay --sweep too): start + i * step
//                                       while within stop + 1e-9 * |step|, each printed
//                                       with 12 significant digits (0.3, not
//                                       0.30000000000000004); a negative step counts down
//   model = models/a.h5, models/b.h5    the model file of each point (instead of --model)
//   zip = model, earlyexit.t_max        keys that vary together, row by row; their lists
//                                       must have equal lengths; groups separated by ';'
// Axes: each zip group is one axis, every other key one axis, in the order their first key
// appears in [sweep]. Points: the cartesian product of the axes, the last axis varying
// fastest; point i is the i-th combination in that order.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "experiments/config/config.hpp"

namespace experiments {

// One axis of the grid: a single key, or a zip group varying together.
struct sweep_axis {
    std::vector<std::string> keys;               // [k] in [sweep] order
    std::vector<std::vector<std::string>> rows;  // [row][k] value text
};

struct sweep_point {
    std::size_t index = 0;            // position in the grid
    std::vector<std::string> values;  // [V] the value of each varied key (sweep_spec::keys)
    std::string model;                // the model file
    run_config config;                // base config + values, validated
};

struct sweep_spec {
    std::string source;                  // "config <path>", prefix of every message
    std::string text;                    // the config file's text, [sweep] included
    std::vector<std::string> overrides;  // --set, in order
    std::string model;                   // --model; empty when [sweep] has a model line
    std::vector<std::string> keys;       // [V] varied keys: the axes' keys in axis order
    std::vector<sweep_axis> axes;
    std::vector<sweep_point> points;
    std::string fingerprint;  // 16 hex digits: hash of every point's model and result_config
};

// Parses [sweep] of `text` and builds every point's config. Throws config_error at the first
// problem, naming the [sweep] key and value (docs/sweep.md lists the messages), e.g.
//   config s.ini: [sweep] wires.r_row_ohm = -1: must be >= 0 [ohm]
sweep_spec plan_sweep(const std::string& text, const std::string& source,
                      const std::vector<std::string>& overrides, const std::string& model);

// The value texts of one [sweep] line: a comma-separated list or, for a numeric key, a range
// start:step:stop (value_range.hpp).
// Throws config_error("<prefix><key> = <text>: <what is wrong>").
std::vector<std::string> expand_sweep_values(const std::string& key, const std::string& text,
                                             const std::string& prefix);

// Why varying `key` in a sweep cannot change any result (the model governs it, only training
// reads it, or results do not depend on it), or "" for a key that can. plan_sweep refuses
// such a [sweep] line: its points would be identical results labelled differently.
std::string inert_in_sweep(const std::string& key);

// What identifies a point's results: effective_config(c) with the keys that do not change
// them (eval.threads, eval.batch_size, output.dir) at their defaults. Results are
// bit-identical for any thread count and batch size (docs/output-format.md).
std::string result_config(const run_config& c);

// Per point, what running it takes, from the model and dataset files: checked before any
// point runs (model readable, earlyexit.t_max = the model's T, the policy buildable, the
// test set readable and shaped for the model). Completes every point's config from its
// model (for_inference: the model's [network], [lif] and T), so that resume compares
// point files with what was simulated. Throws io_error or config_error naming the point.
struct point_size {
    std::size_t samples = 0;  // N test samples
    int lanes = 1;            // C: crossbar.chips, or 1 ideal
};
std::vector<point_size> check_sweep_inputs(sweep_spec& s);

// "wires.r_row_ohm = 2.5, model = m.h5": a point's varied values.
std::string describe_point(const sweep_spec& s, const sweep_point& p);

// "point_00012": the name of point i's file (.h5) in the work directory and of its group
// in the sweep file.
std::string point_name(std::size_t index);

// FNV-1a 64 of `text`, as 16 hex digits.
std::string fingerprint_of(const std::string& text);

}  // namespace experiments
