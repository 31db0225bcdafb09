// spikebar replay: evaluates an early-exit policy, or a sweep of its threshold, on the
// per-timestep outputs a run logged (docs/replay.md), without simulating again. It feeds the
// logged O_t through earlyexit::replay, the controller the online engine runs, with the
// energy E_t cumulated from /timesteps/energy_step_pj, so a replay of the run's own policy
// gives the run's /samples/* bit for bit. Writes a Pareto table per lane with the fixed-T
// baselines and the oracle bound (HDF5 and CSV, docs/output-format.md "Replay file").

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "app/cli.hpp"
#include "app/commands.hpp"
#include "common/errors.hpp"
#include "common/h5.hpp"
#include "common/version.hpp"
#include "earlyexit/oracle.hpp"
#include "earlyexit/policy.hpp"
#include "earlyexit/policy_table.hpp"
#include "earlyexit/replay.hpp"
#include "experiments/config/config.hpp"
#include "experiments/config/value_range.hpp"
#include "experiments/io/run_reader.hpp"

namespace experiments {

namespace {

const char* const usage =
    "usage: spikebar replay --run run.h5 [--policy NAME] [--sweep KEY=START:STEP:STOP | "
    "--sweep KEY=v1,v2,...]\n"
    "                       [--set earlyexit.KEY=V]... [--lane c] [--out pareto.h5] [--csv "
    "pareto.csv]\n"
    "\n"
    "  --run PATH     a run file written by spikebar eval --out with eval.online_exit = false\n"
    "  --policy NAME  fixed, confidence, entropy, margin, patience, seenn2 or oracle\n"
    "                 (default: the run's earlyexit.policy)\n"
    "  --sweep K=...  evaluate the policy at each value of its threshold K (fixed_t, alpha,\n"
    "                 entropy_threshold, margin_delta, patience_k): START:STEP:STOP, as in\n"
    "                 [sweep] (0.5:0.01:0.99 is 0.5, 0.51, ..., 0.99), or a list\n"
    "  --set K=V      override earlyexit.K of the run's config; repeatable\n"
    "  --lane c       only lane (chip) c; default every lane\n"
    "  --out PATH     write the Pareto table, fixed-T baselines, oracle bound (and, without\n"
    "                 --sweep, per-sample results) as HDF5\n"
    "  --csv PATH     the same tables as CSV, one row per lane and threshold\n";

[[noreturn]] void fail(const std::string& what) {
    throw spikebar::config_error("replay: " + what);
}

// The values of --sweep KEY=START:STEP:STOP or KEY=v1,v2,..., the grammar of [sweep] lines
// (value_range.hpp).
struct sweep_spec {
    std::string key;
    std::vector<double> values;
};

sweep_spec parse_sweep(const std::string& spec) {
    const std::size_t eq = spec.find('=');
    sweep_spec s;
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
        fail("--sweep '" + spec + "': expected KEY=START:STEP:STOP or KEY=v1,v2,...");
    s.key = spec.substr(0, eq);
    if (s.key.rfind("earlyexit.", 0) == 0) s.key = s.key.substr(10);
    const std::string rest = spec.substr(eq + 1);
    const std::string where = "replay: --sweep '" + spec + "': ";
    const std::vector<std::string> texts =
        is_range(rest) ? range_values(rest, where) : list_values(rest, where);
    for (const std::string& t : texts) {
        double v;
        if (!parse_real(t, &v)) fail("--sweep '" + spec + "': '" + t + "' is not a finite number");
        s.values.push_back(v);
    }
    return s;
}

struct lane_report {
    int lane = 0;
    std::vector<earlyexit::pareto_row> rows;   // the policy: one per sweep value, or one
    std::vector<earlyexit::pareto_row> fixed;  // fixed T = 1..T_max
    earlyexit::replay_summary oracle;
    std::vector<earlyexit::frontier_point> frontier;
    earlyexit::replay_result single;  // per-sample results without --sweep
};

lane_report replay_lane(const run_reader& run, int c, const earlyexit::earlyexit_params& params,
                        const sweep_spec* sweep) {
    const run_file_header& h = run.header();
    const lane_log log = run.read_lane(c);
    const earlyexit::run_view view = log.view();
    lane_report r;
    r.lane = c;
    const earlyexit::policy_kind kind = params.kind();
    if (sweep) {
        r.rows = earlyexit::sweep(params, sweep->values, view);
    } else {
        if (kind == earlyexit::policy_kind::oracle) {
            r.single = earlyexit::replay_oracle(view);
        } else {
            const std::unique_ptr<earlyexit::policy> p = earlyexit::make_policy(params);
            std::vector<std::int32_t> init;
            if (kind == earlyexit::policy_kind::seenn2)
                init.assign(h.policy_t.begin(), h.policy_t.end());
            r.single = earlyexit::replay(*p, view, init.empty() ? nullptr : init.data());
        }
        r.rows.resize(1);
        r.rows[0].threshold = earlyexit::knob_value(params);
        r.rows[0].summary = earlyexit::summarize(r.single);
        earlyexit::mark_pareto(r.rows);
    }
    earlyexit::earlyexit_params fixed = params;
    fixed.policy = "fixed";
    std::vector<double> steps;
    for (int t = 1; t <= h.timesteps; ++t) steps.push_back(t);
    r.fixed = earlyexit::sweep(fixed, steps, view);
    r.oracle = earlyexit::summarize(earlyexit::replay_oracle(view));
    r.frontier = earlyexit::oracle_frontier(view);
    return r;
}

// ---- output ---------------------------------------------------------------------------

void make_parent(const std::string& path) {
    if (auto dir = std::filesystem::path(path).parent_path(); !dir.empty())
        std::filesystem::create_directories(dir);
}

void put_dataset(const h5::file& f, const std::string& path, const std::vector<hsize_t>& dims,
                 hid_t file_type, hid_t mem_type, const void* data) {
    const h5::id space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                       H5Sclose);
    const h5::id lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
    H5Pset_create_intermediate_group(lcpl.get(), 1);
    const h5::id d(H5Dcreate2(f.h.get(), path.c_str(), file_type, space.get(), lcpl.get(),
                              H5P_DEFAULT, H5P_DEFAULT),
                   H5Dclose);
    if (!d.ok() || H5Dwrite(d.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
        throw spikebar::io_error(f.path + ": cannot write dataset " + path);
}
void put_int64s(const h5::file& f, const std::string& path, const std::vector<hsize_t>& dims,
                const std::vector<std::int64_t>& v) {
    put_dataset(f, path, dims, H5T_STD_I64LE, H5T_NATIVE_INT64, v.data());
}
void put_uint64s(const h5::file& f, const std::string& path, const std::vector<hsize_t>& dims,
                 const std::vector<std::uint64_t>& v) {
    put_dataset(f, path, dims, H5T_STD_U64LE, H5T_NATIVE_UINT64, v.data());
}

// The columns of replay_summary, one entry per summary in the order added, written into a
// group as datasets of shape `dims` (the replay file's schema, docs/output-format.md).
struct summary_columns {
    std::vector<double> acc, mean_t, energy;
    std::vector<std::int64_t> p50, p90, p99;
    void add(const earlyexit::replay_summary& s) {
        acc.push_back(s.accuracy);
        mean_t.push_back(s.mean_t);
        energy.push_back(s.mean_energy);
        p50.push_back(s.p50_t);
        p90.push_back(s.p90_t);
        p99.push_back(s.p99_t);
    }
    void write(const h5::file& f, const std::string& group,
               const std::vector<hsize_t>& dims) const {
        h5::write_doubles(f, group + "/accuracy", dims, acc.data());
        h5::write_doubles(f, group + "/mean_timesteps", dims, mean_t.data());
        h5::write_doubles(f, group + "/mean_energy_pj", dims, energy.data());
        put_int64s(f, group + "/p50_t", dims, p50);
        put_int64s(f, group + "/p90_t", dims, p90);
        put_int64s(f, group + "/p99_t", dims, p99);
    }
};

// One table group (/pareto or /fixed_t): rows [L x R] of pareto_row.
void write_table(const h5::file& f, const std::string& group, const std::vector<double>& threshold,
                 const std::vector<lane_report>& lanes,
                 std::vector<earlyexit::pareto_row> lane_report::*rows) {
    const hsize_t L = lanes.size(), R = threshold.size();
    summary_columns cols;
    std::vector<std::uint8_t> pt, pe;
    for (const lane_report& l : lanes)
        for (const earlyexit::pareto_row& row : l.*rows) {
            cols.add(row.summary);
            pt.push_back(row.pareto_timesteps ? 1 : 0);
            pe.push_back(row.pareto_energy ? 1 : 0);
        }
    h5::write_doubles(f, group + "/threshold", {R}, threshold.data());
    cols.write(f, group, {L, R});
    h5::write_uint8s(f, group + "/pareto_timesteps", {L, R}, pt.data());
    h5::write_uint8s(f, group + "/pareto_energy", {L, R}, pe.data());
}

struct replay_info {
    std::string run_path, command, config, key, sweep;
    const run_file_header* header = nullptr;
    std::string policy;
};

void write_h5(const std::string& path, const replay_info& info,
              const std::vector<lane_report>& lanes, bool per_sample) {
    const run_file_header& h = *info.header;
    const std::string tmp = path + ".tmp";
    try {
        const h5::file f = h5::file::create(tmp);
        h5::write_attr(f, "/", "format", std::string("spikebar-replay"));
        h5::write_attr(f, "/", "format_version", std::int64_t{1});
        h5::write_attr(f, "/", "spikebar_version", std::string(SPIKEBAR_VERSION));
        h5::write_attr(f, "/", "git_revision", std::string(spikebar::git_revision()));
        h5::write_attr(f, "/", "command", info.command);
        h5::write_attr(f, "/", "run", info.run_path);
        h5::write_attr(f, "/", "run_git_revision", h.git_revision);
        h5::write_attr(f, "/", "hardware", h.hardware);
        h5::write_attr(f, "/", "config", info.config);
        h5::write_attr(f, "/", "policy", info.policy);
        h5::write_attr(f, "/", "threshold_key", info.key);
        h5::write_attr(f, "/", "sweep", info.sweep);
        h5::write_attr(f, "/", "lanes", std::int64_t(lanes.size()));
        h5::write_attr(f, "/", "samples", std::int64_t(h.samples));
        h5::write_attr(f, "/", "timesteps", std::int64_t(h.timesteps));
        h5::write_attr(f, "/", "classes", std::int64_t(h.classes));
        const hsize_t L = lanes.size(), N = h.samples, T = h.timesteps;
        std::vector<std::int64_t> lane_ids;
        for (const lane_report& l : lanes) lane_ids.push_back(l.lane);
        put_int64s(f, "/lane", {L}, lane_ids);

        std::vector<double> thresholds;
        for (const earlyexit::pareto_row& row : lanes.front().rows)
            thresholds.push_back(row.threshold);
        write_table(f, "/pareto", thresholds, lanes, &lane_report::rows);
        std::vector<double> steps;
        for (hsize_t t = 1; t <= T; ++t) steps.push_back(double(t));
        write_table(f, "/fixed_t", steps, lanes, &lane_report::fixed);

        summary_columns oracle_cols;
        std::vector<double> ftotal_e;
        std::vector<std::int64_t> fmax, ftotal_t;
        for (const lane_report& l : lanes) {
            oracle_cols.add(l.oracle);
            fmax.push_back(std::int64_t(l.frontier.size()) - 1);
            for (hsize_t m = 0; m <= N; ++m) {
                const bool reachable = m < l.frontier.size();
                ftotal_t.push_back(reachable ? l.frontier[m].total_t : -1);
                ftotal_e.push_back(reachable ? l.frontier[m].total_energy
                                             : std::numeric_limits<double>::quiet_NaN());
            }
        }
        oracle_cols.write(f, "/oracle", {L});
        put_int64s(f, "/oracle/frontier_max_correct", {L}, fmax);
        put_int64s(f, "/oracle/frontier_total_t", {L, N + 1}, ftotal_t);
        h5::write_doubles(f, "/oracle/frontier_total_energy_pj", {L, N + 1}, ftotal_e.data());

        if (per_sample) {
            put_uint64s(f, "/samples/index", {N}, h.index);
            h5::write_uint8s(f, "/samples/label", {N}, h.labels.data());
            std::vector<std::uint8_t> exit_t, pred, correct;
            std::vector<double> e;
            for (const lane_report& l : lanes) {
                for (int v : l.single.exit_t) exit_t.push_back(std::uint8_t(v));
                for (int v : l.single.prediction) pred.push_back(std::uint8_t(v));
                correct.insert(correct.end(), l.single.correct.begin(), l.single.correct.end());
                e.insert(e.end(), l.single.energy.begin(), l.single.energy.end());
            }
            h5::write_uint8s(f, "/samples/exit_t", {L, N}, exit_t.data());
            h5::write_uint8s(f, "/samples/prediction", {L, N}, pred.data());
            h5::write_uint8s(f, "/samples/correct", {L, N}, correct.data());
            h5::write_doubles(f, "/samples/energy_pj", {L, N}, e.data());
        }
    } catch (...) {
        std::error_code ec;
        std::filesystem::remove(tmp, ec);
        throw;
    }
    h5::commit_file(tmp, path);
}

// A CSV number: shortest text that reads back as the same double; empty for NaN.
std::string num(double v) {
    if (std::isnan(v)) return {};
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

void write_csv(const std::string& path, const replay_info& info,
               const std::vector<lane_report>& lanes) {
    const std::string tmp = path + ".tmp";
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) throw spikebar::io_error(tmp + ": cannot create");
    const double n = info.header->samples;
    std::fputs(
        "kind,lane,policy,threshold,accuracy,mean_timesteps,mean_energy_pj,p50_t,p90_t,p99_t,"
        "pareto_timesteps,pareto_energy\n",
        f);
    const auto row = [&](const char* kind, int lane, const std::string& policy, double threshold,
                         const earlyexit::replay_summary& s, const std::string& flags) {
        std::fprintf(f, "%s,%d,%s,%s,%s,%s,%s,%d,%d,%d,%s\n", kind, lane, policy.c_str(),
                     num(threshold).c_str(), num(s.accuracy).c_str(), num(s.mean_t).c_str(),
                     num(s.mean_energy).c_str(), s.p50_t, s.p90_t, s.p99_t, flags.c_str());
    };
    const auto flags = [](const earlyexit::pareto_row& r) {
        return std::string(r.pareto_timesteps ? "1" : "0") + "," + (r.pareto_energy ? "1" : "0");
    };
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (const lane_report& l : lanes) {
        for (const earlyexit::pareto_row& r : l.rows)
            row("policy", l.lane, info.policy, r.threshold, r.summary, flags(r));
        for (const earlyexit::pareto_row& r : l.fixed)
            row("fixed_t", l.lane, "fixed", r.threshold, r.summary, flags(r));
        row("oracle", l.lane, "oracle", nan, l.oracle, ",");
        // The frontier's points have no percentiles: those columns stay empty.
        for (const earlyexit::frontier_point& p : l.frontier)
            std::fprintf(f, "oracle_frontier,%d,oracle,,%s,%s,%s,,,,,\n", l.lane,
                         num(p.correct / n).c_str(), num(double(p.total_t) / n).c_str(),
                         num(p.total_energy / n).c_str());
    }
    const bool ok = std::ferror(f) == 0;
    if (std::fclose(f) != 0 || !ok) {
        std::remove(tmp.c_str());
        throw spikebar::io_error(tmp + ": write failed");
    }
    h5::commit_file(tmp, path);
}

// The rows the terminal shows: every row of a short table; otherwise the energy-Pareto rows
// with distinct results (the first of each run of ties), at most `most` of them spread
// evenly, plus the most accurate row (the cheapest among equals).
std::vector<std::size_t> shown_rows(const std::vector<earlyexit::pareto_row>& rows,
                                    std::size_t most) {
    std::vector<std::size_t> all(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) all[i] = i;
    if (rows.size() <= most) return all;
    const auto same = [&](std::size_t i, std::size_t j) {
        const earlyexit::replay_summary &a = rows[i].summary, &b = rows[j].summary;
        return a.accuracy == b.accuracy && a.mean_t == b.mean_t && a.mean_energy == b.mean_energy;
    };
    std::vector<std::size_t> front;
    std::size_t best = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        if (rows[i].pareto_energy &&
            std::none_of(front.begin(), front.end(), [&](std::size_t j) { return same(i, j); }))
            front.push_back(i);
        const earlyexit::replay_summary &s = rows[i].summary, &b = rows[best].summary;
        if (s.accuracy > b.accuracy || (s.accuracy == b.accuracy && s.mean_energy < b.mean_energy))
            best = i;
    }
    std::vector<std::size_t> out;
    if (front.size() <= most) {
        out = front;
    } else {
        for (std::size_t j = 0; j < most; ++j)
            out.push_back(front[j * (front.size() - 1) / (most - 1)]);
    }
    out.push_back(best);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

// At most 6 significant digits, for the terminal (0.8250000000000001 -> 0.825).
std::string short_number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

void print_row(int width, const std::string& kind, const std::string& threshold,
               const earlyexit::replay_summary& s, const std::string& flags) {
    std::printf("  %-6s %-*s %7.2f %%  %6.3f  %3d %3d %3d  %14.6g  %s\n", kind.c_str(), width,
                threshold.c_str(), 100.0 * s.accuracy, s.mean_t, s.p50_t, s.p90_t, s.p99_t,
                s.mean_energy, flags.c_str());
}

void print_lane(const replay_info& info, const lane_report& l) {
    const run_file_header& h = *info.header;
    std::printf("replay  %s  lane %d  policy %s%s%s  %zu value%s  %d samples  T=%d\n",
                info.run_path.c_str(), l.lane, info.policy.c_str(),
                info.key.empty() ? "" : " over ", info.key.c_str(), l.rows.size(),
                l.rows.size() == 1 ? "" : "s", h.samples, h.timesteps);
    const std::string key = info.key.empty() ? "threshold" : info.key;
    const int w = std::max<int>(10, static_cast<int>(key.size()));
    std::printf("  %-6s %-*s %9s  %6s  %3s %3s %3s  %14s  %s\n", "kind", w, key.c_str(), "accuracy",
                "mean t", "p50", "p90", "p99", "pJ/sample", "pareto (t, e)");
    const auto flags = [](const earlyexit::pareto_row& r) {
        return std::string(r.pareto_timesteps ? "t" : "-") + " " + (r.pareto_energy ? "e" : "-");
    };
    const std::vector<std::size_t> show = shown_rows(l.rows, 10);
    for (std::size_t i : show)
        print_row(w, "policy",
                  std::isnan(l.rows[i].threshold) ? "-" : short_number(l.rows[i].threshold),
                  l.rows[i].summary, flags(l.rows[i]));
    if (show.size() < l.rows.size())
        std::printf(
            "  (%zu of %zu rows: distinct energy-Pareto rows and the most accurate; "
            "all in --csv and --out)\n",
            show.size(), l.rows.size());
    const int T = h.timesteps;
    for (int t = 1; t <= T; ++t) {
        // At most 8 fixed-T rows: t = 1, T and evenly spaced steps between.
        if (T > 8 && t != 1 && t != T && (t - 1) % ((T + 6) / 7) != 0) continue;
        print_row(w, "fixed", "t=" + std::to_string(t), l.fixed[t - 1].summary,
                  flags(l.fixed[t - 1]));
    }
    print_row(w, "oracle", "-", l.oracle, "");
    // The frontier at the accuracy of fixed T_max: the least mean cost of any exit rule.
    const std::size_t m =
        static_cast<std::size_t>(std::llround(l.fixed.back().summary.accuracy * double(h.samples)));
    if (m < l.frontier.size())
        std::printf(
            "  bound  at fixed T=%d's accuracy no exit rule needs fewer than %.3f "
            "steps or %.6g pJ per sample (oracle frontier)\n",
            T, double(l.frontier[m].total_t) / h.samples, l.frontier[m].total_energy / h.samples);
}

}  // namespace

int cmd_replay(const args& a) {
    std::string run_path, policy, sweep_text, lane_text, out_path, csv_path;
    std::vector<std::string> sets;
    cli_parser cli("replay", usage);
    cli.value("--run", &run_path)
        .value("--policy", &policy)
        .value("--sweep", &sweep_text)
        .repeated("--set", &sets)
        .value("--lane", &lane_text)
        .output("--out", &out_path)
        .output("--csv", &csv_path);
    if (!cli.parse(a)) return 0;
    cli.require("--run", run_path);

    std::vector<std::string> overrides;
    for (const std::string& s : sets) {
        if (s.rfind("earlyexit.", 0) != 0)
            fail("--set " + s + ": only earlyexit.* keys apply to a replay");
        overrides.push_back(s);
    }
    if (!policy.empty()) {
        earlyexit::parse_policy_kind(policy);  // config_error naming earlyexit.policy
        overrides.push_back("earlyexit.policy=" + policy);
    }
    std::unique_ptr<sweep_spec> sweep;
    if (!sweep_text.empty()) sweep = std::make_unique<sweep_spec>(parse_sweep(sweep_text));

    const run_reader run(run_path);
    const run_file_header& h = run.header();
    if (h.online_exit)
        throw spikebar::io_error(run_path +
                                 ": logged with eval.online_exit = true (no outputs after each "
                                 "exit); replay needs a run logged with eval.online_exit = false");
    // Every table row and the oracle bound report energy: no replay without it.
    run.require_energy("replay");
    run_config cfg = parse_config(h.config, run_path + "@config", overrides);
    // The log decides how far a sample can run (spikebar eval requires t_max = T too).
    if (cfg.earlyexit.t_max != h.timesteps)
        fail("earlyexit.t_max = " + std::to_string(cfg.earlyexit.t_max) + ": the run logged T = " +
             std::to_string(h.timesteps) + " steps, and a replay runs to T");
    const earlyexit::earlyexit_params& params = cfg.earlyexit;
    params.validate();
    const earlyexit::policy_kind kind = params.kind();

    replay_info info;
    info.run_path = run_path;
    info.command = command_line("replay", a);
    info.config = effective_config(cfg);
    info.header = &h;
    info.policy = params.policy;
    const char* knob = earlyexit::policy_row(kind).knob;  // nullptr: nothing to sweep
    if (sweep) {
        if (!knob)
            fail("--sweep: policy " + params.policy + " has no threshold to sweep");
        if (sweep->key != knob)
            fail("--sweep " + sweep_text + ": the threshold of policy " + params.policy +
                 " is earlyexit." + knob + ", not " + sweep->key);
        for (double v : sweep->values) earlyexit::with_threshold(params, v);  // range checks
        info.sweep = sweep_text;
    }
    if (knob) info.key = knob;
    if (kind == earlyexit::policy_kind::seenn2 && h.policy_t.empty())
        fail("policy seenn2 replays the steps its policy net chose, /samples/policy_t, which " +
             run_path + " does not hold (a run logged with earlyexit.policy = " + h.policy + ")");

    std::vector<int> lane_ids;
    if (!lane_text.empty()) {
        char* end = nullptr;
        const long c = std::strtol(lane_text.c_str(), &end, 10);
        if (end != lane_text.c_str() + lane_text.size() || c < 0 || c >= h.lanes)
            fail("--lane " + lane_text + ": expected a lane in 0.." + std::to_string(h.lanes - 1));
        lane_ids.push_back(int(c));
    } else {
        for (int c = 0; c < h.lanes; ++c) lane_ids.push_back(c);
    }

    std::vector<lane_report> lanes;
    for (int c : lane_ids) {
        lanes.push_back(replay_lane(run, c, params, sweep.get()));
        print_lane(info, lanes.back());
    }
    if (!out_path.empty()) {
        make_parent(out_path);
        write_h5(out_path, info, lanes, !sweep);
    }
    if (!csv_path.empty()) {
        make_parent(csv_path);
        write_csv(csv_path, info, lanes);
    }
    if (!out_path.empty() || !csv_path.empty())
        std::printf("wrote  %s%s%s\n", out_path.c_str(),
                    !out_path.empty() && !csv_path.empty() ? ", " : "", csv_path.c_str());
    return 0;
}

}  // namespace experiments
