// spikebar sweep: every point of a config's [sweep] grid evaluated as `spikebar eval` would
// (docs/sweep.md). Each point's run file goes to OUT.work/point_NNNNN.h5 (temporary name,
// fsync, rename); once all are there they are assembled into the sweep file OUT
// (docs/output-format.md, "Sweep file") and the work directory is removed. A sweep killed
// at any moment continues with --resume: finished point files that belong to this sweep are
// kept, nothing else is trusted (experiments/sweep/sweep_workdir.hpp).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <sstream>

#include "app/cli.hpp"
#include "app/commands.hpp"
#include "app/progress.hpp"
#include "app/run_cli.hpp"
#include "common/clock.hpp"
#include "common/errors.hpp"
#include "experiments/config/config.hpp"
#include "experiments/run_eval.hpp"
#include "experiments/sweep/sweep.hpp"
#include "experiments/sweep/sweep_file.hpp"
#include "experiments/sweep/sweep_ranks.hpp"
#include "experiments/sweep/sweep_workdir.hpp"

namespace experiments {

namespace {

namespace fs = std::filesystem;

const char* const usage =
    "usage: spikebar sweep --config FILE --out OUT.h5 [--model M] [--resume] [--shard i/n]\n"
    "                      [--set section.key=value]...\n"
    "       mpirun -np P spikebar sweep ...   (built with SPIKEBAR_MPI)\n"
    "\n"
    "  --config FILE  a run config with a [sweep] section (docs/sweep.md)\n"
    "  --out OUT      the sweep file; point runs go to OUT.work/ until all are done\n"
    "  --model M      the model of every point, unless [sweep] has a model line\n"
    "  --resume       continue an interrupted sweep: keep the finished points in OUT.work\n"
    "  --shard i/n    run only points i, i+n, i+2n, ...; OUT is then a shard file for\n"
    "                 spikebar merge\n"
    "  --set K=V      override key K (section.key) after the file; repeatable\n";

void parse_shard(const std::string& text, int* index, int* count) {
    const auto slash = text.find('/');
    bool ok = slash != std::string::npos;
    try {
        std::size_t a = 0, b = 0;
        if (ok) {
            *index = std::stoi(text.substr(0, slash), &a);
            *count = std::stoi(text.substr(slash + 1), &b);
            ok = a == slash && b == text.size() - slash - 1;
        }
    } catch (const std::exception&) {
        ok = false;
    }
    if (!ok || *count < 1 || *index < 0 || *index >= *count)
        throw spikebar::config_error("sweep: --shard " + text +
                                     ": expected i/n with 0 <= i < n, e.g. 0/4");
}

std::string mean_sd(double mean, double sd, int lanes) {
    char buf[64];
    if (lanes > 1)
        std::snprintf(buf, sizeof buf, "%.2f ± %.2f", 100 * mean, 100 * sd);
    else
        std::snprintf(buf, sizeof buf, "%.2f", 100 * mean);
    return buf;
}

// "0.123": pJ as nJ with three decimals.
std::string nj(double pj) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", pj / 1000);
    return buf;
}

// Points i, i + n, i + 2n, ... of shard i/n (`text` as given); config_error if none.
std::vector<std::size_t> shard_points(const sweep_spec& s, int si, int sn, const std::string& text) {
    std::vector<std::size_t> mine;
    for (const auto& p : s.points)
        if (p.index % std::size_t(sn) == std::size_t(si)) mine.push_back(p.index);
    if (mine.empty())
        throw spikebar::config_error("sweep: --shard " + text + ": no points in this shard (the "
                                     "sweep has " + std::to_string(s.points.size()) + ")");
    return mine;
}

// One finished point on stdout (with its rank under MPI).
void print_point(const sweep_spec& s, const sweep_point& p, const point_summary& sum,
                 const sweep_ranks& ranks, double seconds) {
    const std::string rank =
        ranks.mpi() ? "  [rank " + std::to_string(ranks.rank()) + "]" : std::string();
    std::printf("point %zu of %zu%s  %s  accuracy %s %%  timesteps %.3f  %s nJ/img  (%.1f s)\n",
                p.index, s.points.size(), rank.c_str(), describe_point(s, p).c_str(),
                mean_sd(sum.accuracy_mean, sum.accuracy_std, sum.lanes).c_str(),
                sum.mean_timesteps, sum.energy_recorded ? nj(sum.mean_energy_pj).c_str() : "-",
                seconds);
    std::fflush(stdout);
}

// The points table on stdout: the varied values, then the summaries.
void print_table(const sweep_spec& s, const std::vector<point_summary>& rows) {
    std::vector<std::string> head{"point"};
    for (const auto& k : s.keys) head.push_back(k);
    for (const char* h : {"chips", "accuracy %", "95 % interval", "timesteps", "nJ/img"})
        head.push_back(h);
    std::vector<std::vector<std::string>> cells;
    for (const auto& r : rows) {
        std::vector<std::string> c{std::to_string(r.index)};
        for (std::size_t k = 0; k < s.keys.size(); ++k) {
            std::string v = s.points[r.index].values[k];
            if (s.keys[k] == "model") v = fs::path(v).filename().string();
            c.push_back(v);
        }
        char buf[64];
        c.push_back(std::to_string(r.lanes));
        c.push_back(mean_sd(r.accuracy_mean, r.accuracy_std, r.lanes));
        if (r.lanes > 1)
            std::snprintf(buf, sizeof buf, "%.2f .. %.2f", 100 * r.ci95_low, 100 * r.ci95_high);
        else
            std::snprintf(buf, sizeof buf, "-");
        c.push_back(buf);
        std::snprintf(buf, sizeof buf, "%.3f", r.mean_timesteps);
        c.push_back(buf);
        c.push_back(r.energy_recorded ? nj(r.mean_energy_pj) : "-");
        cells.push_back(c);
    }
    std::vector<std::size_t> width(head.size());
    const auto chars = [](const std::string& t) {  // "±" is one column, two bytes
        std::size_t n = 0;
        for (unsigned char ch : t) n += (ch & 0xC0) != 0x80;
        return n;
    };
    for (std::size_t j = 0; j < head.size(); ++j) {
        width[j] = chars(head[j]);
        for (const auto& c : cells) width[j] = std::max(width[j], chars(c[j]));
    }
    const auto line = [&](const std::vector<std::string>& c) {
        std::string out;
        for (std::size_t j = 0; j < c.size(); ++j) {
            out += (j ? "  " : "") + c[j];
            if (j + 1 < c.size()) out += std::string(width[j] - chars(c[j]), ' ');
        }
        std::printf("%s\n", out.c_str());
    };
    line(head);
    for (const auto& c : cells) line(c);
}

}  // namespace

