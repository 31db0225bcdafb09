// Hardware-aware training (experiments/hwa.hpp, snn::trainer::set_hardware) against its
// two references: the plain trainer (every non-ideality off must change no bit) and the
// chip eval (with them on, a training batch's forward pass is the forward pass of the
// engine on experiments::crossbar_synapse for the same chip seed and calibration).
// Model: the random-initialized three-lif-layer SNN of fixtures.hpp on synthetic 1x12x12
// images; chip: every non-ideality on, tiles small enough that layers span several.
#include "experiments/hwa.hpp"

#include <doctest/doctest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "common/errors.hpp"
#include "experiments/config/config.hpp"
#include "experiments/crossbar_synapse.hpp"
#include "fixtures.hpp"
#include "snn/engine.hpp"
#include "snn/synapse.hpp"
#include "snn/trainer.hpp"

using namespace experiments;

namespace {

run_config harsh_config() {
    run_config c = default_config({});
    const crossbar::chip_params p = fixtures::harsh_chip(0.1);
    c.crossbar = p.crossbar;
    c.crossbar.enabled = true;
    c.device = p.device;
    c.wires = p.wires;
    c.adc = p.adc;
    c.train.batch_size = 6;
    c.train.epochs = 1;
    c.train.hardware_aware = true;
    c.train.hwa_calibration_samples = 8;
    return c;
}

std::vector<float> flat_parameters(snn::trainer& tr) {
    std::vector<float> all;
    for (auto* p : tr.parameters()) all.insert(all.end(), p->begin(), p->end());
    return all;
}

// The readout O of one forward pass: [T * B][K], row t * B + b.
std::vector<float> forward_outputs(snn::trainer& tr, const snn::dataset& d,
                                   const std::vector<std::size_t>& idx) {
    std::vector<float> out;
    tr.set_output_loss([&](snn::output_batch& b) {
        out.assign(b.outputs, b.outputs + std::size_t(b.steps) * b.batch * b.width);
        return 0.0;
    });
    tr.loss_and_gradients(d, idx);
    tr.set_output_loss({});
    return out;
}

}  // namespace

TEST_CASE("every non-ideality off: hardware-aware training changes no bit") {
    // Reference: the plain trainer, two epochs on the same data and seed.
    const snn::dataset d = fixtures::test_data(24);
    run_config c = harsh_config();
    c.train.hwa_programming = c.train.hwa_read_noise = c.train.hwa_dac = c.train.hwa_adc =
        c.train.hwa_ir_drop = false;
    CHECK_FALSE(c.train.hwa_active());
    const std::size_t steps = d.size() / std::size_t(c.train.batch_size);
    snn::trainer plain(fixtures::test_model(), c.train, steps), off(fixtures::test_model(), c.train, steps);
    enable_hardware_aware(off, c, d);
    // The synapse route itself: weighted layers through snn::ideal_synapse, made per batch
    // from the current weights, as a chip would be.
    snn::trainer routed(fixtures::test_model(), c.train, steps);
    routed.set_hardware(
        [](const snn::model& m, std::int64_t) {
            struct held final : snn::synapse_op {
                snn::model m;
                snn::ideal_synapse s;
                explicit held(const snn::model& x) : m(x), s(m) {}
                void forward(const snn::synapse_site& site, const float* in, bool b,
                             float* out) const override {
                    s.forward(site, in, b, out);
                }
                bool time_invariant() const override { return true; }
            };
            return std::unique_ptr<const snn::synapse_op>(new held(m));
        },
        false);
    for (int e = 0; e < 2; ++e) {
        plain.train_epoch(d, e);
        off.train_epoch(d, e);
        routed.train_epoch(d, e);
    }
    const std::vector<float> a = flat_parameters(plain), b = flat_parameters(off),
                             r = flat_parameters(routed), init = flat_parameters(*std::make_unique<snn::trainer>(fixtures::test_model(), c.train, steps));
    REQUIRE(a.size() == r.size());
    CHECK(a != init);  // training moved the weights
    CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
    CHECK(std::memcmp(a.data(), r.data(), a.size() * sizeof(float)) == 0);
}

