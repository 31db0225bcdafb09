// Checks the tile circuit (crossbar/ir_drop.hpp) against independent references:
// a dense direct solve of the full 2RC-node network written out here, closed-form
// ladder solutions for one row and one column, the ideal-wire limit G^T V, linearity,
// and energy conservation (Tellegen). The fast path (transfer matrix) is checked against
// the reference path (sparse nodal solve) for every combination of zero wires.
// GCC 12: false -Wmaybe-uninitialized in Eigen's AVX-512 GEMM packing (before any Eigen include).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <cmath>
#include <cstdio>
#include <vector>

#include "common/rng.hpp"
#include "crossbar/ir_drop.hpp"

using namespace crossbar;

namespace {

struct case_data {
    int rows, cols;
    std::vector<double> g, v;
};

case_data random_case(int rows, int cols, std::uint64_t seed) {
    spikebar::counter_stream s{seed, 0xC1C};
    case_data c{rows, cols, {}, {}};
    for (int k = 0; k < rows * cols; ++k) c.g.push_back(1e-6 + 99e-6 * s.uniform());
    for (int i = 0; i < rows; ++i) c.v.push_back(s.uniform() < 0.3 ? 0.0 : 0.2 * s.uniform());
    return c;
}

// Dense reference: every one of the 2RC nodes explicit, all resistances > 0.
struct dense_result {
    std::vector<double> i_out, i_src;
};
dense_result dense_solve(const case_data& c, const wire_params& w) {
    const int R = c.rows, C = c.cols, n = 2 * R * C;
    auto row = [&](int i, int j) { return i * C + j; };
    auto col = [&](int i, int j) { return R * C + i * C + j; };
    Eigen::MatrixXd k = Eigen::MatrixXd::Zero(n, n);
    Eigen::VectorXd rhs = Eigen::VectorXd::Zero(n);
    auto stamp = [&](int a, int b, double g) {
        k(a, a) += g;
        k(b, b) += g;
        k(a, b) -= g;
        k(b, a) -= g;
    };
    for (int i = 0; i < R; ++i)
        for (int j = 0; j < C; ++j) {
            stamp(row(i, j), col(i, j), c.g[i * C + j]);
            if (j + 1 < C) stamp(row(i, j), row(i, j + 1), 1 / w.r_row_ohm);
            if (i + 1 < R) stamp(col(i, j), col(i + 1, j), 1 / w.r_col_ohm);
        }
    for (int i = 0; i < R; ++i) {
        k(row(i, 0), row(i, 0)) += 1 / w.r_source_ohm;
        rhs[row(i, 0)] += c.v[i] / w.r_source_ohm;
    }
    for (int j = 0; j < C; ++j) k(col(R - 1, j), col(R - 1, j)) += 1 / w.r_sink_ohm;
    const Eigen::VectorXd x = k.ldlt().solve(rhs);
    dense_result r;
    for (int j = 0; j < C; ++j) r.i_out.push_back(x[col(R - 1, j)] / w.r_sink_ohm);
    for (int i = 0; i < R; ++i) r.i_src.push_back((c.v[i] - x[row(i, 0)]) / w.r_source_ohm);
    return r;
}

double max_abs(const std::vector<double>& a) {
    double m = 0;
    for (double x : a) m = std::max(m, std::abs(x));
    return m;
}
double max_diff(const std::vector<double>& a, const std::vector<double>& b) {
    REQUIRE(a.size() == b.size());
    double m = 0;
    for (std::size_t k = 0; k < a.size(); ++k) m = std::max(m, std::abs(a[k] - b[k]));
    return m;
}
std::vector<double> times(const Eigen::MatrixXd& m, const std::vector<double>& v) {
    const Eigen::VectorXd y = m * Eigen::Map<const Eigen::VectorXd>(v.data(), long(v.size()));
    return {y.data(), y.data() + y.size()};
}

// Dissipation in every resistive element, from the node voltages of the reference path.
double dissipated_w(const case_data& c, const wire_params& w, const nodal_solution& s) {
    const int R = c.rows, C = c.cols;
    double p = 0;
    for (int i = 0; i < R; ++i)
        for (int j = 0; j < C; ++j) {
            const int k = i * C + j;
            const double dv = s.v_row_v[k] - s.v_col_v[k];
            p += c.g[k] * dv * dv;
            if (j + 1 < C && w.r_row_ohm > 0) {
                const double d = s.v_row_v[k] - s.v_row_v[k + 1];
                p += d * d / w.r_row_ohm;
            }
            if (i + 1 < R && w.r_col_ohm > 0) {
                const double d = s.v_col_v[k] - s.v_col_v[k + C];
                p += d * d / w.r_col_ohm;
            }
        }
    for (int i = 0; i < R; ++i)
        if (w.r_source_ohm > 0) {
            const double d = c.v[i] - s.v_row_v[i * C];
            p += d * d / w.r_source_ohm;
        }
    for (int j = 0; j < C; ++j)
        if (w.r_sink_ohm > 0) {
            const double vv = s.v_col_v[(R - 1) * C + j];
            p += vv * vv / w.r_sink_ohm;
        }
    return p;
}

wire_params wires(double row, double col, double src, double sink) {
    wire_params w;
    w.r_row_ohm = row;
    w.r_col_ohm = col;
    w.r_source_ohm = src;
    w.r_sink_ohm = sink;
    return w;
}

}  // namespace

