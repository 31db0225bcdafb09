// spikebar: the single CLI binary. Dispatches to a subcommand; turns bad input
// (config_error, io_error) into one line on stderr and exit code 2.
#include <boost/program_options/errors.hpp>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>
#include <string>

#include "app/commands.hpp"
#include "common/errors.hpp"
#include "common/version.hpp"

namespace {

struct subcommand {
    const char* name;
    int (*run)(const experiments::args&);
    const char* help;
};

const subcommand subcommands[] = {
    {"train", experiments::cmd_train, "train an SNN (or ANN) from a config; writes model.h5"},
    {"eval", experiments::cmd_eval, "evaluate a model on the test set: accuracy per T, early exit, energy"},
    {"config", experiments::cmd_config,
     "print the config template (--dump), check or show a config"},
    {"crossbar", experiments::cmd_crossbar,
     "crossbar solve: column and source currents of a crossbar"},
    {"replay", experiments::cmd_replay, "evaluate early-exit policies offline on a run file"},
    {"export-energy", experiments::cmd_export_energy, "a run file's energy log as CSV"},
    {"train-policy", experiments::cmd_train_policy, "train the SEENN-II policy net for an SNN"},
    {"sweep", experiments::cmd_sweep, "evaluate every point of a [sweep] grid; crash-safe, sharded, MPI"},
    {"merge", experiments::cmd_merge, "combine the shard files of one sweep into its sweep file"},
    {"plot", experiments::cmd_plot, "PNG figures from run, replay and sweep files"},
    {"import-nir", experiments::cmd_import_nir, "a NIR graph (snnTorch, Norse, Sinabs, ...) as a model file"},
    {"export-nir", experiments::cmd_export_nir, "a model file as a NIR graph"},
    {"model", experiments::cmd_model, "model --info: a model file's layers, shapes and parameters"},
    {"convert", experiments::cmd_convert, "an ANN model (ReLU or QCFS) as an IF SNN with per-layer thresholds"},
    {"dataset", experiments::cmd_dataset, "dataset from-events: event streams (HDF5 table, N-MNIST) as frame tensors"},
};

void print_usage(std::FILE* f) {
    std::fprintf(
        f, "usage: spikebar <command> [options]   (spikebar <command> --help)\n\ncommands:\n");
    for (const auto& c : subcommands) std::fprintf(f, "  %-14s %s\n", c.name, c.help);
    std::fprintf(f, "\n  --help         this text\n  --version      version and git revision\n");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        print_usage(stderr);
        return 2;
    }
    const std::string cmd = argv[1];
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
        print_usage(stdout);
        return 0;
    }
    if (cmd == "--version") {
        std::printf("spikebar %s (git %s)\n", SPIKEBAR_VERSION, spikebar::git_revision());
        return 0;
    }
    try {
        for (const auto& c : subcommands) {
            if (cmd == c.name) return c.run(experiments::args(argv + 2, argv + argc));
        }
        std::string names;
        for (const auto& c : subcommands) names += std::string(names.empty() ? "" : ", ") + c.name;
        throw spikebar::config_error(
            std::string(cmd.rfind('-', 0) == 0 ? "unknown option '" : "unknown command '") + cmd +
            "': expected a command (" + names + "), --help or --version");
    } catch (const spikebar::config_error& e) {
        // The message names what was wrong (key, value, expectation): print it as it is.
        std::fprintf(stderr, "spikebar: %s\n", e.what());
        return 2;
    } catch (const spikebar::io_error& e) {
        std::fprintf(stderr, "spikebar: %s\n", e.what());
        return 2;
    } catch (const boost::program_options::error& e) {
        // A subcommand's own flag parsing: a bad CLI flag, like config_error.
        std::fprintf(stderr, "spikebar %s: %s\n", cmd.c_str(), e.what());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "spikebar: internal error: %s\n", e.what());
        return 1;
    }
}
