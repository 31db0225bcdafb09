// spikebar plot: turns run, replay and sweep files into PNGs with experiments/plot.py
// (Debian's /usr/bin/python3 with matplotlib and h5py). The script's exit code is ours.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "common/errors.hpp"
#include "experiments/commands.hpp"

namespace experiments {

namespace {

const char* const python = "/usr/bin/python3";
const char* const usage =
    "usage: spikebar plot FILE... [--out DIR] [--overlay NAME]\n"
    "\n"
    "  FILE      a run file (spikebar eval --out), replay file (spikebar replay --out) or\n"
    "            sweep file (spikebar sweep --out)\n"
    "  --out DIR directory for the PNGs (default: beside each file)\n"
    "  --overlay NAME  one figure, NAME.png, of all FILEs: replay files (Pareto curves) or\n"
    "            crossbar run files (membrane error growth per lif layer)\n"
    "\n"
    "Runs " SPIKEBAR_SOURCE_DIR "/experiments/plot.py with /usr/bin/python3 (python3-matplotlib,\n"
    "python3-h5py); it lists the figures it writes.\n";

// The checks before plot.py runs. Their errors read "spikebar plot: ..." like the script's
// own (docs/errors.md), not "spikebar: plot: ..." as main would print them.
int run_plot(const args& a) {
    if (a.empty()) throw spikebar::config_error("expected at least one FILE (see spikebar plot --help)");
    for (const std::string& s : a)
        if (s == "--help" || s == "-h") {
            std::fputs(usage, stdout);
            return 0;
        }
    const std::string script = std::string(SPIKEBAR_SOURCE_DIR) + "/experiments/plot.py";
    if (access(python, X_OK) != 0)
        throw spikebar::io_error(std::string(python) +
                                 ": not found; spikebar plot needs Debian's python3 with "
                                 "python3-matplotlib and python3-h5py");
    if (access(script.c_str(), R_OK) != 0)
        throw spikebar::io_error(script + ": not found (spikebar plot runs it from the source tree)");
    std::vector<std::string> words{python, script};
    words.insert(words.end(), a.begin(), a.end());
    std::vector<char*> argv;
    for (std::string& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    std::fflush(stdout);
    const pid_t pid = fork();
    if (pid < 0) throw spikebar::io_error("cannot start " + std::string(python));
    if (pid == 0) {
        execv(python, argv.data());
        _exit(127);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) < 0) throw spikebar::io_error("lost the plot.py process");
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

}  // namespace

int cmd_plot(const args& a) {
    try {
        return run_plot(a);
    } catch (const spikebar::config_error& e) {
        std::fprintf(stderr, "spikebar plot: %s\n", e.what());
    } catch (const spikebar::io_error& e) {
        std::fprintf(stderr, "spikebar plot: %s\n", e.what());
    }
    return 2;
}

}  // namespace experiments