TEST_CASE("sparse nodal solve matches a dense direct solve of the full network") {
    // Both are direct solves of the same SPD system; wire/device conductance ratio ~ 4e5
    // bounds the condition number, so 1e-9 relative leaves ample room over 1e-16 * 4e5.
    const int sizes[][2] = {{1, 1}, {1, 6}, {6, 1}, {3, 4}, {7, 5}, {9, 9}};
    for (auto sz : sizes) {
        const case_data c = random_case(sz[0], sz[1], 11 + sz[0] * 31 + sz[1]);
        const wire_params w = wires(2.5, 1.0, 50.0, 20.0);
        const dense_result d = dense_solve(c, w);
        const nodal_solution s = solve_nodal(c.g.data(), c.rows, c.cols, w, c.v.data());
        INFO("size " << sz[0] << "x" << sz[1]);
        CHECK(max_diff(d.i_out, s.i_out_a) <= 1e-9 * max_abs(d.i_out));
        CHECK(max_diff(d.i_src, s.i_source_a) <= 1e-9 * max_abs(d.i_src));
    }
}

TEST_CASE("with ideal wires the column currents are exactly G^T V") {
    const case_data c = random_case(13, 17, 5);
    const wire_params w = wires(0, 0, 0, 0);
    const transfer t = build_transfer(c.g.data(), c.rows, c.cols, w);
    // Each M entry is one device conductance, copied without arithmetic: bitwise equal.
    for (int i = 0; i < c.rows; ++i)
        for (int j = 0; j < c.cols; ++j) REQUIRE(t.m_s(j, i) == c.g[i * c.cols + j]);
    const nodal_solution s = solve_nodal(c.g.data(), c.rows, c.cols, w, c.v.data());
    for (int j = 0; j < c.cols; ++j) {
        double ref = 0;
        for (int i = 0; i < c.rows; ++i) ref += c.g[i * c.cols + j] * c.v[i];
        CHECK(std::abs(s.i_out_a[j] - ref) <= 1e-15 * std::abs(ref) + 1e-30);
    }
}

TEST_CASE("a single row matches the closed-form ladder solution") {
    // Uniform G, ideal source and sink: v[j+1] - (2 + rG) v[j] + v[j-1] = 0 with a mirror
    // end at j = C-1/2 gives v[j] = V cosh(theta (j - C + 1/2)) / cosh(theta (C - 1/2)),
    // cosh(theta) = 1 + rG/2, and I[j] = G v[j].
    for (int C : {1, 2, 16, 100}) {
        const double g = 80e-6, r = 3.0, V = 0.2;
        std::vector<double> gs(C, g);
        const wire_params w = wires(r, 1.0, 0, 0);
        const double theta = std::acosh(1 + r * g / 2);
        std::vector<double> ref(C);
        for (int j = 0; j < C; ++j)
            ref[j] = g * V * std::cosh(theta * (j - C + 0.5)) / std::cosh(theta * (C - 0.5));
        const nodal_solution s = solve_nodal(gs.data(), 1, C, w, &V);
        const transfer t = build_transfer(gs.data(), 1, C, w);
        INFO("C = " << C);
        // cosh evaluation and the direct solves agree to rounding; 1e-12 relative.
        CHECK(max_diff(s.i_out_a, ref) <= 1e-12 * max_abs(ref));
        CHECK(max_diff(times(t.m_s, {V}), ref) <= 1e-12 * max_abs(ref));
        double total = 0;
        for (double x : ref) total += x;
        CHECK(std::abs(s.i_source_a[0] - total) <= 1e-12 * total);
        if (C == 100) CHECK(ref.back() < 0.9 * ref.front());  // the drop is not negligible
    }
}

