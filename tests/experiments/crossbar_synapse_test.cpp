// Checks experiments::crossbar_synapse (the SNN on a crossbar::chip) and the lockstep
// evaluation with an ideal shadow network (experiments/evaluate.hpp) against their
// references: snn::ideal_synapse and the ideal engine (an ideal chip must reproduce them
// to float rounding), an explicit im2col + chip::mvm of the same inputs (the glue), and
// themselves under changes that must not matter (threads, batch size); and the run file
// of `spikebar eval` against docs/output-format.md and the library run.
// Model: a random-initialized three-lif-layer SNN on synthetic 1x12x12 images (gain by
// depth so every layer fires; each test checks that it does).
#include "experiments/crossbar_synapse.hpp"

#include <doctest/doctest.h>
#include <hdf5.h>
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "app/commands.hpp"
#include "common/errors.hpp"
#include "common/h5.hpp"
#include "common/rng.hpp"
#include "experiments/evaluate.hpp"
#include "fixtures.hpp"
#include "snn/engine.hpp"
#include "snn/model.hpp"
#include "snn/model_io.hpp"
#include "snn/synapse.hpp"

using namespace experiments;

namespace {

constexpr double u_float = 0x1p-24;
double gamma_n(int n) {
    return n * u_float / (1 - n * u_float);
}

using fixtures::harsh_chip;
using fixtures::test_data;
using fixtures::test_model;

// Every non-ideality off, unlimited resolution, ideal wires.
crossbar::chip_params ideal_chip(int tile = 32) {
    crossbar::chip_params p;
    p.crossbar.tile_rows = p.crossbar.tile_cols = tile;
    p.wires = {0, 0, 0, 0};
    return p;
}

double total_spikes(const eval_result& r, int j) {
    double s = 0;
    for (std::size_t i = 0; i < r.samples * r.timesteps; ++i) s += r.spikes[i * r.lif_layers + j];
    return s;
}

bool same_floats(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

bool same_counts(const std::vector<crossbar::mvm_counts>& a,
                 const std::vector<crossbar::mvm_counts>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i].tile_reads != b[i].tile_reads || a[i].row_activations != b[i].row_activations ||
            a[i].dac_conversions != b[i].dac_conversions ||
            a[i].adc_conversions != b[i].adc_conversions ||
            std::memcmp(&a[i].read_energy_j, &b[i].read_energy_j, sizeof(double)) != 0)
            return false;
    return true;
}

// Written from the im2col definition: row (ky * k + kx) * C_in + ci of output position p
// holds in[(oy * s + ky - pad, ox * s + kx - pad, ci)], zero outside the map.
std::vector<float> im2col(const snn::layer_spec& l, const float* x, int p) {
    std::vector<float> col(std::size_t(snn::weight_rows(l)), 0.0f);
    if (l.kind != snn::layer_kind::conv) {
        std::copy(x, x + col.size(), col.begin());
        return col;
    }
    const int oy = p / l.out.w, ox = p % l.out.w;
    for (int ky = 0; ky < l.kernel; ++ky)
        for (int kx = 0; kx < l.kernel; ++kx) {
            const int iy = oy * l.stride + ky - l.pad, ix = ox * l.stride + kx - l.pad;
            if (iy < 0 || iy >= l.in.h || ix < 0 || ix >= l.in.w) continue;
            for (int ci = 0; ci < l.in.c; ++ci)
                col[(ky * l.kernel + kx) * l.in.c + ci] = x[(iy * l.in.w + ix) * l.in.c + ci];
        }
    return col;
}

}  // namespace

