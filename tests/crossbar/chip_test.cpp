// Checks a realized chip (crossbar/chip.hpp) end to end: the ideal chip against the float
// MVM, IR drop against the reference nodal solve of the programmed tiles, read energy
// against the driver currents, read-noise statistics against the first-order variance,
// ADC calibration and saturation, and the determinism contract of the keyed streams.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC 12 + Eigen AVX-512, see ir_drop.cpp
#endif
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <omp.h>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "common/rng.hpp"
#include "crossbar/chip.hpp"
#include "crossbar/ir_drop.hpp"

// |a - b| <= rel * |b|. (doctest::Approx adds an absolute tolerance of epsilon * 1.0,
// which makes it vacuous for conductances and currents; we never use it.)
inline bool rel_close(double a, double b, double rel) { return std::abs(a - b) <= rel * std::abs(b); }

using namespace crossbar;

namespace {

layer_matrix random_layer(int in, int out, std::uint64_t seed, bool binary, bool bias) {
    spikebar::counter_stream s{seed, 0x1A};
    layer_matrix m;
    m.in = in;
    m.out = out;
    for (int k = 0; k < in * out; ++k) m.weight.push_back(float(s.normal() * 0.1));
    if (bias)
        for (int o = 0; o < out; ++o) m.bias.push_back(float(s.normal() * 0.05));
    m.binary_input = binary;
    m.input_max = 2.0f;
    return m;
}

std::vector<float> random_input(int in, std::uint64_t seed, bool binary, double density = 0.3) {
    spikebar::counter_stream s{seed, 0x1B};
    std::vector<float> x(in);
    for (float& v : x) {
        const double u = s.uniform();
        v = binary ? (u < density ? 1.0f : 0.0f) : float(2.0 * s.uniform() * (u < density + 0.5));
    }
    return x;
}

chip_params ideal_params(int rows, int cols) {
    chip_params p;
    p.crossbar.tile_rows = rows;
    p.crossbar.tile_cols = cols;
    p.wires = wire_params{0, 0, 0, 0};
    return p;
}

// Float reference y = b + W x and the scale sum |w x| + |b| for a relative tolerance.
void reference(const layer_matrix& m, const float* x, std::vector<double>& y,
               std::vector<double>& mag) {
    y.assign(m.out, 0.0);
    mag.assign(m.out, 0.0);
    for (int i = 0; i < m.in; ++i)
        for (int o = 0; o < m.out; ++o) {
            const double t = double(m.weight[std::size_t(i) * m.out + o]) * x[i];
            y[o] += t;
            mag[o] += std::abs(t);
        }
    if (!m.bias.empty())
        for (int o = 0; o < m.out; ++o) {
            y[o] += m.bias[o];
            mag[o] += std::abs(m.bias[o]);
        }
}

}  // namespace

TEST_CASE("an ideal chip reproduces the float MVM") {
    // Ideal wires, continuous levels, no variation or noise, ideal converters: the tile
    // currents are exactly (G+ - G-) V, so only float rounding of ~300-term sums remains;
    // 1e-5 of sum |w x| bounds it with margin (sqrt(300) * 6e-8 ~ 1e-6).
    // Tile widths 32 and 80 give 16 and 40 (differential) or 31 and 79 (offset) outputs per
    // tile: every block size of the kernel (32, 8, scalar tail) is exercised.
    for (int cols : {32, 80})
    for (auto scheme : {mapping_scheme::differential, mapping_scheme::offset}) {
        for (auto bias : {bias_mode::digital, bias_mode::row}) {
            for (bool binary : {true, false}) {
                chip_params p = ideal_params(64, cols);
                p.crossbar.mapping = scheme;
                p.crossbar.bias = bias;
                const layer_matrix m = random_layer(300, 70, 17, binary, true);
                const chip c({m}, p, 1, 0);
                INFO("tile_cols " << cols << " scheme " << to_string(scheme) << " bias " << to_string(bias) << " binary "
                               << binary);
                for (int v = 0; v < 5; ++v) {
                    const auto x = random_input(m.in, 100 + v, binary);
                    std::vector<float> y(m.out);
                    c.mvm(0, x.data(), y.data(), read_key{0, 0, 0}, static_cast<double*>(nullptr));
                    std::vector<double> ref, mag;
                    reference(m, x.data(), ref, mag);
                    for (int o = 0; o < m.out; ++o) CHECK(std::abs(y[o] - ref[o]) <= 1e-5 * mag[o]);
                }
            }
        }
    }
}

