// spikebar export-energy: a run file's energy log as CSV for spreadsheets (docs/replay.md).
// One row per (lane, sample, timestep): the sample's dataset index, label and exit step,
// whether the step is within its exit, the step's total e_t and the cumulative
// E_t = E_{t-1} + e_t (earlyexit::cumulate_energy, so E at the exit step is the run's
// /samples/energy_pj bit for bit), then per-layer and/or per-component sums of
// /timesteps/energy_pj named from its `rows` and `components` attributes. Reads a block of
// samples at a time and writes to PATH.tmp, renamed when complete.

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "app/cli.hpp"
#include "app/commands.hpp"
#include "common/errors.hpp"
#include "common/h5.hpp"
#include "earlyexit/controller.hpp"
#include "experiments/io/run_reader.hpp"

namespace experiments {

namespace {

const char* const usage =
    "usage: spikebar export-energy --run run.h5 --csv out.csv [--by layer|component|both] "
    "[--lane c]\n"
    "\n"
    "  --run PATH   a run file written by spikebar eval --out\n"
    "  --csv PATH   one row per (lane, sample, timestep); energies in pJ\n"
    "  --by WHAT    per-step columns by layer (energy row), by component, or both (default)\n"
    "  --lane c     only lane (chip) c; default every lane\n";

constexpr int block_samples = 256;  // samples of /timesteps/energy_pj read at once

// A CSV field: quoted when it holds a comma, quote or line break.
std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
    std::string q = "\"";
    for (char ch : s) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
    return q + "\"";
}

// Appends the shortest text that reads back as the same double.
void append_number(std::string& out, double v) {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

}  // namespace

int cmd_export_energy(const args& a) {
    std::string run_path, csv_path, by = "both", lane_text;
    cli_parser cli("export-energy", usage);
    cli.value("--run", &run_path)
        .output("--csv", &csv_path)
        .value("--by", &by)
        .value("--lane", &lane_text);
    if (!cli.parse(a)) return 0;
    cli.require("--run", run_path);
    cli.require("--csv", csv_path);
    if (by != "layer" && by != "component" && by != "both")
        throw spikebar::config_error("export-energy: --by " + by +
                                     ": expected one of layer, component, both");
    const bool by_layer = by != "component", by_component = by != "layer";

    const run_reader run(run_path);
    run.require_energy("export-energy");
    const run_file_header& h = run.header();
    std::vector<int> lanes;
    if (!lane_text.empty()) {
        char* end = nullptr;
        const long c = std::strtol(lane_text.c_str(), &end, 10);
        if (end != lane_text.c_str() + lane_text.size() || c < 0 || c >= h.lanes)
            throw spikebar::config_error("export-energy: --lane " + lane_text +
                                         ": expected a lane in 0.." + std::to_string(h.lanes - 1));
        lanes.push_back(int(c));
    } else {
        for (int c = 0; c < h.lanes; ++c) lanes.push_back(c);
    }

    if (auto dir = std::filesystem::path(csv_path).parent_path(); !dir.empty())
        std::filesystem::create_directories(dir);
    const std::string tmp = csv_path + ".tmp";
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) throw spikebar::io_error(tmp + ": cannot create");
    const int N = h.samples, T = h.timesteps;
    const int R = static_cast<int>(h.rows.size()), P = static_cast<int>(h.components.size());
    std::size_t lines = 0;
    try {
        std::string line = "lane,sample,index,label,exit_t,t,active,step_pj,cumulative_pj";
        if (by_layer)
            for (const std::string& r : h.rows) line += "," + csv_field("layer." + r + "_pj");
        if (by_component)
            for (const std::string& p : h.components)
                line += "," + csv_field("component." + p + "_pj");
        line += "\n";
        std::fputs(line.c_str(), f);
        std::vector<double> cum(T);
        for (int c : lanes) {
            const std::vector<std::uint8_t> exit_t = run.read_samples(c).exit_t;
            const std::vector<double> step = run.read_energy_step(c);
            for (int first = 0; first < N; first += block_samples) {
                const int count = std::min(block_samples, N - first);
                const std::vector<double> e = run.read_energy(c, first, count);
                for (int j = 0; j < count; ++j) {
                    const int i = first + j;
                    const double* step_i = step.data() + static_cast<std::size_t>(i) * T;
                    earlyexit::cumulate_energy(step_i, T, cum.data());
                    for (int t = 1; t <= T; ++t) {
                        const double* et =
                            e.data() + (static_cast<std::size_t>(j) * T + (t - 1)) * R * P;
                        line.clear();
                        line += std::to_string(c) + "," + std::to_string(i) + "," +
                                std::to_string(h.index[i]) + "," + std::to_string(h.labels[i]) +
                                "," + std::to_string(exit_t[i]) + "," + std::to_string(t) + "," +
                                (t <= exit_t[i] ? "1" : "0") + ",";
                        append_number(line, step_i[t - 1]);
                        line += ',';
                        append_number(line, cum[t - 1]);
                        // Each layer: its components summed in index order from 0.
                        if (by_layer)
                            for (int r = 0; r < R; ++r) {
                                double s = 0.0;
                                for (int p = 0; p < P; ++p) s += et[r * P + p];
                                line += ',';
                                append_number(line, s);
                            }
                        // Each component: the rows summed in index order from 0.
                        if (by_component)
                            for (int p = 0; p < P; ++p) {
                                double s = 0.0;
                                for (int r = 0; r < R; ++r) s += et[r * P + p];
                                line += ',';
                                append_number(line, s);
                            }
                        line += '\n';
                        std::fwrite(line.data(), 1, line.size(), f);
                        ++lines;
                    }
                }
            }
        }
    } catch (...) {
        std::fclose(f);
        std::remove(tmp.c_str());
        throw;
    }
    const bool ok = std::ferror(f) == 0;
    if (std::fclose(f) != 0 || !ok) {
        std::remove(tmp.c_str());
        throw spikebar::io_error(tmp + ": write failed");
    }
    h5::commit_file(tmp, csv_path);
    std::printf("export-energy  %s  %zu lane%s x %d samples x %d steps = %zu rows  wrote %s\n",
                run_path.c_str(), lanes.size(), lanes.size() == 1 ? "" : "s", N, T, lines,
                csv_path.c_str());
    return 0;
}

}  // namespace experiments
