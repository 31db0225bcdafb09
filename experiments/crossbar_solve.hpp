// HDF5 glue for `spikebar crossbar solve`: column and source currents of one crossbar for
// many input vectors, for checking the circuit model against other solvers (SPICE).
// Schema in docs/crossbar-solve.md:
//   input:  G [R, C] float64 [S], V [N, R] float64 [V], root float64 attributes
//           r_row, r_col, r_source, r_sink [ohm];
//   output: I [N, C] float64 [A] (column currents into virtual ground),
//           I_source [N, R] float64 [A] (current delivered by each row driver).
#pragma once
#include <string>
#include <vector>

#include "crossbar/params.hpp"

namespace experiments {

struct crossbar_solve_input {
    int rows = 0, cols = 0, n = 0;  // R, C, N
    std::vector<double> g_s;        // [R*C] row-major [S]
    std::vector<double> v_v;        // [N*R] row-major [V]
    crossbar::wire_params wires;
};

struct crossbar_solve_output {
    std::vector<double> i_a;         // [N*C] [A]
    std::vector<double> i_source_a;  // [N*R] [A]
};

enum class crossbar_solve_method {
    transfer,  // exact transfer matrices built once, then one product per vector (default)
    nodal,     // sparse nodal solve per vector (the reference path)
};

// Throws spikebar::io_error naming the path and the dataset or attribute that is wrong.
crossbar_solve_input read_crossbar_solve_input(const std::string& path);
crossbar_solve_output crossbar_solve(const crossbar_solve_input& in, crossbar_solve_method m);
// Writes `path` through a temporary file in the same directory, renamed when complete.
void write_crossbar_solve_output(const std::string& path, const crossbar_solve_input& in,
                                 const crossbar_solve_output& out);

}  // namespace experiments