TEST_CASE("layout tiles inputs by rows and outputs by column pairs") {
    chip_params p = ideal_params(64, 32);
    p.crossbar.bias = bias_mode::row;
    const chip c({random_layer(128, 40, 1, true, true)}, p, 1, 0);
    const layer_layout& l = c.layout(0);
    CHECK(l.logical_rows == 129);
    CHECK(l.row_tiles == 3);  // the bias row alone in the third row tile
    CHECK(l.outputs_per_tile == 16);
    CHECK(l.col_tiles == 3);
    CHECK(c.tile_at(0, 2, 2).rows_used == 1);
    CHECK(c.tile_at(0, 2, 2).outs_used == 8);
}

TEST_CASE("spike-list and dense MVMs agree bit for bit") {
    chip_params p;
    p.crossbar.tile_rows = 32;
    p.crossbar.tile_cols = 32;
    p.crossbar.bias = bias_mode::row;
    p.device.read_noise_sigma = 0.05;
    p.device.d2d_sigma = 0.05;
    p.adc.bits = 6;
    const layer_matrix m = random_layer(100, 20, 3, true, true);
    const chip c({m}, p, 7, 2);
    const auto x = random_input(m.in, 5, true);
    std::vector<std::int32_t> act;
    for (int i = 0; i < m.in; ++i)
        if (x[i] != 0) act.push_back(i);
    std::vector<float> y1(m.out), y2(m.out);
    mvm_counts c1, c2;
    const read_key k{11, 3, 0};
    c.mvm(0, x.data(), y1.data(), k, &c1);
    c.mvm_spikes(0, act.data(), int(act.size()), y2.data(), k, &c2);
    for (int o = 0; o < m.out; ++o) CHECK(y1[o] == y2[o]);
    CHECK(c1.read_energy_j == c2.read_energy_j);
    CHECK(c1.adc_conversions == c2.adc_conversions);
    CHECK(c1.row_activations == act.size() * 2 + 2);  // two column tiles; bias row in each
}

TEST_CASE("with IR drop the chip output equals the reference nodal solve of its tiles") {
    // One tile, noise and converters off: the chip's output for input x must be the
    // difference of the pos/neg column currents of solve_nodal on the programmed
    // conductances, scaled. Float storage of K: 1e-5 of the largest current.
    chip_params p;
    p.crossbar.tile_rows = 48;
    p.crossbar.tile_cols = 40;
    p.wires = wire_params{3.0, 2.0, 10.0, 5.0};
    p.device.d2d_sigma = 0.1;
    const layer_matrix m = random_layer(48, 20, 21, true, false);
    const chip c({m}, p, 3, 1);
    const tile& t = c.tile_at(0, 0, 0);
    const auto x = random_input(m.in, 8, true, 0.5);
    std::vector<double> v(48);
    for (int i = 0; i < 48; ++i) v[i] = x[i] != 0 ? p.crossbar.v_read_v : 0.0;
    const nodal_solution s = solve_nodal(t.g_s.data(), 48, 40, p.wires, v.data());
    std::vector<float> y(m.out);
    mvm_counts cnt;
    c.mvm(0, x.data(), y.data(), read_key{0, 0, 0}, &cnt);
    double imax = 0;
    for (double i : s.i_out_a) imax = std::max(imax, std::abs(i));
    const double scale = c.layout(0).output_scale;
    double worst_drop = 0;
    std::vector<double> ref, mag;
    reference(m, x.data(), ref, mag);
    for (int o = 0; o < m.out; ++o) {
        const double i_diff = s.i_out_a[2 * o] - s.i_out_a[2 * o + 1];
        CHECK(std::abs(y[o] / scale - i_diff) <= 1e-5 * imax);
        worst_drop = std::max(worst_drop, std::abs(y[o] - ref[o]) / mag[o]);
    }
    CHECK(worst_drop > 1e-3);  // IR drop and variation are visible against the ideal MVM
    // Read energy = t_read * sum_i V_i I_source,i from the same solve (float S: 1e-5).
    double e_ref = 0;
    for (int i = 0; i < 48; ++i) e_ref += p.crossbar.t_read_s * v[i] * s.i_source_a[i];
    CHECK(std::abs(cnt.read_energy_j - e_ref) <= 1e-5 * e_ref);
    CHECK(std::abs(c.tile_read_energy_j(0, 0, 0, v.data()) - e_ref) <= 1e-5 * e_ref);
}

