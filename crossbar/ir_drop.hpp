// IR drop in one crossbar tile: the resistive network of devices and wires, solved
// exactly (the circuit is linear).
//
// Circuit convention (DESIGN §4; tests and `spikebar crossbar solve` use it):
//   row i is driven by V[i] through r_source into row node (i,0);
//   row wire segments r_row join row nodes (i,j)-(i,j+1);
//   device G[i][j] joins row node (i,j) to column node (i,j);
//   column wire segments r_col join column nodes (i,j)-(i+1,j);
//   column j leaves column node (R-1,j) through r_sink into a virtual ground at 0 V.
//   I[j] = V(col node (R-1,j)) / r_sink is the column current; I_source[i] the current
//   row driver i delivers.
// A zero resistance is an ideal connection: r_row = 0 merges all row nodes of a row,
// r_col = 0 all column nodes of a column, r_source = 0 fixes node (i,0) at V[i], and
// r_sink = 0 puts column node (R-1,j) at ground, where I[j] is the current into ground.
//
// Two solvers:
//   solve_nodal: reference path; sparse nodal analysis (K_uu x_u = -K_up v_p) for one
//     input vector, returning every node voltage.
//   build_transfer: fast path; the Schur complement of the nodal matrix onto the R + C
//     ports, by nested dissection of the cell grid with dense frontal matrices. It gives
//     the exact transfer matrix M [C x R] (I = M V) and the source matrix S [R x R]
//     (I_source = S V). Cost O(n^3) for an n x n tile, against O(n^4) for R solves.
#pragma once
#include <Eigen/Core>
#include <vector>

#include "crossbar/params.hpp"

namespace crossbar {

// Node voltages and currents of one tile for one input vector.
struct nodal_solution {
    int rows = 0, cols = 0;
    std::vector<double> v_row_v;     // [R*C] voltage of row node (i,j), index i*C + j [V]
    std::vector<double> v_col_v;     // [R*C] voltage of column node (i,j), index i*C + j [V]
    std::vector<double> i_out_a;     // [C] column current into virtual ground [A]
    std::vector<double> i_source_a;  // [R] current delivered by each row driver [A]
};

// Reference path. g_s: [rows*cols] row-major conductances [S], all finite and >= 0;
// v_v: [rows] driver voltages [V]. Throws std::invalid_argument on bad sizes.
nodal_solution solve_nodal(const double* g_s, int rows, int cols, const wire_params& w,
                           const double* v_v);

// Exact linear map from driver voltages to column and source currents of one tile.
struct transfer {
    Eigen::MatrixXd m_s;  // [C x R] I_out = m_s * V [S]
    Eigen::MatrixXd s_s;  // [R x R] I_source = s_s * V, symmetric positive semidefinite [S]
};

// Fast path, same arguments as solve_nodal without the inputs.
transfer build_transfer(const double* g_s, int rows, int cols, const wire_params& w);

}  // namespace crossbar
