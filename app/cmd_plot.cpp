// spikebar plot: turns run, replay and sweep files into PNGs with plot.py (app/plot.py,
// run by Debian's /usr/bin/python3 with matplotlib and h5py). The script's exit code is
// ours. plot.py is found relative to the executable: beside it (the build tree, where the
// build copies it) or in ../share/spikebar (an installed tree).
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "app/commands.hpp"
#include "common/errors.hpp"

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
    "Runs plot.py (beside the spikebar binary, or in ../share/spikebar) with /usr/bin/python3\n"
    "(python3-matplotlib, python3-h5py); it lists the figures it writes.\n";

// plot.py beside the running executable or in ../share/spikebar from it.
std::string find_script() {
    std::error_code ec;
    const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) throw spikebar::io_error("cannot locate the spikebar executable (/proc/self/exe)");
    const std::filesystem::path dir = exe.parent_path();
    const std::filesystem::path candidates[] = {dir / "plot.py",
                                                dir / ".." / "share" / "spikebar" / "plot.py"};
    for (const auto& c : candidates)
        if (access(c.c_str(), R_OK) == 0) return c.lexically_normal().string();
    throw spikebar::io_error(candidates[0].string() + ": not found, nor " +
                             candidates[1].lexically_normal().string() +
                             " (spikebar plot runs the plot.py installed with the binary)");
}

// The checks before plot.py runs. Their errors read "spikebar plot: ..." like the script's
// own (docs/errors.md), not "spikebar: plot: ..." as main would print them.
int run_plot(const args& a) {
    if (a.empty()) throw spikebar::config_error("expected at least one FILE (see spikebar plot --help)");
    for (const std::string& s : a)
        if (s == "--help" || s == "-h") {
            std::fputs(usage, stdout);
            return 0;
        }
    if (access(python, X_OK) != 0)
        throw spikebar::io_error(std::string(python) +
                                 ": not found; spikebar plot needs Debian's python3 with "
                                 "python3-matplotlib and python3-h5py");
    const std::string script = find_script();
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