TEST_CASE("read noise has the first-order variance and is fresh every read") {
    // Ideal wires, so M = G and the first-order variance is exact for independent device
    // noise: var(I_o) = sigma^2 v_read^2 sum_active (G+^2 + G-^2). 20000 reads: the sample
    // variance has relative standard error sqrt(2 / n) = 1 %; allow 5 %.
    const double sigma = 0.1;
    chip_params p = ideal_params(32, 16);
    p.device.read_noise_sigma = sigma;
    const layer_matrix m = random_layer(32, 8, 4, true, false);
    const chip c({m}, p, 5, 0);
    const auto x = random_input(m.in, 9, true, 0.5);
    std::vector<float> y0(m.out);
    chip_params quiet = p;
    quiet.device.read_noise_sigma = 0;
    const chip c0({m}, quiet, 5, 0);
    c0.mvm(0, x.data(), y0.data(), read_key{0, 0, 0}, static_cast<double*>(nullptr));
    const int n = 20000;
    std::vector<double> s1(m.out, 0), s2(m.out, 0);
    std::vector<float> y(m.out);
    for (int r = 0; r < n; ++r) {
        c.mvm(0, x.data(), y.data(), read_key{std::uint64_t(r % 100), std::uint64_t(r / 100), 0},
              static_cast<double*>(nullptr));
        for (int o = 0; o < m.out; ++o) {
            const double d = y[o] - y0[o];
            s1[o] += d;
            s2[o] += d * d;
        }
    }
    const tile& t = c.tile_at(0, 0, 0);
    const double scale = c.layout(0).output_scale, v = p.crossbar.v_read_v;
    for (int o = 0; o < m.out; ++o) {
        double var = 0;
        for (int i = 0; i < m.in; ++i)
            if (x[i] != 0) {
                const double gp = t.g_s[i * 16 + 2 * o], gn = t.g_s[i * 16 + 2 * o + 1];
                var += sigma * sigma * v * v * (gp * gp + gn * gn);
            }
        var *= scale * scale;
        CHECK(std::abs(s1[o] / n) < 5 * std::sqrt(var / n));
        CHECK(rel_close(s2[o] / n, var, 0.05));
    }
}