TEST_CASE("map_model: im2col matrices, spike inputs after lif, the analog first layer on the DAC") {
    const snn::model m = test_model();
    const crossbar_mapping map = map_model(m);
    REQUIRE(map.matrices.size() == 4);
    CHECK(map.model_layer == std::vector<int>{0, 3, 7, 9});
    CHECK(map.matrices[0].in == 9);
    CHECK(map.matrices[0].out == 8);
    CHECK_FALSE(map.matrices[0].binary_input);  // direct encoding: the analog image
    CHECK(map.matrices[0].input_max == 1.0f);
    CHECK(map.matrices[1].in == 9 * 8);
    CHECK(map.matrices[1].binary_input);
    CHECK(map.matrices[2].in == 16 * 3 * 3);
    CHECK(map.matrices[2].binary_input);
    CHECK(map.matrices[3].binary_input);
    CHECK(map.matrices[1].weight == m.layers[3].weight);  // model layout = layer_matrix layout
    CHECK(map_model(test_model("rate")).matrices[0].binary_input);  // rate: spikes everywhere

    // Reference: the message documented in crossbar_synapse.hpp.
    CHECK_THROWS_WITH_AS(map_model(test_model("direct", "ann")),
                         "crossbar: layer 3 (conv) takes analog input with no known bound (an ANN "
                         "model); only spikes and bounded non-negative inputs (images, pooled "
                         "spikes) map onto the DAC",
                         spikebar::config_error);
}

TEST_CASE(
    "each layer on the ideal chip equals snn::ideal_synapse within the float rounding bound") {
    // Reference: ideal_synapse on the inputs the ideal network gives every weighted layer.
    // Bound per output: both sides are float sums of n terms (Higham: gamma_n sum |terms|),
    // the chip adds the rounding of K to float, of the scale and of the bias:
    // |y_chip - y_ideal| <= 2 gamma_(n+4) (sum_i |w_io x_i| + |b_o|).
    const snn::model m = test_model();
    const snn::dataset d = test_data(16);
    const calibration_inputs rec = record_calibration_inputs(m, d, 0, 16, 0);
    const crossbar_synapse xs(m, ideal_chip(), 1, 0);
    const snn::ideal_synapse ideal(m);
    int checked = 0;
    for (int c = 0; c < xs.num_layers(); ++c) {
        const int li = xs.mapping().model_layer[c];
        const snn::layer_spec& l = m.arch.layers[li];
        const std::size_t size = l.in.size();
        const std::vector<float>& in = rec.inputs[c];
        const std::size_t count = in.size() / size;
        CHECK(count == (c == 0 ? 16u : 16u * 4u));  // the static first layer is recorded once
        const int rows = snn::weight_rows(l), out_size = l.out.size(), cout = l.out.c;
        std::vector<float> yc(out_size), yi(out_size);
        for (std::size_t v = 0; v < count; ++v) {
            const float* x = in.data() + v * size;
            const bool binary = xs.mapping().matrices[c].binary_input;
            xs.forward({v, 1, li}, x, binary, yc.data());
            ideal.forward({v, 1, li}, x, binary, yi.data());
            const std::vector<float>& w = m.layers[li].weight;
            const std::vector<float>& b = m.layers[li].bias;
            for (int p = 0; p < out_size / cout; ++p) {
                const std::vector<float> col = im2col(l, x, p);
                for (int o = 0; o < cout; ++o) {
                    double mag = std::abs(double(b[o]));
                    for (int i = 0; i < rows; ++i)
                        mag += std::abs(double(w[std::size_t(i) * cout + o]) * col[i]);
                    const double tol = 2 * gamma_n(rows + 4) * mag;
                    const double err =
                        std::abs(double(yc[p * cout + o]) - double(yi[p * cout + o]));
                    if (err > tol) {
                        CAPTURE(c);
                        CAPTURE(v);
                        CAPTURE(p);
                        CAPTURE(o);
                        CHECK(err <= tol);
                    }
                    ++checked;
                }
            }
        }
    }
    CHECK(checked > 10000);
}

