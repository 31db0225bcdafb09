// spikebar merge: shard files of one sweep (spikebar sweep --shard i/n) into the sweep file
// an unsharded run writes. Refuses shards of different sweeps, points in two shards and
// points in none.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>

#include "app/cli.hpp"
#include "app/commands.hpp"
#include "common/errors.hpp"
#include "experiments/sweep/sweep.hpp"
#include "experiments/sweep/sweep_file.hpp"

namespace experiments {

namespace {

const char* const usage =
    "usage: spikebar merge --out OUT.h5 SHARD.h5...\n"
    "\n"
    "  --out OUT  the sweep file, as `spikebar sweep` without --shard writes it\n"
    "  SHARD      shard files of one sweep (spikebar sweep --shard i/n), every point in\n"
    "             exactly one of them\n";

std::string list_points(const std::vector<std::size_t>& v) {
    std::string s;
    for (std::size_t i = 0; i < v.size() && i < 10; ++i)
        s += (i ? ", " : "") + std::to_string(v[i]);
    if (v.size() > 10) s += ", ... (" + std::to_string(v.size()) + " in all)";
    return s;
}

}  // namespace

int cmd_merge(const args& a) {
    std::vector<std::string> files;
    args flags;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i].rfind("-", 0) == 0) {
            flags.push_back(a[i]);
            if (a[i] == "--out" && i + 1 < a.size()) flags.push_back(a[++i]);
        } else {
            files.push_back(a[i]);
        }
    }
    std::string out_path;
    cli_parser cli("merge", usage);
    cli.output("--out", &out_path);
    if (!cli.parse(flags)) return 0;
    cli.require("--out", out_path);
    if (files.empty())
        throw spikebar::config_error("merge: no shard files given (see spikebar merge --help)");

    for (const auto& f : files) {
        std::error_code ec;
        if (std::filesystem::equivalent(f, out_path, ec))
            throw spikebar::config_error("merge: --out " + out_path + " is one of the shard files");
    }
    std::vector<sweep_file_info> shards;
    for (const auto& f : files) shards.push_back(read_sweep_file_info(f));
    const sweep_file_info& first = shards.front();
    std::map<std::size_t, const sweep_file_info*> holder;
    for (const auto& s : shards) {
        if (s.fingerprint != first.fingerprint || s.points_total != first.points_total)
            throw spikebar::config_error("merge: " + s.path + " is from a different sweep than " +
                                         first.path + " (fingerprint " + s.fingerprint + ", not " +
                                         first.fingerprint + ")");
        for (std::size_t p : s.points) {
            const auto [it, fresh] = holder.emplace(p, &s);
            if (!fresh)
                throw spikebar::config_error("merge: point " + std::to_string(p) + " is in both " +
                                             it->second->path + " and " + s.path);
        }
    }
    std::vector<std::size_t> missing;
    for (std::size_t p = 0; p < first.points_total; ++p)
        if (!holder.count(p)) missing.push_back(p);
    if (!missing.empty())
        throw spikebar::config_error("merge: point" + std::string(missing.size() > 1 ? "s " : " ") +
                                     list_points(missing) + " of " +
                                     std::to_string(first.points_total) + " in none of the files");

    // The same sweep, expanded again from what the shards stored: the same table and points.
    const sweep_spec s = plan_sweep(
        first.config_text, "config " + first.config_path + " (as stored in " + first.path + ")",
        first.overrides, first.model);
    if (s.fingerprint != first.fingerprint || s.points.size() != first.points_total)
        throw spikebar::io_error(
            first.path +
            ": its sweep config expands to other points with this spikebar (fingerprint " +
            s.fingerprint + ", the file says " + first.fingerprint + ")");
    std::vector<point_source> sources;
    for (const auto& [p, f] : holder) sources.push_back({p, f->path, "/points/" + point_name(p)});
    write_sweep_file(out_path, s, first.config_path, sources, 0, 1, command_line("merge", a));
    std::printf("merge  %zu shard file%s, %zu points\nwrote  %s\n", shards.size(),
                shards.size() == 1 ? "" : "s", sources.size(), out_path.c_str());
    return 0;
}

}  // namespace experiments
