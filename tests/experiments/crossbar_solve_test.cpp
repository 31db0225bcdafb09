// Checks `spikebar crossbar solve` (experiments/crossbar_solve.hpp, cmd_crossbar.cpp):
// a file written here round-trips to currents equal to the reference nodal solve, both
// methods agree, and bad files give one io_error naming the path and the dataset or
// attribute.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC 12 + Eigen AVX-512
#endif
#include <doctest/doctest.h>
#include <hdf5.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <unistd.h>
#include <string>
#include <vector>

#include "app/commands.hpp"
#include "common/errors.hpp"
#include "common/rng.hpp"
#include "crossbar/ir_drop.hpp"
#include "experiments/crossbar_solve.hpp"

namespace fs = std::filesystem;

namespace {

struct spec {
    int rows = 20, cols = 12, n = 3;
    std::vector<double> g, v;
    double r_row = 2.5, r_col = 1.0, r_source = 0, r_sink = 10;
    bool write_v = true, write_sink = true;
    int v_cols = -1;  // default rows
};

spec make_spec() {
    spec s;
    spikebar::counter_stream r{99};
    for (int k = 0; k < s.rows * s.cols; ++k) s.g.push_back(1e-6 + 99e-6 * r.uniform());
    for (int k = 0; k < s.n * s.rows; ++k) s.v.push_back(r.uniform() < 0.5 ? 0.2 : 0.0);
    return s;
}

void put_matrix(hid_t f, const char* name, hsize_t r, hsize_t c, const std::vector<double>& v) {
    const hsize_t dims[2] = {r, c};
    const hid_t sp = H5Screate_simple(2, dims, nullptr);
    const hid_t d = H5Dcreate2(f, name, H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
    H5Dclose(d);
    H5Sclose(sp);
}
void put_attr(hid_t f, const char* name, double v) {
    const hid_t sp = H5Screate(H5S_SCALAR);
    const hid_t a = H5Acreate2(f, name, H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, H5T_NATIVE_DOUBLE, &v);
    H5Aclose(a);
    H5Sclose(sp);
}

void write_input(const std::string& path, const spec& s) {
    const hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    put_matrix(f, "G", s.rows, s.cols, s.g);
    const int vc = s.v_cols < 0 ? s.rows : s.v_cols;
    if (s.write_v) put_matrix(f, "V", s.n, vc, std::vector<double>(std::size_t(s.n) * vc, 0.1));
    if (s.write_v && vc == s.rows) {
        H5Ldelete(f, "V", H5P_DEFAULT);
        put_matrix(f, "V", s.n, s.rows, s.v);
    }
    put_attr(f, "r_row", s.r_row);
    put_attr(f, "r_col", s.r_col);
    put_attr(f, "r_source", s.r_source);
    if (s.write_sink) put_attr(f, "r_sink", s.r_sink);
    H5Fclose(f);
}

std::vector<double> get_matrix(const std::string& path, const char* name, hsize_t dims[2]) {
    const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    const hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    const hid_t sp = H5Dget_space(d);
    H5Sget_simple_extent_dims(sp, dims, nullptr);
    std::vector<double> v(std::size_t(dims[0] * dims[1]));
    H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
    H5Sclose(sp);
    H5Dclose(d);
    H5Fclose(f);
    return v;
}

std::string error_of(const std::string& in, const std::string& out) {
    try {
        experiments::cmd_crossbar({"solve", "--in", in, "--out", out});
    } catch (const spikebar::io_error& e) {
        return e.what();
    }
    return "(no error)";
}

struct temp_dir {
    fs::path p = fs::temp_directory_path() / ("spikebar_xsolve_" + std::to_string(::getpid()));
    temp_dir() { fs::create_directories(p); }
    ~temp_dir() { fs::remove_all(p); }
    std::string operator/(const char* name) const { return (p / name).string(); }
};

}  // namespace

TEST_CASE("crossbar solve writes the reference nodal currents") {
    const temp_dir dir;
    const spec s = make_spec();
    write_input(dir / "in.h5", s);
    for (const char* method : {"transfer", "nodal"}) {
        REQUIRE(experiments::cmd_crossbar(
                    {"solve", "--in", dir / "in.h5", "--out", dir / "out.h5", "--method", method}) == 0);
        hsize_t di[2], ds[2];
        const auto i = get_matrix(dir / "out.h5", "I", di);
        const auto is = get_matrix(dir / "out.h5", "I_source", ds);
        CHECK(di[0] == 3);
        CHECK(di[1] == 12);
        CHECK(ds[0] == 3);
        CHECK(ds[1] == 20);
        crossbar::wire_params w{s.r_row, s.r_col, s.r_source, s.r_sink};
        for (int n = 0; n < s.n; ++n) {
            const auto ref = crossbar::solve_nodal(s.g.data(), s.rows, s.cols, w, s.v.data() + n * s.rows);
            // Same solver (nodal) or the exact transfer matrix: rounding only, 1e-10 relative.
            for (int j = 0; j < s.cols; ++j)
                CHECK(std::abs(i[n * s.cols + j] - ref.i_out_a[j]) <= 1e-10 * std::abs(ref.i_out_a[j]) + 1e-20);
            for (int r = 0; r < s.rows; ++r)
                CHECK(std::abs(is[n * s.rows + r] - ref.i_source_a[r]) <=
                      1e-10 * std::abs(ref.i_source_a[r]) + 1e-20);
        }
    }
    // No temporary file is left behind.
    int files = 0;
    for (const auto& e : fs::directory_iterator(dir.p)) files += e.is_regular_file();
    CHECK(files == 2);
}

TEST_CASE("crossbar solve names the file and the bad dataset or attribute") {
    const temp_dir dir;
    const std::string in = dir / "bad.h5", out = dir / "out.h5";
    spec s = make_spec();
    s.write_sink = false;
    write_input(in, s);
    CHECK(error_of(in, out) == in + ": root attribute r_sink is missing");
    s = make_spec();
    s.r_row = -1;
    write_input(in, s);
    CHECK(error_of(in, out) == in + ": root attribute r_row = -1: must be finite and >= 0 [ohm]");
    s = make_spec();
    s.write_v = false;
    write_input(in, s);
    CHECK(error_of(in, out) == in + ": dataset V is missing");
    s = make_spec();
    s.v_cols = 7;
    write_input(in, s);
    CHECK(error_of(in, out) == in + ": dataset V is [3, 7]; its second dimension must equal the rows of G (20)");
    s = make_spec();
    s.g[5] = -1e-6;
    write_input(in, s);
    CHECK(error_of(in, out) == in + ": dataset G[0][5] = -1e-06: must be finite and >= 0 [S]");
    std::FILE* f = std::fopen(in.c_str(), "w");
    std::fputs("not hdf5", f);
    std::fclose(f);
    CHECK(error_of(in, out) == in + ": not an HDF5 file");
    CHECK(error_of(dir / "missing.h5", out) == (dir / "missing.h5") + ": no such file");
    CHECK_FALSE(fs::exists(out));
}