TEST_CASE("the ideal chip reproduces the ideal engine: same predictions, logits within 1e-4") {
    // Reference: experiments::evaluate with snn::ideal_synapse (the ideal engine), the
    // acceptance criterion of issue 4. Relative to the largest |O_t| of the sample and step.
    for (const char* encoding : {"direct", "rate"}) {
        const std::string enc = encoding;
        CAPTURE(enc);
        const snn::model m = test_model(encoding);
        const snn::dataset d = test_data(300);
        crossbar_synapse xs(m, ideal_chip(), 1, 0);
        const snn::ideal_synapse ideal(m);
        const eval_result ri = evaluate(m, ideal, d, 64, 0);
        const std::vector<eval_result> rx = evaluate_lockstep(m, {{&xs, &xs}}, &ideal, d, 64, 0);
        const eval_result& r = rx.front();
        for (int j = 0; j < ri.lif_layers; ++j) CHECK(total_spikes(ri, j) > 1000);
        CHECK(r.predictions == ri.predictions);
        const int K = r.classes;
        double worst = 0;
        for (std::size_t st = 0; st < r.samples * r.timesteps; ++st) {
            double mx = 0, err = 0;
            for (int k = 0; k < K; ++k) {
                mx = std::max(mx, std::abs(double(ri.logits[st * K + k])));
                err = std::max(
                    err, std::abs(double(r.logits[st * K + k]) - double(ri.logits[st * K + k])));
            }
            worst = std::max(worst, err / mx);
        }
        INFO("largest relative logit error " << worst);
        CHECK(worst <= 1e-4);
        CHECK(worst > 0);  // a chip is not the same float computation: rounding differs
        // No spike may flip for the logits to stay this close.
        for (double s : r.spike_mismatch) CHECK(s == 0.0);
    }
}

TEST_CASE(
    "shadow errors: exactly 0 against itself, rounding-small on the ideal chip, large with noise") {
    // Reference: the shadow is the ideal engine on the same inputs, so the ideal synapse as
    // the lane must give exactly 0 (it is the same computation).
    const snn::model m = test_model();
    const snn::dataset d = test_data(64);
    const snn::ideal_synapse ideal(m);
    crossbar_synapse ideal_xb(m, ideal_chip(), 1, 0);
    crossbar_synapse noisy(m, harsh_chip(), 1, 0);
    noisy.calibrate(record_calibration_inputs(m, test_data(32, 7), 0, 32, 0));
    const std::vector<eval_result> r = evaluate_lockstep(
        m, {{&ideal, nullptr}, {&ideal_xb, &ideal_xb}, {&noisy, &noisy}}, &ideal, d, 16, 0);
    const int T = r[0].timesteps, L = r[0].lif_layers;
    REQUIRE(r[0].membrane_rmse.size() == std::size_t(T * L));
    for (int i = 0; i < T * L; ++i) {
        CAPTURE(i);
        CHECK(r[0].membrane_rmse[i] == 0.0);
        CHECK(r[0].spike_mismatch[i] == 0.0);
        // Float rounding of membranes of order 1: far below 1e-4.
        CHECK(r[1].membrane_rmse[i] < 1e-4);
        CHECK(r[2].membrane_rmse[i] > 1e-2);
        // Spikes can only mismatch where the layer fires: the deepest one may still be
        // charging at t = 1 (a handful of spikes or none, depending on the images); every
        // layer fires from t = 2 on.
        std::uint64_t fired = 0;
        for (std::size_t n = 0; n < d.size(); ++n) fired += r[0].spikes[n * T * L + i];
        if (i >= L) CHECK(fired > 0);
        if (fired > 0) CHECK(r[2].spike_mismatch[i] > 0.0);
    }
    CHECK(r[0].mvm.empty());
    CHECK(r[2].mvm.size() == 64u * T * 4);
}