TEST_CASE("every non-ideality on: a batch's forward pass is the chip eval's, read for read") {
    // Reference: snn::engine on crossbar_synapse for chip (hwa_chip_seed, step 0),
    // calibrated on the same first training samples. Same reads, same keys: the only
    // allowed difference is float rounding in the neuron arithmetic.
    const snn::dataset d = fixtures::test_data(16);
    const run_config c = harsh_config();
    const snn::model m = fixtures::test_model();
    snn::trainer tr(m, c.train, 2);
    enable_hardware_aware(tr, c, d);
    std::vector<std::size_t> idx(6);
    std::iota(idx.begin(), idx.end(), 3);  // samples 3..8, contiguous as the engine takes them
    const std::vector<float> O = forward_outputs(tr, d, idx);

    crossbar_synapse chip(m, hwa_chip_params(c), c.train.hwa_chip_seed, 0);
    calibrate_chips(m, d, std::size_t(c.train.hwa_calibration_samples), c.train.seed, {&chip});
    snn::engine eng(m, chip, c.train.seed);
    eng.start(d.image(idx[0]), idx.size(), idx[0]);
    const int T = m.net.timesteps, K = m.num_classes(), B = int(idx.size());
    REQUIRE(O.size() == std::size_t(T) * B * K);
    double worst = 0, scale = 0;
    for (int t = 1; t <= T; ++t) {
        eng.step();
        for (int b = 0; b < B; ++b)
            for (int k = 0; k < K; ++k) {
                const float e = eng.logits(b)[k], h = O[(std::size_t(t - 1) * B + b) * K + k];
                worst = std::max(worst, double(std::abs(e - h)));
                scale = std::max(scale, double(std::abs(e)));
            }
    }
    REQUIRE(scale > 0);
    // 1e-5 of the largest readout: float rounding of a few dozen additions, far below
    // the effect of one read-noise draw (the next check).
    CHECK(worst <= 1e-5 * scale);

    // The chip matters: the same batch on the next step's chip gives other outputs.
    snn::trainer next(m, c.train, 2);
    enable_hardware_aware(next, c, d);
    next.optimizer().step = 1;
    const std::vector<float> O1 = forward_outputs(next, d, idx);
    double diff = 0;
    for (std::size_t i = 0; i < O.size(); ++i) diff = std::max(diff, double(std::abs(O[i] - O1[i])));
    CHECK(diff > 1e-3 * scale);
}

TEST_CASE("each switch sets its non-ideality to ideal, and only it") {
    const run_config base = harsh_config();
    const crossbar::chip_params on = hwa_chip_params(base);
    CHECK(on.device.read_noise_sigma == base.device.read_noise_sigma);
    CHECK(on.wires.r_row_ohm == base.wires.r_row_ohm);
    run_config c = base;
    c.train.hwa_read_noise = false;
    CHECK(hwa_chip_params(c).device.read_noise_sigma == 0);
    CHECK(hwa_chip_params(c).device.d2d_sigma == base.device.d2d_sigma);
    c = base;
    c.train.hwa_programming = false;
    const auto p = hwa_chip_params(c);
    CHECK(p.device.d2d_sigma == 0);
    CHECK(p.device.level_bits == 0);
    CHECK(p.device.stuck_on_fraction == 0);
    CHECK(p.device.stuck_off_fraction == 0);
    CHECK(p.device.read_noise_sigma == base.device.read_noise_sigma);
    c = base;
    c.train.hwa_dac = false;
    CHECK(hwa_chip_params(c).crossbar.dac_bits == 0);
    CHECK(hwa_chip_params(c).adc.bits == base.adc.bits);
    c = base;
    c.train.hwa_adc = false;
    CHECK(hwa_chip_params(c).adc.bits == 0);
    c = base;
    c.train.hwa_ir_drop = false;
    CHECK(hwa_chip_params(c).wires.r_row_ohm == 0);
    CHECK(hwa_chip_params(c).wires.r_col_ohm == 0);
    CHECK(hwa_chip_params(c).wires.r_source_ohm == 0);
    CHECK(hwa_chip_params(c).wires.r_sink_ohm == 0);
    CHECK(hwa_chip_params(c).device.read_noise_sigma == base.device.read_noise_sigma);
}

TEST_CASE("a network with bn layers is refused: the chip holds folded weights") {
    snn::network_params net;
    net.layers = "conv:8:3, bn, lif, flatten, linear:10";
    net.timesteps = 2;
    const snn::model m = snn::make_model(net, snn::neuron_params{}, {1, 12, 12}, 3);
    const run_config c = harsh_config();
    snn::trainer tr(m, c.train, 1);
    const snn::dataset d = fixtures::test_data(8);
    CHECK_THROWS_WITH_AS(enable_hardware_aware(tr, c, d),
                         "train.hardware_aware = true: the network has bn layers, but a chip holds "
                         "BatchNorm-folded weights; fine-tune a trained model "
                         "(train.init_model = model.h5)",
                         spikebar::config_error);
}

TEST_CASE("hardware-aware training gives the same model on 1 or 2 threads") {
    // Reference: itself on one thread; chips are keyed by (seed, step), reads by site.
    const snn::dataset d = fixtures::test_data(18);
    const run_config c = harsh_config();
    auto run = [&](int threads) {
        omp_set_num_threads(threads);
        snn::trainer tr(fixtures::test_model(), c.train, 3);
        enable_hardware_aware(tr, c, d);
        tr.train_epoch(d, 0);
        return flat_parameters(tr);
    };
    const std::vector<float> one = run(1), two = run(2);
    omp_set_num_threads(2);
    REQUIRE(one.size() == two.size());
    CHECK(std::memcmp(one.data(), two.data(), one.size() * sizeof(float)) == 0);
}