TEST_CASE("a single column matches the closed-form ladder solution") {
    // Uniform G and V on every row, ideal source and sink: w[i] = V - u[i] obeys the same
    // recurrence mirrored at i = -1/2 with w[R-1] = V, so w[i] = V cosh(theta (i + 1/2)) /
    // cosh(theta (R - 1/2)) and I = G sum_i w[i].
    for (int R : {1, 3, 64}) {
        const double g = 50e-6, r = 4.0, V = 0.2;
        std::vector<double> gs(R, g), vs(R, V);
        const wire_params w = wires(1.0, r, 0, 0);
        const double theta = std::acosh(1 + r * g / 2);
        double ref = 0;
        for (int i = 0; i < R; ++i)
            ref += g * V * std::cosh(theta * (i + 0.5)) / std::cosh(theta * (R - 0.5));
        const nodal_solution s = solve_nodal(gs.data(), R, 1, w, vs.data());
        const transfer t = build_transfer(gs.data(), R, 1, w);
        INFO("R = " << R);
        CHECK(std::abs(s.i_out_a[0] - ref) <= 1e-12 * ref);
        CHECK(std::abs(times(t.m_s, vs)[0] - ref) <= 1e-12 * ref);
        if (R == 64) CHECK(ref < 0.99 * R * g * V);
    }
}

TEST_CASE("column and source currents are linear in the inputs (superposition)") {
    const case_data c = random_case(12, 10, 77);
    const case_data d = random_case(12, 10, 78);  // second input vector
    const wire_params w = wires(2.5, 2.5, 10, 5);
    const double a = 0.7, b = -1.3;
    std::vector<double> mix(c.rows);
    for (int i = 0; i < c.rows; ++i) mix[i] = a * c.v[i] + b * d.v[i];
    const auto s1 = solve_nodal(c.g.data(), c.rows, c.cols, w, c.v.data());
    const auto s2 = solve_nodal(c.g.data(), c.rows, c.cols, w, d.v.data());
    const auto s3 = solve_nodal(c.g.data(), c.rows, c.cols, w, mix.data());
    std::vector<double> lin_out(c.cols), lin_src(c.rows);
    for (int j = 0; j < c.cols; ++j) lin_out[j] = a * s1.i_out_a[j] + b * s2.i_out_a[j];
    for (int i = 0; i < c.rows; ++i) lin_src[i] = a * s1.i_source_a[i] + b * s2.i_source_a[i];
    // Three solves with the same factorization pattern: rounding only, 1e-12 relative.
    CHECK(max_diff(s3.i_out_a, lin_out) <= 1e-12 * max_abs(lin_out));
    CHECK(max_diff(s3.i_source_a, lin_src) <= 1e-12 * max_abs(lin_src));
}

TEST_CASE("source power equals device plus wire dissipation") {
    // Tellegen's theorem on the solved network. Sums of ~1000 positive terms: 1e-12.
    for (const wire_params& w :
         {wires(2.5, 2.5, 10, 5), wires(0, 3, 0, 7), wires(4, 0, 2, 0), wires(1, 1, 0, 0)}) {
        const case_data c = random_case(20, 15, 9);
        const nodal_solution s = solve_nodal(c.g.data(), c.rows, c.cols, w, c.v.data());
        double p_src = 0;
        for (int i = 0; i < c.rows; ++i) p_src += c.v[i] * s.i_source_a[i];
        const double p_diss = dissipated_w(c, w, s);
        CHECK(std::abs(p_src - p_diss) <= 1e-12 * p_diss);
        // The fast path gives the same power as V^T S V.
        const transfer t = build_transfer(c.g.data(), c.rows, c.cols, w);
        const Eigen::Map<const Eigen::VectorXd> v(c.v.data(), c.rows);
        CHECK(std::abs(v.dot(t.s_s * v) - p_diss) <= 1e-10 * p_diss);
    }
}