TEST_CASE("crossbar evaluation is bit-identical for 1 and 2 threads and batch sizes 64 and 7") {
    // Reference: the same run under another thread count and batch split; every read is
    // keyed by (seed, chip, sample, timestep, layer, tile, read), never by call order.
    const snn::model m = test_model();
    const snn::dataset d = test_data(70);
    const snn::ideal_synapse ideal(m);
    const calibration_inputs cal = record_calibration_inputs(m, test_data(16, 5), 0, 16, 0);
    const int saved = omp_get_max_threads();
    std::vector<std::vector<eval_result>> runs;
    for (const auto& [threads, batch] : {std::pair{1, 64}, std::pair{2, 7}}) {
        omp_set_num_threads(threads);
        crossbar_synapse a(m, harsh_chip(), 3, 0), b(m, harsh_chip(), 3, 1);
        a.calibrate(cal);
        b.calibrate(cal);
        runs.push_back(evaluate_lockstep(m, {{&a, &a}, {&b, &b}}, &ideal, d, batch, 0));
    }
    omp_set_num_threads(saved);
    for (int k = 0; k < 2; ++k) {
        const eval_result &x = runs[0][k], &y = runs[1][k];
        CHECK(same_floats(x.logits, y.logits));
        CHECK(x.predictions == y.predictions);
        CHECK(x.spikes == y.spikes);
        CHECK(same_counts(x.mvm, y.mvm));
        CHECK(x.membrane_rmse == y.membrane_rmse);
        CHECK(x.spike_mismatch == y.spike_mismatch);
    }
    // Chip instances differ (different programming and read draws).
    CHECK_FALSE(same_floats(runs[0][0].logits, runs[0][1].logits));
}

TEST_CASE("the per-sample read cache of the analog first layer changes no bit of a run") {
    // Reference: the same chip with use_read_cache(false), every read through chip::mvm.
    // Under direct encoding the first layer (analog, before any lif) sees the same image at
    // every step, so with the cache its noiseless currents and noise deviations are computed
    // at t = 1 and reused at t = 2..T; outputs, spikes, work counters (read energy included)
    // and shadow errors must be the same bits, for 1 thread at batch 64 and 2 threads at
    // batch 7.
    const snn::model m = test_model();
    const snn::dataset d = test_data(70);
    const snn::ideal_synapse ideal(m);
    const calibration_inputs cal = record_calibration_inputs(m, test_data(16, 5), 0, 16, 0);
    crossbar_synapse plain(m, harsh_chip(), 3, 0);
    plain.use_read_cache(false);
    plain.calibrate(cal);
    const eval_result ref = evaluate_lockstep(m, {{&plain, &plain}}, &ideal, d, 64, 0).front();
    CHECK(plain.read_cache_hits() == 0);
    const int saved = omp_get_max_threads();
    for (const auto& [threads, batch] : {std::pair{1, 64}, std::pair{2, 7}}) {
        CAPTURE(threads);
        CAPTURE(batch);
        omp_set_num_threads(threads);
        crossbar_synapse cached(m, harsh_chip(), 3, 0);
        cached.calibrate(cal);
        const eval_result r =
            evaluate_lockstep(m, {{&cached, &cached}}, &ideal, d, batch, 0).front();
        omp_set_num_threads(saved);
        CHECK(same_floats(r.logits, ref.logits));
        CHECK(r.predictions == ref.predictions);
        CHECK(r.spikes == ref.spikes);
        CHECK(same_counts(r.mvm, ref.mvm));
        CHECK(r.membrane_rmse == ref.membrane_rmse);
        CHECK(r.spike_mismatch == ref.spike_mismatch);
        // The cache was used: one hit per sample at every step after the first.
        CHECK(cached.read_cache_hits() == d.size() * std::uint64_t(r.timesteps - 1));
    }
    omp_set_num_threads(saved);
    REQUIRE(ref.timesteps > 1);
    CHECK(ref.mvm.front().read_energy_j > 0);
}

