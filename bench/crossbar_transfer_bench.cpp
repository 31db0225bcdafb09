// Crossbar benchmarks, JSON out (argv[1] = output path, else stdout):
//  1. transfer_build: time to build the exact transfer matrix of an n x n tile
//     (n = 32..512), median of repeats.
//  2. per_mvm: one 128 x 128 MVM at 2.5 ohm wires: the fast path (transfer matrix, dense
//     double GEMV, and the chip's event-driven float path) against the per-MVM sparse
//     nodal solve (factorization + solve, as a circuit simulator does each read), with the
//     largest deviation of the fast path from the nodal solution.
//  3. chip_vs_ideal: one layer MVM on a chip with IR drop (2.5 ohm), 5 % variation, 4-bit
//     levels, a 6-bit ADC and read noise (5 %, then off) against the ideal event-driven
//     float MVM on the same spikes; 128 x 128 tiles. Chip build time is recorded apart.
// Options: --quick (fewer repeats, skips 512).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "common/rng.hpp"
#include "crossbar/chip.hpp"
#include "crossbar/ir_drop.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

template <class F>
double median_seconds(int reps, F&& f) {
    std::vector<double> t;
    for (int r = 0; r < reps; ++r) {
        const auto t0 = clock_type::now();
        f();
        t.push_back(std::chrono::duration<double>(clock_type::now() - t0).count());
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
}

std::vector<double> random_g(int n_rows, int n_cols, std::uint64_t seed) {
    spikebar::counter_stream s{seed, 0xBE7C};
    std::vector<double> g(std::size_t(n_rows) * n_cols);
    for (double& x : g) x = 1e-6 + 99e-6 * s.uniform();
    return g;
}

volatile float sink_f;  // keeps results alive
volatile double sink_d;

}  // namespace