int cmd_sweep(const args& a) {
    std::string shard;
    bool resume = false;
    cli_parser cli("sweep", usage);
    run_cli run(cli, run_cli::model_flag::optional, true, &resume);
    cli.value("--shard", &shard).toggle("--resume", &resume);
    if (!cli.parse(a)) return 0;
    run.check(cli);
    const std::string &config_path = run.config_path, &model_path = run.model_path,
                      &out_path = run.out_path;
    const std::vector<std::string>& overrides = run.overrides;
    int si = 0, sn = 1;
    if (!shard.empty()) parse_shard(shard, &si, &sn);
    const std::string command = command_line("sweep", a);

    sweep_ranks ranks;
    const bool root = ranks.rank() == 0;

    // Every point built and its inputs checked, on every rank, before anything runs.
    sweep_spec s;
    std::vector<point_size> sizes;
    if (!ranks.together([&] {
            s = plan_sweep(read_config_text(config_path), "config " + config_path, overrides,
                           model_path);
            sizes = check_sweep_inputs(s);
        }))
        return 2;
    const std::vector<std::size_t> mine = shard_points(s, si, sn, shard);

    // Rank 0: the work directory, what is done, what is left.
    sweep_workdir work(out_path, s, si, sn);
    sweep_workdir::state st;
    if (!ranks.together([&] {
            if (!root) return;
            st = work.open(resume, mine);
            if (st.complete) return;
            std::printf("sweep  %s: %zu points", config_path.c_str(), s.points.size());
            if (sn > 1) std::printf(", shard %d/%d: %zu of them", si, sn, mine.size());
            std::printf(", varying %zu key%s", s.keys.size(), s.keys.size() == 1 ? "" : "s");
            if (ranks.mpi()) std::printf(", %d MPI ranks", ranks.size());
            if (resume)
                std::printf("; resumed: %zu done earlier, %zu to run", st.done, st.todo.size());
            std::printf("\n");
            std::fflush(stdout);
        }))
        return 2;
    std::vector<std::uint64_t>& todo = st.todo;
    const bool complete = st.complete;
    std::vector<std::uint64_t> flag{complete ? 1u : 0u};
    ranks.broadcast(flag);
    if (flag[0]) {
        if (root) std::printf("sweep  %s is complete already\n", out_path.c_str());
        return 0;
    }
    ranks.broadcast(todo);

    // Run the points, each rank taking the next free one.
    std::uint64_t total_samples = 0;
    for (auto i : todo) total_samples += sizes[i].samples * std::uint64_t(sizes[i].lanes);
    std::optional<progress> bar;
    if (root) {
        progress_options po;
        po.unit = "img";
        po.summary = false;
        bar.emplace("sweep", total_samples, po);
    }
    const auto t_start = std::chrono::steady_clock::now();
    ranks.open();
    try {
        for (std::uint64_t k = ranks.next(); k < todo.size(); k = ranks.next()) {
            const sweep_point& p = s.points[todo[k]];
            const std::uint64_t lanes = std::uint64_t(sizes[p.index].lanes);
            const std::string file = work.point_file(p.index);
            const std::string what =
                "point " + std::to_string(p.index) + ": " + describe_point(s, p);
            const auto t0 = std::chrono::steady_clock::now();
            run_evaluation(p.config, p.model, file, command + "  (" + point_name(p.index) + ")",
                           [&](std::size_t done, std::size_t) {
                               if (!bar || !bar->is_terminal()) return;
                               std::uint64_t points = 0, samples = 0;
                               ranks.done(&points, &samples);
                               bar->update(samples + done * lanes,
                                           "points " + std::to_string(points) + "/" +
                                               std::to_string(todo.size()) + "  " + what);
                           });
            ranks.finished(sizes[p.index].samples * lanes);
            const point_summary sum = summarize_point({p.index, file, "/"});
            if (bar && bar->is_terminal()) std::fprintf(stderr, "\r\033[K");
            print_point(s, p, sum, ranks, spikebar::seconds_since(t0));
        }
    } catch (const std::exception& e) {
        if (!ranks.mpi()) throw;
        std::fprintf(stderr, "spikebar: rank %d: %s\n", ranks.rank(), e.what());
        ranks.abort(2);
    }
    ranks.close();
    ranks.barrier();
    if (!root) return 0;
    if (bar) bar->finish();

    // Every point of this shard is in the work directory: assemble OUT.
    const std::vector<point_source> sources = work.sources(mine);
    if (!fs::path(out_path).parent_path().empty())
        fs::create_directories(fs::path(out_path).parent_path());
    const std::vector<point_summary> rows =
        write_sweep_file(out_path, s, config_path, sources, si, sn, command);
    work.remove();
    const double sec =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
    print_table(s, rows);
    std::printf("sweep  %zu points, %llu chip-images in %s (%.0f img/s)\nwrote  %s\n", mine.size(),
                static_cast<unsigned long long>(total_samples), format_duration(sec).c_str(),
                sec > 0 ? double(total_samples) / sec : 0.0, out_path.c_str());
    return 0;
}

}  // namespace experiments