TEST_CASE("transfer matrix equals the nodal solve for every zero-wire combination") {
    // Property test over sizes and all 16 zero/non-zero resistance patterns. Both paths
    // are direct solves; the tolerance 1e-10 of the largest current covers conditioning.
    int count = 0;
    for (int mask = 0; mask < 16; ++mask) {
        for (auto sz : {std::pair<int, int>{1, 1}, {1, 9}, {8, 1}, {5, 7}, {23, 17}, {33, 40},
                        {mask == 3 ? 128 : 2, mask == 3 ? 96 : 2}}) {
            const std::uint64_t seed = 1000 + mask * 100 + sz.first;
            const case_data c = random_case(sz.first, sz.second, seed);
            const wire_params w = wires(mask & 1 ? 2.5 : 0, mask & 2 ? 1.5 : 0,
                                        mask & 4 ? 20.0 : 0, mask & 8 ? 30.0 : 0);
            const transfer t = build_transfer(c.g.data(), c.rows, c.cols, w);
            const nodal_solution s = solve_nodal(c.g.data(), c.rows, c.cols, w, c.v.data());
            INFO("seed " << seed << " size " << sz.first << "x" << sz.second << " wires "
                         << w.r_row_ohm << " " << w.r_col_ohm << " " << w.r_source_ohm << " "
                         << w.r_sink_ohm);
            CHECK(max_diff(times(t.m_s, c.v), s.i_out_a) <= 1e-10 * max_abs(s.i_out_a));
            CHECK(max_diff(times(t.s_s, c.v), s.i_source_a) <= 1e-10 * max_abs(s.i_source_a));
            CHECK((t.s_s - t.s_s.transpose()).cwiseAbs().maxCoeff() <= 1e-12 * t.s_s.cwiseAbs().maxCoeff());
            ++count;
        }
    }
    CHECK(count == 112);
}

TEST_CASE("ir drop vanishes continuously as each resistance goes to zero") {
    // r = 1e-4 ohm against r = 0: the physical change is O(r * G_row) ~ 1e-4 * 1e-3 = 1e-7
    // relative and the rounding in g * dv with g = 1e4 S is ~ 1e-16 * 0.2 V * 1e4 S = 2e-13 A
    // (1e-9 relative), both below the 1e-6 tolerance; a mis-wired ideal connection is O(1).
    // (At 1e-7 ohm the rounding term alone reaches 1e-5 relative.)
    const case_data c = random_case(9, 11, 3);
    const wire_params base = wires(2.0, 3.0, 5.0, 7.0);
    for (int which = 0; which < 4; ++which) {
        wire_params w0 = base, w1 = base;
        double* f0[] = {&w0.r_row_ohm, &w0.r_col_ohm, &w0.r_source_ohm, &w0.r_sink_ohm};
        double* f1[] = {&w1.r_row_ohm, &w1.r_col_ohm, &w1.r_source_ohm, &w1.r_sink_ohm};
        *f0[which] = 0;
        *f1[which] = 1e-4;
        const auto s0 = solve_nodal(c.g.data(), c.rows, c.cols, w0, c.v.data());
        const auto s1 = solve_nodal(c.g.data(), c.rows, c.cols, w1, c.v.data());
        const auto sb = solve_nodal(c.g.data(), c.rows, c.cols, base, c.v.data());
        INFO("resistance " << which << " set to zero");
        CHECK(max_diff(s0.i_out_a, s1.i_out_a) <= 1e-6 * max_abs(s0.i_out_a));
        CHECK(max_diff(s0.i_source_a, s1.i_source_a) <= 1e-6 * max_abs(s0.i_source_a));
        CHECK(max_diff(s0.i_out_a, sb.i_out_a) > 1e-4 * max_abs(s0.i_out_a));  // it did matter
    }
}
