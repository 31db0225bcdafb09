// spikebar dataset from-events: event streams binned into a tensor dataset (docs/datasets.md).
#include <cstdio>
#include <string>

#include "app/cli.hpp"
#include "app/commands.hpp"
#include "common/errors.hpp"
#include "experiments/io/event_frames.hpp"

namespace experiments {

namespace {

const char* const usage =
    "usage: spikebar dataset from-events --in FILE|DIR --out DATA.h5 --frames T --sensor WxH\n"
    "                                    [--format table|nmnist] [--duration US] [--force]\n"
    "\n"
    "  --in PATH      an HDF5 event table (t, x, y, p, offsets, labels) or an N-MNIST folder\n"
    "                 (Train/ and Test/, or class folders 0/ ... 9/ of .bin files)\n"
    "  --out FILE     the tensor dataset: inputs [N, T, 2, H, W] (event counts), labels [N]\n"
    "  --frames T     time bins per sample: the model's timesteps\n"
    "  --sensor WxH   sensor width and height in pixels (N-MNIST: 34x34)\n"
    "  --format       table or nmnist (default: a folder is nmnist, a file a table)\n"
    "  --duration US  bin the window [0, US) us of every sample and drop later events\n"
    "                 (default: each sample's own span, first to last event)\n"
    "  --force        replace an existing --out\n";

// A whole decimal number in [lo, hi], else config_error naming the flag.
long long integer_flag(const std::string& flag, const std::string& v, long long lo, long long hi,
                       const std::string& unit) {
    const std::string bad = "dataset from-events: " + flag + " = '" + v +
                            "': expected an integer in [" + std::to_string(lo) + ", " +
                            std::to_string(hi) + "] [" + unit + "]";
    if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos || v.size() > 18)
        throw spikebar::config_error(bad);
    const long long x = std::stoll(v);
    if (x < lo || x > hi) throw spikebar::config_error(bad);
    return x;
}

}  // namespace

int cmd_dataset(const args& a) {
    if (a.empty() || a[0] == "--help" || a[0] == "-h") {
        std::fputs(usage, a.empty() ? stderr : stdout);
        if (a.empty()) throw spikebar::config_error("dataset: expected a subcommand: from-events");
        return 0;
    }
    if (a[0] != "from-events")
        throw spikebar::config_error("dataset: unknown subcommand '" + a[0] +
                                     "': expected from-events");
    from_events_options o;
    std::string frames, sensor, duration;
    cli_parser cli("dataset from-events", usage);
    cli.value("--in", &o.in)
        .output("--out", &o.out)
        .value("--frames", &frames)
        .value("--sensor", &sensor)
        .value("--format", &o.format)
        .value("--duration", &duration);
    if (!cli.parse(args(a.begin() + 1, a.end()))) return 0;
    cli.require("--in", o.in);
    cli.require("--out", o.out);
    cli.require("--frames", frames);
    cli.require("--sensor", sensor);
    if (!o.format.empty() && o.format != "table" && o.format != "nmnist")
        throw spikebar::config_error("dataset from-events: --format = '" + o.format +
                                     "': expected table or nmnist");
    o.bin.frames = int(integer_flag("--frames", frames, 1, 1024, "frames"));
    const auto x = sensor.find('x');
    if (x == std::string::npos)
        throw spikebar::config_error("dataset from-events: --sensor = '" + sensor +
                                     "': expected WIDTHxHEIGHT, e.g. 34x34");
    o.bin.width = int(integer_flag("--sensor width", sensor.substr(0, x), 1, 65536, "pixels"));
    o.bin.height = int(integer_flag("--sensor height", sensor.substr(x + 1), 1, 65536, "pixels"));
    if (!duration.empty())
        o.bin.duration_us = integer_flag("--duration", duration, 1, 1000000000000LL, "us");

    const auto sets = convert_events(o);
    for (const converted_set& s : sets) {
        std::fprintf(stderr, "from-events  %s  %s%zu samples, %zu events", o.out.c_str(),
                     s.name.empty() ? "" : (s.name + "  ").c_str(), s.samples, s.events);
        if (o.bin.duration_us > 0)
            std::fprintf(stderr, ", %zu after the %lld us window dropped", s.dropped,
                         static_cast<long long>(o.bin.duration_us));
        std::fprintf(stderr, "\n");
    }
    std::printf("wrote  %s  [N, %d, 2, %d, %d]\n", o.out.c_str(), o.bin.frames, o.bin.height,
                o.bin.width);
    return 0;
}

}  // namespace experiments