TEST_CASE("offset scheme: every output of a tile shares the reference column's read noise") {
    // Ideal wires (M = G): output o is column o minus the reference column C - 1, so
    //   var(I_o) = sigma^2 v^2 sum_active (G_o^2 + G_ref^2),
    //   cov(I_o, I_o') = sigma^2 v^2 sum_active G_ref^2  (one shared reference draw).
    // 20000 reads: relative standard error of a variance sqrt(2/n) = 1 %, of the
    // covariance below 2 % here; allow 5 %, and 10 % for the covariance.
    const double sigma = 0.1;
    chip_params p = ideal_params(32, 16);
    p.crossbar.mapping = mapping_scheme::offset;
    p.device.read_noise_sigma = sigma;
    const layer_matrix m = random_layer(32, 8, 14, true, false);
    const chip c({m}, p, 6, 0);
    chip_params quiet = p;
    quiet.device.read_noise_sigma = 0;
    const chip c0({m}, quiet, 6, 0);
    const auto x = random_input(m.in, 10, true, 0.5);
    std::vector<float> y0(m.out), y(m.out);
    c0.mvm(0, x.data(), y0.data(), read_key{0, 0, 0}, static_cast<double*>(nullptr));
    const int n = 20000;
    std::vector<double> s1(m.out, 0), s2(m.out, 0);
    double s01 = 0;
    for (int r = 0; r < n; ++r) {
        c.mvm(0, x.data(), y.data(), read_key{std::uint64_t(r % 100), std::uint64_t(r / 100), 3},
              static_cast<double*>(nullptr));
        for (int o = 0; o < m.out; ++o) {
            const double d = y[o] - y0[o];
            s1[o] += d;
            s2[o] += d * d;
        }
        s01 += double(y[0] - y0[0]) * double(y[1] - y0[1]);
    }
    const tile& t = c.tile_at(0, 0, 0);
    const double scale = c.layout(0).output_scale, v = p.crossbar.v_read_v;
    const double k = sigma * sigma * v * v * scale * scale;
    double var_ref = 0;
    for (int i = 0; i < m.in; ++i)
        if (x[i] != 0) var_ref += k * t.g_s[i * 16 + 15] * t.g_s[i * 16 + 15];
    for (int o = 0; o < m.out; ++o) {
        double var = var_ref;
        for (int i = 0; i < m.in; ++i)
            if (x[i] != 0) var += k * t.g_s[i * 16 + o] * t.g_s[i * 16 + o];
        CHECK(std::abs(s1[o] / n) < 5 * std::sqrt(var / n));
        CHECK(rel_close(s2[o] / n, var, 0.05));
    }
    CHECK(rel_close(s01 / n, var_ref, 0.10));
}

TEST_CASE("the calibrated ADC covers the calibration inputs and saturates beyond them") {
    chip_params p = ideal_params(64, 16);
    p.adc.bits = 5;
    p.adc.headroom = 1.0;
    layer_matrix m = random_layer(64, 8, 12, true, false);
    chip c({m}, p, 1, 0);
    // Before calibration the full scale is the worst case, so nothing saturates.
    CHECK(rel_close(c.tile_at(0, 0, 0).adc.full_scale_a(), c.tile_at(0, 0, 0).worst_a, 1e-6));
    std::vector<float> calib;
    for (int v = 0; v < 20; ++v) {
        const auto x = random_input(m.in, 300 + v, true, 0.1);
        calib.insert(calib.end(), x.begin(), x.end());
    }
    c.calibrate_adc(0, calib.data(), 20);
    const tile& t = c.tile_at(0, 0, 0);
    CHECK(t.calib_max_a > 0);
    CHECK(rel_close(t.adc.full_scale_a(), t.calib_max_a, 1e-6));
    const double step_w = t.adc.step_a * c.layout(0).output_scale;
    // On calibration inputs: every output is a code in range, within half a step of ideal.
    for (int v = 0; v < 20; ++v) {
        std::vector<float> y(m.out);
        c.mvm(0, calib.data() + v * m.in, y.data(), read_key{0, 0, 0}, static_cast<double*>(nullptr));
        std::vector<double> ref, mag;
        reference(m, calib.data() + v * m.in, ref, mag);
        for (int o = 0; o < m.out; ++o) {
            const double code = y[o] / step_w;
            CHECK(std::abs(code - std::round(code)) < 1e-3);
            CHECK(code >= -16);
            CHECK(code <= 15);
            CHECK(std::abs(y[o] - ref[o]) <= 0.5 * step_w * (1 + 1e-4) + 1e-5 * mag[o]);
        }
    }
    // All rows active: far beyond the calibration range, so outputs pin at the end codes.
    std::vector<float> ones(m.in, 1.0f), y(m.out);
    c.mvm(0, ones.data(), y.data(), read_key{0, 0, 0}, static_cast<double*>(nullptr));
    std::vector<double> ref, mag;
    reference(m, ones.data(), ref, mag);
    int pinned = 0;
    for (int o = 0; o < m.out; ++o) {
        const long code = std::lround(y[o] / step_w);
        if (ref[o] > 16 * step_w) {
            CHECK(code == 15);
            ++pinned;
        }
        if (ref[o] < -17 * step_w) {
            CHECK(code == -16);
            ++pinned;
        }
    }
    CHECK(pinned > 0);
}