TEST_CASE(
    "read noise is keyed by timestep and sample: successive reads differ, repeated reads do not") {
    // Reference: chip.hpp's keying (sample, timestep, layer, tile, read). The analog first
    // layer gets the same image every step, so without keying by timestep it would repeat.
    const snn::model m = test_model();
    const snn::dataset d = test_data(1);
    std::vector<float> in(d.image_size());
    std::copy(d.image(0), d.image(0) + in.size(), in.begin());  // C = 1: CHW = HWC
    const crossbar_synapse noisy(m, harsh_chip(0.05), 1, 0);
    const crossbar_synapse quiet(m, harsh_chip(0.0), 1, 0);
    CHECK_FALSE(noisy.time_invariant());
    CHECK(quiet.time_invariant());
    const std::size_t out = m.arch.layers[0].out.size();
    std::vector<float> t1(out), t1b(out), t2(out), s2(out), q1(out), q2(out);
    noisy.forward({0, 1, 0}, in.data(), false, t1.data());
    noisy.forward({0, 1, 0}, in.data(), false, t1b.data());
    noisy.forward({0, 2, 0}, in.data(), false, t2.data());
    noisy.forward({1, 1, 0}, in.data(), false, s2.data());
    quiet.forward({0, 1, 0}, in.data(), false, q1.data());
    quiet.forward({0, 2, 0}, in.data(), false, q2.data());
    CHECK(same_floats(t1, t1b));
    CHECK_FALSE(same_floats(t1, t2));
    CHECK_FALSE(same_floats(t1, s2));
    CHECK(same_floats(q1, q2));
    // Positions are keyed too: count outputs that differ between t = 1 and 2 (all but the
    // ones whose tile was not read or whose ADC code did not change).
    std::size_t differ = 0;
    for (std::size_t i = 0; i < out; ++i) differ += t1[i] != t2[i];
    CHECK(differ > out / 4);
}

TEST_CASE(
    "work counters: one record per (sample, timestep, layer), equal to chip::mvm's own counts") {
    // Reference: chip::mvm on an explicit im2col of the first layer (the glue must pass
    // every position to the chip exactly once); a time-invariant layer reused by the
    // engine after t = 1 counts nothing at t > 1.
    const snn::model m = test_model();
    const snn::dataset d = test_data(5);
    for (double noise : {0.0, 0.05}) {
        CAPTURE(noise);
        crossbar_synapse xs(m, harsh_chip(noise), 1, 0);
        const std::vector<eval_result> r = evaluate_lockstep(m, {{&xs, &xs}}, nullptr, d, 2, 0);
        const eval_result& e = r.front();
        const int T = e.timesteps, W = e.crossbar_layers;
        REQUIRE(W == 4);
        const snn::layer_spec& l = m.arch.layers[0];
        for (std::size_t s = 0; s < d.size(); ++s) {
            crossbar::mvm_counts ref;
            std::vector<float> col(9), y(8);
            for (int oy = 0; oy < l.out.h; ++oy)
                for (int ox = 0; ox < l.out.w; ++ox) {
                    for (int ky = 0; ky < 3; ++ky)
                        for (int kx = 0; kx < 3; ++kx) {
                            const int iy = oy + ky - 1, ix = ox + kx - 1;
                            col[ky * 3 + kx] = iy < 0 || iy >= 12 || ix < 0 || ix >= 12
                                                   ? 0.0f
                                                   : d.image(s)[iy * 12 + ix];
                        }
                    xs.chip().mvm(0, col.data(), y.data(), {s, 1, std::uint64_t(oy * 12 + ox)},
                                  &ref);
                }
            const crossbar::mvm_counts& got = e.mvm[(s * T + 0) * W + 0];
            CHECK(got.tile_reads == ref.tile_reads);
            CHECK(got.row_activations == ref.row_activations);
            CHECK(got.dac_conversions == ref.dac_conversions);
            CHECK(got.adc_conversions == ref.adc_conversions);
            CHECK(got.read_energy_j == doctest::Approx(ref.read_energy_j).epsilon(1e-12));
            CHECK(ref.dac_conversions > 0);
            const crossbar::mvm_counts& t2 = e.mvm[(s * T + 1) * W + 0];
            if (noise == 0)
                CHECK(t2.tile_reads == 0);  // reused: the engine did not call the synapse
            else
                CHECK(t2.tile_reads == got.tile_reads);
            // Spike layers: a tile is read iff its rows saw a spike; chip layer c is fed by
            // lif layer c - 1 (through pooling), with digital bias (no always-driven row).
            for (int t = 0; t < T; ++t)
                for (int c = 1; c < W; ++c) {
                    const bool any = e.spikes[(s * T + t) * e.lif_layers + (c - 1)] > 0;
                    CHECK((e.mvm[(s * T + t) * W + c].tile_reads > 0) == any);
                    CHECK((e.mvm[(s * T + t) * W + c].adc_conversions > 0) == any);
                }
        }
    }
}