int main(int argc, char** argv) {
    bool quick = false;
    const char* out_path = nullptr;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--quick") == 0)
            quick = true;
        else
            out_path = argv[i];
    }
    std::FILE* out = out_path ? std::fopen(out_path, "w") : stdout;
    if (!out) {
        std::fprintf(stderr, "crossbar_transfer_bench: cannot open %s\n", out_path);
        return 2;
    }
    crossbar::wire_params wires;  // 2.5 ohm rows and columns, ideal source and sink
    std::fprintf(out, "{\n  \"bench\": \"crossbar_transfer\",\n  \"wires_ohm\": {\"r_row\": %g, "
                      "\"r_col\": %g, \"r_source\": %g, \"r_sink\": %g},\n",
                 wires.r_row_ohm, wires.r_col_ohm, wires.r_source_ohm, wires.r_sink_ohm);

    // 1. transfer-matrix build time
    std::fprintf(out, "  \"transfer_build\": [");
    bool first = true;
    for (int n : {32, 64, 128, 256, 512}) {
        if (quick && n == 512) continue;
        const std::vector<double> g = random_g(n, n, n);
        const int reps = n <= 64 ? 21 : n <= 128 ? 11 : n <= 256 ? 5 : 3;
        const double s = median_seconds(quick ? std::min(reps, 3) : reps, [&] {
            const crossbar::transfer t = crossbar::build_transfer(g.data(), n, n, wires);
            sink_d = t.m_s(0, 0);
        });
        std::fprintf(out, "%s\n    {\"n\": %d, \"seconds\": %.6g, \"repeats\": %d}", first ? "" : ",",
                     n, s, quick ? std::min(reps, 3) : reps);
        first = false;
    }
    std::fprintf(out, "\n  ],\n");

    // 2. per-MVM time, 128 x 128
    {
        const int n = 128;
        const std::vector<double> g = random_g(n, n, 7);
        std::vector<double> v(n);
        spikebar::counter_stream s{11};
        for (double& x : v) x = s.uniform() < 0.2 ? 0.2 : 0.0;
        const crossbar::transfer t = crossbar::build_transfer(g.data(), n, n, wires);
        Eigen::VectorXd vv = Eigen::Map<const Eigen::VectorXd>(v.data(), n), iv(n);
        const int fast_reps = 20000;
        const double fast_s = median_seconds(5, [&] {
                                  for (int r = 0; r < fast_reps; ++r) {
                                      vv[r % n] += 0.0;  // defeat hoisting
                                      iv.noalias() = t.m_s * vv;
                                      sink_d = iv[0];
                                  }
                              }) / fast_reps;
        crossbar::nodal_solution ref;
        const double nodal_s = median_seconds(quick ? 3 : 7, [&] {
            ref = crossbar::solve_nodal(g.data(), n, n, wires, v.data());
        });
        iv.noalias() = t.m_s * vv;
        double err = 0, imax = 0;
        for (int j = 0; j < n; ++j) {
            err = std::max(err, std::abs(iv[j] - ref.i_out_a[j]));
            imax = std::max(imax, std::abs(ref.i_out_a[j]));
        }
        // The chip's event-driven path on one 128 x 128 tile (64 differential outputs).
        crossbar::chip_params p;
        p.crossbar.tile_rows = n;
        p.crossbar.tile_cols = n;
        crossbar::layer_matrix m;
        m.in = n;
        m.out = n / 2;
        for (int k = 0; k < m.in * m.out; ++k) m.weight.push_back(float(s.normal()));
        const crossbar::chip c({m}, p, 1, 0);
        std::vector<std::int32_t> act;
        for (int i = 0; i < n; ++i)
            if (v[i] != 0) act.push_back(i);
        std::vector<float> y(m.out);
        const double spike_s = median_seconds(5, [&] {
                                   for (int r = 0; r < fast_reps; ++r) {
                                       c.mvm_spikes(0, act.data(), int(act.size()), y.data(),
                                                    crossbar::read_key{0, std::uint64_t(r), 0}, nullptr);
                                       sink_f = y[0];
                                   }
                               }) / fast_reps;
        std::fprintf(out,
                     "  \"per_mvm\": {\"n\": %d, \"active_rows\": %zu, \"fast_gemv_seconds\": %.4g, "
                     "\"fast_chip_spikes_seconds\": %.4g, \"nodal_solve_seconds\": %.4g, "
                     "\"speedup_gemv\": %.4g, \"speedup_chip_spikes\": %.4g, "
                     "\"max_abs_error_a\": %.3g, \"max_current_a\": %.4g},\n",
                     n, act.size(), fast_s, spike_s, nodal_s, nodal_s / fast_s, nodal_s / spike_s,
                     err, imax);
    }

    // 3. chip MVM with all non-idealities against the ideal event-driven MVM
    {
        struct shape {
            int in, out;
            double density;
        };
        std::fprintf(out, "  \"chip_vs_ideal\": [");
        first = true;
        for (double noise : {0.05, 0.0})
        for (shape sh : {shape{784, 128, 0.15}, shape{288, 64, 0.15}, shape{1152, 128, 0.1}}) {
            spikebar::counter_stream s{std::uint64_t(sh.in), std::uint64_t(sh.out)};
            crossbar::layer_matrix m;
            m.in = sh.in;
            m.out = sh.out;
            for (int k = 0; k < m.in * m.out; ++k) m.weight.push_back(float(s.normal() * 0.1));
            for (int o = 0; o < m.out; ++o) m.bias.push_back(float(s.normal() * 0.1));
            crossbar::chip_params p;  // 128 x 128 tiles, 2.5 ohm wires
            p.device.d2d_sigma = 0.05;
            p.device.read_noise_sigma = noise;
            p.device.level_bits = 4;
            p.adc.bits = 6;
            const auto tb = clock_type::now();
            const crossbar::chip c({m}, p, 1, 0);
            const double build_s = std::chrono::duration<double>(clock_type::now() - tb).count();
            const int n_vec = 64;
            std::vector<std::vector<std::int32_t>> acts(n_vec);
            for (auto& a : acts)
                for (int i = 0; i < m.in; ++i)
                    if (s.uniform() < sh.density) a.push_back(i);
            std::vector<float> y(m.out);
            const int reps = 200;
            const double chip_s = median_seconds(5, [&] {
                                      for (int r = 0; r < reps; ++r)
                                          for (int k = 0; k < n_vec; ++k) {
                                              c.mvm_spikes(0, acts[k].data(), int(acts[k].size()),
                                                           y.data(),
                                                           crossbar::read_key{std::uint64_t(k),
                                                                              std::uint64_t(r), 0},
                                                           nullptr);
                                              sink_f = y[0];
                                          }
                                  }) / (reps * n_vec);
            const double ideal_s = median_seconds(5, [&] {
                                       for (int r = 0; r < reps; ++r)
                                           for (int k = 0; k < n_vec; ++k) {
                                               float* __restrict yo = y.data();
                                               std::copy(m.bias.begin(), m.bias.end(), yo);
                                               for (std::int32_t i : acts[k]) {
                                                   const float* __restrict w =
                                                       m.weight.data() + std::size_t(i) * m.out;
                                                   for (int o = 0; o < m.out; ++o) yo[o] += w[o];
                                               }
                                               sink_f = y[0];
                                           }
                                   }) / (reps * n_vec);
            std::fprintf(out,
                         "%s\n    {\"read_noise_sigma\": %g, \"in\": %d, \"out\": %d, \"density\": %g, \"chip_build_seconds\": "
                         "%.4g, \"chip_mvm_seconds\": %.4g, \"ideal_mvm_seconds\": %.4g, "
                         "\"ratio\": %.3g}",
                         first ? "" : ",", noise, sh.in, sh.out, sh.density, build_s, chip_s, ideal_s,
                         chip_s / ideal_s);
            first = false;
        }
        std::fprintf(out, "\n  ]\n}\n");
    }
    if (out != stdout) std::fclose(out);
    return 0;
}