TEST_CASE("results depend only on the read key, never on call order or other chips") {
    chip_params p;
    p.crossbar.tile_rows = 32;
    p.crossbar.tile_cols = 32;
    p.device.d2d_sigma = 0.1;
    p.device.read_noise_sigma = 0.1;
    p.device.stuck_off_fraction = 0.01;
    p.adc.bits = 8;
    const layer_matrix m = random_layer(70, 30, 6, true, true);
    const chip a({m}, p, 42, 0), b({m}, p, 42, 0), other({m}, p, 42, 1);
    const auto x1 = random_input(m.in, 1, true), x2 = random_input(m.in, 2, true);
    std::vector<float> a1(m.out), a2(m.out), b1(m.out), b2(m.out), o1(m.out), again(m.out);
    const read_key k1{5, 2, 0}, k2{6, 2, 0};
    a.mvm(0, x1.data(), a1.data(), k1, static_cast<double*>(nullptr));
    a.mvm(0, x2.data(), a2.data(), k2, static_cast<double*>(nullptr));
    b.mvm(0, x2.data(), b2.data(), k2, static_cast<double*>(nullptr));  // reverse order
    b.mvm(0, x1.data(), b1.data(), k1, static_cast<double*>(nullptr));
    other.mvm(0, x1.data(), o1.data(), k1, static_cast<double*>(nullptr));
    a.mvm(0, x1.data(), again.data(), read_key{5, 3, 0}, static_cast<double*>(nullptr));
    int same_other = 0, same_again = 0;
    for (int o = 0; o < m.out; ++o) {
        CHECK(a1[o] == b1[o]);
        CHECK(a2[o] == b2[o]);
        same_other += a1[o] == o1[o];
        same_again += a1[o] == again[o];
    }
    CHECK(same_other < m.out / 2);  // another chip instance is programmed differently
    CHECK(same_again < m.out / 2);  // another timestep draws fresh read noise
    for (std::size_t k = 0; k < a.tile_at(0, 1, 1).g_s.size(); ++k)
        REQUIRE(a.tile_at(0, 1, 1).g_s[k] == b.tile_at(0, 1, 1).g_s[k]);
}

TEST_CASE("chip programming does not depend on the thread count") {
    chip_params p;
    p.crossbar.tile_rows = 32;
    p.crossbar.tile_cols = 32;
    p.device.d2d_sigma = 0.1;
    p.device.stuck_on_fraction = 0.02;
    const std::vector<layer_matrix> layers = {random_layer(100, 40, 1, true, false),
                                              random_layer(40, 10, 2, true, true)};
    const int saved = omp_get_max_threads();
    omp_set_num_threads(1);
    const chip one(layers, p, 8, 3);
    omp_set_num_threads(2);
    const chip two(layers, p, 8, 3);
    omp_set_num_threads(saved);
    for (int l = 0; l < 2; ++l)
        for (int rt = 0; rt < one.layout(l).row_tiles; ++rt)
            for (int ct = 0; ct < one.layout(l).col_tiles; ++ct) {
                const tile& a = one.tile_at(l, rt, ct);
                const tile& b = two.tile_at(l, rt, ct);
                REQUIRE(a.g_s == b.g_s);
                REQUIRE(a.kq == b.kq);
            }
}