TEST_CASE(
    "ADC calibration: full scale = headroom x the largest noiseless tile current on ideal inputs") {
    // Reference: chip::calibrate_adc fed by hand with the same recorded inputs.
    const snn::model m = test_model();
    const snn::dataset cal = test_data(8, 3);
    const calibration_inputs rec = record_calibration_inputs(m, cal, 0, 8, 0);
    CHECK(rec.samples == 8);
    // The first layer's record is the images themselves (C = 1: CHW = HWC), once per sample.
    REQUIRE(rec.inputs[0].size() == cal.images.size());
    CHECK(same_floats(rec.inputs[0], cal.images));
    crossbar::chip_params p = harsh_chip();
    p.adc.headroom = 1.25;
    crossbar_synapse xs(m, p, 1, 0);
    const crossbar::tile& t0 = xs.chip().tile_at(2, 0, 0);
    const float before = t0.adc.full_scale_a();
    CHECK(before == doctest::Approx(t0.worst_a).epsilon(1e-6));
    xs.calibrate(rec);
    const crossbar::tile& t = xs.chip().tile_at(2, 0, 0);
    CHECK(t.calib_max_a > 0);
    CHECK(t.calib_max_a < t.worst_a);
    CHECK(t.adc.full_scale_a() == doctest::Approx(1.25 * t.calib_max_a).epsilon(1e-6));
    // Same maxima, tile by tile, as feeding every recorded input (conv: every im2col
    // position) to the chip directly.
    crossbar::chip direct(map_model(m).matrices, p, 1, 0);
    int tiles = 0;
    for (int c = 0; c < direct.num_layers(); ++c) {
        const snn::layer_spec& l = m.arch.layers[xs.mapping().model_layer[c]];
        const std::size_t size = l.in.size();
        for (std::size_t v = 0; v < rec.inputs[c].size() / size; ++v)
            for (int q = 0; q < l.out.h * l.out.w; ++q)
                direct.calibrate_adc(c, im2col(l, rec.inputs[c].data() + v * size, q).data(), 1);
        const crossbar::layer_layout& lay = direct.layout(c);
        for (int rt = 0; rt < lay.row_tiles; ++rt)
            for (int ct = 0; ct < lay.col_tiles; ++ct) {
                CAPTURE(c);
                CAPTURE(rt);
                CAPTURE(ct);
                CHECK(direct.tile_at(c, rt, ct).calib_max_a ==
                      xs.chip().tile_at(c, rt, ct).calib_max_a);
                ++tiles;
            }
    }
    CHECK(tiles > 20);

    // Batched calibration (3 samples at a time, as spikebar eval streams the training set)
    // equals one calibration on the whole record: the full scale is a maximum.
    crossbar_synapse batched(m, p, 1, 0);
    calibrate_chips(m, cal, 8, 0, {&batched}, 3);
    for (int c = 0; c < batched.num_layers(); ++c) {
        const crossbar::layer_layout& lay = batched.chip().layout(c);
        for (int rt = 0; rt < lay.row_tiles; ++rt)
            for (int ct = 0; ct < lay.col_tiles; ++ct)
                CHECK(batched.chip().tile_at(c, rt, ct).calib_max_a ==
                      xs.chip().tile_at(c, rt, ct).calib_max_a);
    }
}

