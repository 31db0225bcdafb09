// spikebar crossbar solve: column and source currents of a crossbar from an HDF5 file
// (see docs/crossbar-solve.md and experiments/crossbar_solve.hpp).
#include <cstdio>
#include <string>

#include "app/commands.hpp"
#include "common/errors.hpp"
#include "experiments/crossbar_solve.hpp"

namespace experiments {
namespace {

const char* const usage =
    "usage: spikebar crossbar solve --in F.h5 --out G.h5 [--method transfer|nodal]\n"
    "\n"
    "  Solves the crossbar circuit of DESIGN §4 (IR drop only; no other non-idealities).\n"
    "  --in F.h5      G [R,C] float64 [S], V [N,R] float64 [V], root float64 attributes\n"
    "                 r_row, r_col, r_source, r_sink [ohm] (0 = ideal); R, C <= 512\n"
    "  --out G.h5     I [N,C] float64 [A] column currents, I_source [N,R] float64 [A]\n"
    "                 row driver currents; written to a temporary file, then renamed\n"
    "  --method M     transfer: exact transfer matrix once, then one product per vector\n"
    "                 (default); nodal: sparse nodal solve per vector (reference path)\n"
    "  --help         this text\n";

}  // namespace

int cmd_crossbar(const args& a) {
    if (a.empty()) throw spikebar::config_error("crossbar: missing subcommand (expected: solve)");
    if (a[0] == "--help" || a[0] == "-h") {
        std::fputs(usage, stdout);
        return 0;
    }
    if (a[0] != "solve")
        throw spikebar::config_error("crossbar: unknown subcommand '" + a[0] + "' (expected: solve)");
    std::string in_path, out_path;
    crossbar_solve_method method = crossbar_solve_method::transfer;
    for (std::size_t i = 1; i < a.size(); ++i) {
        const std::string& k = a[i];
        if (k == "--help" || k == "-h") {
            std::fputs(usage, stdout);
            return 0;
        }
        if (k != "--in" && k != "--out" && k != "--method")
            throw spikebar::config_error("crossbar solve: unknown option '" + k + "' (see --help)");
        if (i + 1 >= a.size())
            throw spikebar::config_error("crossbar solve: " + k + " needs a value");
        const std::string& v = a[++i];
        if (k == "--in") in_path = v;
        if (k == "--out") out_path = v;
        if (k == "--method") {
            if (v == "transfer")
                method = crossbar_solve_method::transfer;
            else if (v == "nodal")
                method = crossbar_solve_method::nodal;
            else
                throw spikebar::config_error("crossbar solve: --method " + v +
                                             ": expected transfer or nodal");
        }
    }
    if (in_path.empty()) throw spikebar::config_error("crossbar solve: --in is required");
    if (out_path.empty()) throw spikebar::config_error("crossbar solve: --out is required");
    const crossbar_solve_input in = read_crossbar_solve_input(in_path);
    const crossbar_solve_output out = crossbar_solve(in, method);
    write_crossbar_solve_output(out_path, in, out);
    std::fprintf(stderr, "crossbar solve: %d vectors on a %d x %d crossbar, wrote %s\n", in.n,
                 in.rows, in.cols, out_path.c_str());
    return 0;
}

}  // namespace experiments