TEST_CASE("a read split at the noise (mvm_noiseless + mvm_from_state) equals mvm bit for bit") {
    // Reference: chip::mvm of the same analog input and read key. The split stores the
    // noiseless currents and noise deviations once and reuses them for every key, as the
    // first layer under direct encoding does across timesteps; the outputs, the work
    // counters and the read energy must be the same bits, not just close. The chip has
    // every non-ideality that shapes K, Q or the digitization on: IR drop (source and sink
    // too), d2d variation, stuck devices, 5-bit levels, 6-bit DAC, 6-bit ADC calibrated on
    // a half-scale input (so larger currents clip), and also an ideal ADC, which passes
    // on differences of one ulp that a 6-bit code would hide. Three row tiles by several
    // column tiles; for the second input the middle row tile has no driven row (not read).
    for (const mapping_scheme mapping : {mapping_scheme::differential, mapping_scheme::offset})
        for (const bias_mode bias : {bias_mode::digital, bias_mode::row})
            for (const auto& [noise, adc_bits] : {std::pair{0.05, 6}, std::pair{0.05, 0},
                                                  std::pair{0.0, 6}}) {
                const std::string scheme = to_string(mapping), bias_name = to_string(bias);
                CAPTURE(scheme);
                CAPTURE(bias_name);
                CAPTURE(noise);
                CAPTURE(adc_bits);
                chip_params p;
                p.crossbar.tile_rows = 32;
                p.crossbar.tile_cols = 16;
                p.crossbar.mapping = mapping;
                p.crossbar.bias = bias;
                p.crossbar.dac_bits = 6;
                p.device.level_bits = 5;
                p.device.d2d_sigma = 0.05;
                p.device.stuck_on_fraction = 0.01;
                p.device.stuck_off_fraction = 0.01;
                p.device.read_noise_sigma = noise;
                p.wires = wire_params{2.5, 2.5, 1.0, 1.0};
                p.adc.bits = adc_bits;
                const layer_matrix m = random_layer(90, 30, 12, false, true);
                chip c({m}, p, 17, 2);
                std::vector<float> cal = random_input(m.in, 30, false, 0.5);
                for (float& v : cal) v *= 0.5f;
                c.calibrate_adc(0, cal.data(), 1);
                std::vector<float> x1 = random_input(m.in, 31, false, 0.5);
                std::vector<float> x2 = x1;
                std::fill(x2.begin() + 32, x2.begin() + 64, 0.0f);
                for (const std::vector<float>* x : {&x1, &x2}) {
                    std::vector<float> state(c.read_state_floats(0), -1.0f);
                    mvm_counts split;
                    c.mvm_noiseless(0, x->data(), state.data(), &split);
                    for (const read_key key : {read_key{0, 1, 0}, read_key{0, 2, 0},
                                               read_key{7, 4, 3}, read_key{123456, 1, 99}}) {
                        CAPTURE(key.sample);
                        CAPTURE(key.timestep);
                        CAPTURE(key.read);
                        std::vector<float> y(m.out), y_split(m.out, -1.0f);
                        mvm_counts ref;
                        c.mvm(0, x->data(), y.data(), key, &ref);
                        c.mvm_from_state(0, state.data(), y_split.data(), key);
                        REQUIRE(std::memcmp(y.data(), y_split.data(), y.size() * sizeof(float)) ==
                                0);
                        CHECK(split.tile_reads == ref.tile_reads);
                        CHECK(split.row_activations == ref.row_activations);
                        CHECK(split.dac_conversions == ref.dac_conversions);
                        CHECK(split.adc_conversions == ref.adc_conversions);
                        CHECK(std::memcmp(&split.read_energy_j, &ref.read_energy_j,
                                          sizeof(double)) == 0);
                    }
                    // Not vacuous: the row tile without input is skipped, so the two inputs
                    // read different numbers of tiles.
                    const int col_tiles = c.layout(0).col_tiles;
                    CHECK(split.tile_reads == std::uint64_t((x == &x1 ? 3 : 2) * col_tiles));
                }
                // Not vacuous: the stored state draws fresh noise for every key.
                std::vector<float> a(m.out), b(m.out);
                std::vector<float> state(c.read_state_floats(0));
                c.mvm_noiseless(0, x1.data(), state.data(), nullptr);
                c.mvm_from_state(0, state.data(), a.data(), read_key{0, 1, 0});
                c.mvm_from_state(0, state.data(), b.data(), read_key{0, 2, 0});
                int same = 0;
                for (int o = 0; o < m.out; ++o) same += a[o] == b[o];
                if (noise > 0)
                    CHECK(same < m.out);
                else
                    CHECK(same == m.out);
            }
}

TEST_CASE("mvm_noiseless refuses a spike-input layer") {
    const chip c({random_layer(20, 8, 1, true, false)}, ideal_params(32, 16), 1, 0);
    std::vector<float> x(20, 1.0f), state(c.read_state_floats(0));
    CHECK_THROWS_WITH_AS(c.mvm_noiseless(0, x.data(), state.data(), nullptr),
                         "crossbar mvm_noiseless on a spike-input layer", std::logic_error);
}