namespace {

template <class T>
std::vector<T> read_all(const h5::file& f, const std::string& path, hid_t type,
                        const std::vector<hsize_t>& dims) {
    REQUIRE(h5::dataset_shape(f, path) == dims);
    std::size_t n = 1;
    for (hsize_t d : dims) n *= d;
    std::vector<T> v(n);
    const h5::id d(H5Dopen2(f.h.get(), path.c_str(), H5P_DEFAULT), H5Dclose);
    REQUIRE(H5Dread(d.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) >= 0);
    return v;
}

}  // namespace

TEST_CASE("spikebar eval on 2 chips writes the documented run file, equal to the library run") {
    // Reference: docs/output-format.md (names, shapes, types) and evaluate_lockstep on the
    // same model, data, chips and calibration (values, bit for bit).
    namespace fs = std::filesystem;
    const fs::path dir =
        fs::temp_directory_path() / ("spikebar_xinf_test_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    snn::dataset train = test_data(24, 11), test = test_data(20, 12);
    synthetic::write_idx((dir / "train-images-idx3-ubyte").string(),
                         (dir / "train-labels-idx1-ubyte").string(), train);
    synthetic::write_idx((dir / "t10k-images-idx3-ubyte").string(),
                         (dir / "t10k-labels-idx1-ubyte").string(), test);
    const snn::model m = test_model();
    snn::save_model(m, (dir / "m.h5").string());
    {
        std::ofstream cfg(dir / "run.ini");
        cfg << "[network]\nlayers = " << m.net.layers << "\n[data]\ndir = " << dir.string()
            << "\n[crossbar]\nenabled = true\ntile_rows = 32\ntile_cols = 16\nchips = 2\ndac_bits "
               "= 6\n"
            << "[device]\nlevel_bits = 5\nd2d_sigma = 0.05\nread_noise_sigma = 0.1\n"
            << "[wires]\nr_row_ohm = 2.5\nr_col_ohm = 2.5\n[adc]\nbits = 6\n"
            << "[eval]\nchip_seed = 5\ncalibration_samples = 10\n";
    }
    const std::string cfg = (dir / "run.ini").string(), model = (dir / "m.h5").string();
    const int saved = omp_get_max_threads();
    REQUIRE(experiments::cmd_eval({"--config", cfg, "--model", model, "--out",
                                   (dir / "a.h5").string(), "--set", "eval.threads=1"}) == 0);
    REQUIRE(
        experiments::cmd_eval({"--config", cfg, "--model", model, "--out", (dir / "b.h5").string(),
                               "--set", "eval.threads=2", "--set", "eval.batch_size=3"}) == 0);
    omp_set_num_threads(saved);

    // The library run it must equal (images as the loader rounds them to bytes).
    for (auto& p : train.images) p = float(std::lround(p * 255)) / 255.0f;
    for (auto& p : test.images) p = float(std::lround(p * 255)) / 255.0f;
    const snn::model loaded = snn::load_model(model);
    crossbar::chip_params cp = harsh_chip();
    cp.device.stuck_on_fraction = cp.device.stuck_off_fraction = 0;
    cp.wires.r_source_ohm = cp.wires.r_sink_ohm = 0;
    crossbar_synapse c0(loaded, cp, 5, 0), c1(loaded, cp, 5, 1);
    calibrate_chips(loaded, train, 10, 1, {&c0, &c1});
    const snn::ideal_synapse ideal(loaded);
    const std::vector<eval_result> ref =
        evaluate_lockstep(loaded, {{&c0, &c0}, {&c1, &c1}}, &ideal, test, 256, 1);

    const hsize_t C = 2, N = 20, T = 4, K = 10, L = 3, W = 4;
    for (const char* name : {"a.h5", "b.h5"}) {
        CAPTURE(name);
        const h5::file f = h5::file::open_read((dir / name).string());
        CHECK(h5::read_attr_string(f, "/", "hardware") == "crossbar");
        CHECK(h5::read_attr_int(f, "/", "format_version") == 2);
        CHECK(h5::read_attr_int(f, "/", "lanes") == 2);
        CHECK(h5::read_attr_int(f, "/", "chip_seed") == 5);
        CHECK(h5::read_attr_int(f, "/", "calibration_samples") == 10);
        const auto logits = read_all<float>(f, "/timesteps/logits", H5T_NATIVE_FLOAT, {C, N, T, K});
        const auto pred = read_all<std::uint8_t>(f, "/samples/prediction_by_timestep",
                                                 H5T_NATIVE_UINT8, {C, N, T});
        const auto spikes =
            read_all<std::uint32_t>(f, "/timesteps/spike_count", H5T_NATIVE_UINT32, {C, N, T, L});
        const auto reads = read_all<std::uint64_t>(f, "/timesteps/crossbar/tile_reads",
                                                   H5T_NATIVE_UINT64, {C, N, T, W});
        const auto adcs = read_all<std::uint64_t>(f, "/timesteps/crossbar/adc_conversions",
                                                  H5T_NATIVE_UINT64, {C, N, T, W});
        const auto energy = read_all<double>(f, "/timesteps/crossbar/read_energy_j",
                                             H5T_NATIVE_DOUBLE, {C, N, T, W});
        const auto rows = read_all<std::uint64_t>(f, "/timesteps/crossbar/row_activations",
                                                  H5T_NATIVE_UINT64, {C, N, T, W});
        const auto dacs = read_all<std::uint64_t>(f, "/timesteps/crossbar/dac_conversions",
                                                  H5T_NATIVE_UINT64, {C, N, T, W});
        const auto rmse =
            read_all<double>(f, "/shadow/membrane_rmse", H5T_NATIVE_DOUBLE, {C, T, L});
        const auto mism =
            read_all<double>(f, "/shadow/spike_mismatch", H5T_NATIVE_DOUBLE, {C, T, L});
        const auto acc =
            read_all<double>(f, "/summary/accuracy_by_timestep", H5T_NATIVE_DOUBLE, {C, T});
        read_all<double>(f, "/summary/chip_build_s", H5T_NATIVE_DOUBLE, {C});
        CHECK(read_all<std::uint8_t>(f, "/samples/label", H5T_NATIVE_UINT8, {N}) == test.labels);
        for (hsize_t c = 0; c < C; ++c) {
            const eval_result& r = ref[c];
            CHECK(std::memcmp(logits.data() + c * N * T * K, r.logits.data(),
                              N * T * K * sizeof(float)) == 0);
            CHECK(std::equal(r.predictions.begin(), r.predictions.end(), pred.begin() + c * N * T));
            CHECK(std::equal(r.spikes.begin(), r.spikes.end(), spikes.begin() + c * N * T * L));
            for (hsize_t i = 0; i < N * T * W; ++i) {
                CHECK(reads[c * N * T * W + i] == r.mvm[i].tile_reads);
                CHECK(adcs[c * N * T * W + i] == r.mvm[i].adc_conversions);
                CHECK(rows[c * N * T * W + i] == r.mvm[i].row_activations);
                CHECK(dacs[c * N * T * W + i] == r.mvm[i].dac_conversions);
                CHECK(energy[c * N * T * W + i] == r.mvm[i].read_energy_j);
            }
            for (hsize_t i = 0; i < T * L; ++i) {
                CHECK(rmse[c * T * L + i] == r.membrane_rmse[i]);
                CHECK(mism[c * T * L + i] == r.spike_mismatch[i]);
            }
            for (hsize_t t = 0; t < T; ++t) CHECK(acc[c * T + t] == r.accuracy(int(t) + 1));
        }
        std::vector<double> fixed_t(T);
        {
            const h5::id a(H5Aopen(f.h.get(), "accuracy_fixed_t", H5P_DEFAULT), H5Aclose);
            REQUIRE(H5Aread(a.get(), H5T_NATIVE_DOUBLE, fixed_t.data()) >= 0);
        }
        for (hsize_t t = 0; t < T; ++t)  // the mean over the two chips, as documented
            CHECK(fixed_t[t] == acc[t] / 2 + acc[T + t] / 2);
    }
    fs::remove_all(dir);
}
