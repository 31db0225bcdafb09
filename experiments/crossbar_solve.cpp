// Before any Eigen include: GCC 12 reports a false -Wmaybe-uninitialized inside Eigen's
// AVX-512 GEMM packing; see crossbar/ir_drop.cpp.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include "experiments/crossbar_solve.hpp"

#include <hdf5.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>
#include <unistd.h>

#include "common/errors.hpp"
#include "common/format.hpp"
#include "common/h5.hpp"
#include "crossbar/ir_drop.hpp"

namespace experiments {
namespace {

constexpr int max_size = 512;

using spikebar::shortest;

// A 2-D float dataset read as float64; returns its dims.
std::vector<double> read_matrix(hid_t file, const std::string& path, const char* name,
                                hsize_t dims[2]) {
    const std::string where = path + ": dataset " + name;
    if (H5Lexists(file, name, H5P_DEFAULT) <= 0) throw spikebar::io_error(where + " is missing");
    const h5::id d(H5Dopen2(file, name, H5P_DEFAULT), H5Dclose);
    if (!d.ok()) throw spikebar::io_error(where + " cannot be opened as a dataset");
    const h5::id type(H5Dget_type(d.get()), H5Tclose);
    if (H5Tget_class(type.get()) != H5T_FLOAT)
        throw spikebar::io_error(where + " must hold floating-point values (float64)");
    const h5::id space(H5Dget_space(d.get()), H5Sclose);
    if (H5Sget_simple_extent_ndims(space.get()) != 2)
        throw spikebar::io_error(where + " must be 2-dimensional, has " +
                                 std::to_string(H5Sget_simple_extent_ndims(space.get())) +
                                 " dimensions");
    H5Sget_simple_extent_dims(space.get(), dims, nullptr);
    std::vector<double> v(std::size_t(dims[0] * dims[1]));
    if (!v.empty() &&
        H5Dread(d.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0)
        throw spikebar::io_error(where + " cannot be read");
    return v;
}

double read_attribute(hid_t file, const std::string& path, const char* name) {
    const std::string where = path + ": root attribute " + name;
    if (H5Aexists(file, name) <= 0) throw spikebar::io_error(where + " is missing");
    const h5::id a(H5Aopen(file, name, H5P_DEFAULT), H5Aclose);
    if (!a.ok()) throw spikebar::io_error(where + " cannot be opened");
    const h5::id type(H5Aget_type(a.get()), H5Tclose);
    const h5::id space(H5Aget_space(a.get()), H5Sclose);
    if (H5Tget_class(type.get()) != H5T_FLOAT || H5Sget_simple_extent_npoints(space.get()) != 1)
        throw spikebar::io_error(where + " must be a float64 scalar [ohm]");
    double v = 0;
    if (H5Aread(a.get(), H5T_NATIVE_DOUBLE, &v) < 0) throw spikebar::io_error(where + " cannot be read");
    if (!(v >= 0) || !std::isfinite(v))
        throw spikebar::io_error(where + " = " + shortest(v) + ": must be finite and >= 0 [ohm]");
    return v;
}

void write_matrix(hid_t file, const std::string& path, const char* name, hsize_t rows,
                  hsize_t cols, const std::vector<double>& v) {
    const hsize_t dims[2] = {rows, cols};
    const h5::id space(H5Screate_simple(2, dims, nullptr), H5Sclose);
    const h5::id d(H5Dcreate2(file, name, H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT,
                             H5P_DEFAULT),
                  H5Dclose);
    if (!d.ok() ||
        (!v.empty() &&
         H5Dwrite(d.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0))
        throw spikebar::io_error(path + ": cannot write dataset " + name);
    const h5::id sspace(H5Screate(H5S_SCALAR), H5Sclose);
    const h5::id str(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(str.get(), 1);
    const h5::id a(H5Acreate2(d.get(), "units", str.get(), sspace.get(), H5P_DEFAULT, H5P_DEFAULT),
                  H5Aclose);
    if (!a.ok() || H5Awrite(a.get(), str.get(), "A") < 0)
        throw spikebar::io_error(path + ": cannot write attribute units of " + name);
}

}  // namespace

crossbar_solve_input read_crossbar_solve_input(const std::string& path) {
    const h5::quiet quiet;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        throw spikebar::io_error(path + ": no such file");
    if (H5Fis_hdf5(path.c_str()) <= 0) throw spikebar::io_error(path + ": not an HDF5 file");
    const h5::id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    if (!file.ok()) throw spikebar::io_error(path + ": cannot open as HDF5");
    crossbar_solve_input in;
    hsize_t gd[2], vd[2];
    in.g_s = read_matrix(file.get(), path, "G", gd);
    if (gd[0] < 1 || gd[1] < 1 || gd[0] > max_size || gd[1] > max_size)
        throw spikebar::io_error(path + ": dataset G is [" + std::to_string(gd[0]) + ", " +
                                 std::to_string(gd[1]) + "]; R and C must be in 1..512");
    in.rows = int(gd[0]);
    in.cols = int(gd[1]);
    in.v_v = read_matrix(file.get(), path, "V", vd);
    if (vd[1] != gd[0])
        throw spikebar::io_error(path + ": dataset V is [" + std::to_string(vd[0]) + ", " +
                                 std::to_string(vd[1]) + "]; its second dimension must equal the " +
                                 "rows of G (" + std::to_string(gd[0]) + ")");
    in.n = int(vd[0]);
    for (std::size_t k = 0; k < in.g_s.size(); ++k)
        if (!(in.g_s[k] >= 0) || !std::isfinite(in.g_s[k]))
            throw spikebar::io_error(path + ": dataset G[" + std::to_string(k / in.cols) + "][" +
                                     std::to_string(k % in.cols) + "] = " + shortest(in.g_s[k]) +
                                     ": must be finite and >= 0 [S]");
    for (std::size_t k = 0; k < in.v_v.size(); ++k)
        if (!std::isfinite(in.v_v[k]))
            throw spikebar::io_error(path + ": dataset V[" + std::to_string(k / in.rows) + "][" +
                                     std::to_string(k % in.rows) + "] is not finite [V]");
    in.wires.r_row_ohm = read_attribute(file.get(), path, "r_row");
    in.wires.r_col_ohm = read_attribute(file.get(), path, "r_col");
    in.wires.r_source_ohm = read_attribute(file.get(), path, "r_source");
    in.wires.r_sink_ohm = read_attribute(file.get(), path, "r_sink");
    return in;
}

crossbar_solve_output crossbar_solve(const crossbar_solve_input& in, crossbar_solve_method m) {
    crossbar_solve_output out;
    out.i_a.resize(std::size_t(in.n) * in.cols);
    out.i_source_a.resize(std::size_t(in.n) * in.rows);
    if (m == crossbar_solve_method::nodal) {
        for (int s = 0; s < in.n; ++s) {
            const crossbar::nodal_solution r = crossbar::solve_nodal(
                in.g_s.data(), in.rows, in.cols, in.wires, in.v_v.data() + std::size_t(s) * in.rows);
            std::copy(r.i_out_a.begin(), r.i_out_a.end(), out.i_a.begin() + std::size_t(s) * in.cols);
            std::copy(r.i_source_a.begin(), r.i_source_a.end(),
                      out.i_source_a.begin() + std::size_t(s) * in.rows);
        }
        return out;
    }
    const crossbar::transfer t = crossbar::build_transfer(in.g_s.data(), in.rows, in.cols, in.wires);
    using rowmajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    const Eigen::Map<const rowmajor> v(in.v_v.data(), in.n, in.rows);
    Eigen::Map<rowmajor>(out.i_a.data(), in.n, in.cols).noalias() = v * t.m_s.transpose();
    Eigen::Map<rowmajor>(out.i_source_a.data(), in.n, in.rows).noalias() = v * t.s_s;  // S symmetric
    return out;
}

void write_crossbar_solve_output(const std::string& path, const crossbar_solve_input& in,
                                 const crossbar_solve_output& out) {
    const h5::quiet quiet;
    const std::string tmp = path + ".tmp." + std::to_string(::getpid());
    {
        const h5::id file(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
        if (!file.ok()) throw spikebar::io_error(path + ": cannot create " + tmp);
        try {
            write_matrix(file.get(), path, "I", hsize_t(in.n), hsize_t(in.cols), out.i_a);
            write_matrix(file.get(), path, "I_source", hsize_t(in.n), hsize_t(in.rows),
                         out.i_source_a);
        } catch (...) {
            std::remove(tmp.c_str());
            throw;
        }
        if (H5Fflush(file.get(), H5F_SCOPE_GLOBAL) < 0) {
            std::remove(tmp.c_str());
            throw spikebar::io_error(path + ": cannot flush " + tmp);
        }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::remove(tmp.c_str());
        throw spikebar::io_error(path + ": cannot rename " + tmp + " (" + ec.message() + ")");
    }
}

}  // namespace experiments
