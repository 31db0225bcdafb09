// Checks the energy model (experiments/energy/energy.hpp) against its documented formulas written
// out independently here, the digital op counter (experiments/counting_synapse.hpp) against
// a slow explicit loop over every output, tap and input channel, and the cited constants
// file against the built-in defaults.
#include "experiments/energy/energy.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "common/errors.hpp"
#include "common/rng.hpp"
#include "experiments/config/config.hpp"
#include "experiments/counting_synapse.hpp"
#include "snn/model.hpp"
#include "snn/synapse.hpp"

using namespace experiments;

namespace {

snn::model small_model() {
    snn::network_params net;
    net.layers = "conv:2:3, lif, maxpool:2, flatten, linear:4, lif, linear:3";
    net.timesteps = 3;
    return snn::make_model(net, snn::neuron_params{}, {1, 6, 6}, 5);
}

}  // namespace

TEST_CASE("configs/energy/isaac32_horowitz45.ini holds exactly the built-in [energy] defaults") {
    // Reference: energy_params{} (the code defaults that every run uses unless overridden).
    const run_config c =
        load_config(std::string(SPIKEBAR_SOURCE_DIR) + "/configs/energy/isaac32_horowitz45.ini");
    const energy_params d;
    CHECK(c.energy.add_pj == d.add_pj);
    CHECK(c.energy.mult_pj == d.mult_pj);
    CHECK(c.energy.mac_pj == d.mac_pj);
    CHECK(c.energy.ac_pj == d.ac_pj);
    CHECK(c.energy.exp_pj == d.exp_pj);
    CHECK(c.energy.int_add_pj == d.int_add_pj);
    CHECK(c.energy.adc_pj == d.adc_pj);
    CHECK(c.energy.adc_ref_bits == d.adc_ref_bits);
    CHECK(c.energy.adc_scale_per_bit == d.adc_scale_per_bit);
    CHECK(c.energy.adc_bits_if_ideal == d.adc_bits_if_ideal);
    CHECK(c.energy.row_drive_pj == d.row_drive_pj);
    CHECK(c.energy.dac_bits_if_ideal == d.dac_bits_if_ideal);
    CHECK(c.energy.shift_add_pj == d.shift_add_pj);
    CHECK(c.energy.buffer_pj_per_bit == d.buffer_pj_per_bit);
    CHECK(c.energy.spike_address_bits == d.spike_address_bits);
    // The derived constants the file's comments state.
    CHECK(d.mac_pj == doctest::Approx(d.mult_pj + d.add_pj).epsilon(1e-15));
    CHECK(d.exp_pj == doctest::Approx(4 * d.mult_pj + 4 * d.add_pj).epsilon(1e-15));
    CHECK(d.adc_pj == doctest::Approx(16e-3 / (8 * 1.2e9) * 1e12).epsilon(2e-3));
    CHECK(d.buffer_pj_per_bit == doctest::Approx(20.45 / 256).epsilon(1e-3));
}

TEST_CASE("[energy] rejects bad values with one line naming the key") {
    // Reference: the message format of every config section (docs/config.md).
    CHECK_THROWS_WITH_AS(default_config({"energy.add_pj=-1"}),
                         "--set: energy.add_pj = -1: must be a finite value >= 0 [pJ]",
                         spikebar::config_error);
    CHECK_THROWS_WITH_AS(default_config({"energy.adc_ref_bits=0"}),
                         "--set: energy.adc_ref_bits = 0: must be in 1..16 [bits]", spikebar::config_error);
    CHECK_THROWS_WITH_AS(default_config({"energy.adc_scale_per_bit=0.5"}),
                         "--set: energy.adc_scale_per_bit = 0.5: must be a finite value >= 1 [1]",
                         spikebar::config_error);
    CHECK_THROWS_AS(default_config({"energy.adc_bits=6"}), spikebar::config_error);  // no such key
}

TEST_CASE("energy_model: every component follows its formula and the total is their sum") {
    // Reference: the formulas of experiments/energy/energy.hpp and docs/energy.md, evaluated here
    // term by term from the layer shapes.
    const snn::model m = small_model();
    const auto& L = m.arch.layers;  // conv, lif, maxpool, flatten, linear, lif, linear
    const energy_params p;
    const std::uint32_t spikes[2] = {7, 3};
    const double spike_pj = 2 * 16 * p.buffer_pj_per_bit;

    SUBCASE("crossbar hardware, 6-bit ADC, 5-bit DAC, confidence policy") {
        const energy_model em(m, p, true, 6, 5, earlyexit::policy_kind::confidence, 1000);
        REQUIRE(em.weighted_layers() == 3);
        CHECK(em.row_names() == std::vector<std::string>{"conv1", "linear1", "linear2", "control"});
        crossbar::mvm_counts mvm[3];
        mvm[0] = {4, 50, 20, 12, 3.5e-12};  // tiles, rows, dacs, adcs, read energy [J]
        mvm[1] = {2, 9, 0, 8, 1.25e-12};
        mvm[2] = {1, 3, 0, 3, 0.5e-12};
        std::vector<double> e(em.values_per_step());
        const double total = em.step(1, spikes, mvm, nullptr, e.data());
        const int P = energy_components;
        const double adc6 = 1.67 / 4;  // 2^(6-8)
        for (int w = 0; w < 3; ++w) {
            CAPTURE(w);
            const double* r = e.data() + w * P;
            CHECK(r[crossbar_read] == doctest::Approx(mvm[w].read_energy_j * 1e12).epsilon(1e-15));
            CHECK(r[row_drivers] ==
                  doctest::Approx(double(mvm[w].row_activations - mvm[w].dac_conversions) * 0.33)
                      .epsilon(1e-15));
            CHECK(r[dac] == doctest::Approx(double(mvm[w].dac_conversions) * 5 * 0.33).epsilon(1e-15));
            CHECK(r[adc] == doctest::Approx(double(mvm[w].adc_conversions) * adc6).epsilon(1e-14));
            CHECK(r[psum_accumulate] ==
                  doctest::Approx(double(mvm[w].adc_conversions) * 0.021).epsilon(1e-15));
            CHECK(r[digital_synapse] == 0);
            CHECK(r[controller] == 0);
            CHECK(r[policy_net] == 0);
        }
        const double lif_pj = 3.7 + 3 * 0.9;
        CHECK(e[0 * P + neuron] ==
              doctest::Approx(L[1].out.size() * lif_pj + L[2].out.size() * 3 * 0.9).epsilon(1e-14));
        CHECK(e[1 * P + neuron] == doctest::Approx(4 * lif_pj).epsilon(1e-14));
        CHECK(e[2 * P + neuron] == doctest::Approx(3 * 2 * 0.9).epsilon(1e-14));
        CHECK(e[0 * P + spike_buffer] == doctest::Approx(7 * spike_pj).epsilon(1e-14));
        CHECK(e[1 * P + spike_buffer] == doctest::Approx(3 * spike_pj).epsilon(1e-14));
        CHECK(e[2 * P + spike_buffer] == 0);
        // Controller, K = 3: 3(K-1)+1 adds, K-1 multiplies, K-1 exps.
        CHECK(e[3 * P + controller] ==
              doctest::Approx(7 * 0.9 + 2 * 3.7 + 2 * 18.4).epsilon(1e-14));
        CHECK(e[3 * P + policy_net] == doctest::Approx(1000 * 4.6).epsilon(1e-15));
        double sum = 0;
        for (double x : e) sum += x;
        CHECK(total == sum);  // the same order: exactly
        // The policy net runs once, before the first step.
        em.step(2, spikes, mvm, nullptr, e.data());
        CHECK(e[3 * P + policy_net] == 0);
    }
    SUBCASE("ideal hardware: digital MACs and ACs, no crossbar terms; unquantized ADC charged at 8 bits") {
        const energy_model em(m, p, false, 0, 0, earlyexit::policy_kind::fixed, 0);
        const op_counts ops[3] = {{100, 0}, {0, 40}, {0, 12}};
        crossbar::mvm_counts ignored[3];
        ignored[0].adc_conversions = 99;
        std::vector<double> e(em.values_per_step());
        em.step(1, spikes, ignored, ops, e.data());
        const int P = energy_components;
        for (int w = 0; w < 3; ++w) {
            CHECK(e[w * P + digital_synapse] ==
                  doctest::Approx(ops[w].macs * 4.6 + ops[w].acs * 0.9).epsilon(1e-15));
            for (int c : {crossbar_read, row_drivers, dac, adc, psum_accumulate}) CHECK(e[w * P + c] == 0);
        }
        CHECK(e[3 * P + controller] == doctest::Approx(0.1).epsilon(1e-15));
        const energy_model chip(m, p, true, 0, 0, earlyexit::policy_kind::fixed, 0);
        crossbar::mvm_counts one[3];
        one[0].adc_conversions = 1;
        one[0].row_activations = one[0].dac_conversions = 1;
        chip.step(1, spikes, one, nullptr, e.data());
        CHECK(e[adc] == doctest::Approx(1.67).epsilon(1e-15));
        CHECK(e[dac] == doctest::Approx(8 * 0.33).epsilon(1e-15));
    }
}

TEST_CASE("controller work per policy, K = 10") {
    // Reference: the table of docs/energy.md.
    using earlyexit::policy_kind;
    const auto c = controller_work(policy_kind::confidence, 10);
    CHECK((c.adds == 28 && c.mults == 9 && c.exps == 9 && c.int_adds == 0));
    const auto m = controller_work(policy_kind::margin, 10);
    CHECK((m.adds == 38 && m.mults == 10 && m.exps == 9));
    const auto e = controller_work(policy_kind::entropy, 10);
    CHECK((e.adds == 38 && e.mults == 20 && e.exps == 10));
    const auto p = controller_work(policy_kind::patience, 10);
    CHECK((p.adds == 10 && p.int_adds == 2 && p.exps == 0));
    const auto f = controller_work(policy_kind::fixed, 10);
    CHECK((f.adds == 0 && f.int_adds == 1));
}

TEST_CASE("counting_synapse counts the weights each nonzero input meets, as a slow loop does") {
    // Reference: for every output position, every kernel tap inside the input and every
    // input channel whose value is nonzero, C_out weight uses (conv); in * out for linear.
    for (const char* layers : {"conv:3:3, lif, flatten, linear:5", "conv:4:5:2, lif, flatten, linear:5",
                               "conv:2:3:1:0, lif, flatten, linear:5"}) {
        CAPTURE(layers);
        snn::network_params net;
        net.layers = layers;
        net.timesteps = 1;
        const snn::model m = snn::make_model(net, snn::neuron_params{}, {2, 9, 7}, 3);
        const snn::ideal_synapse ideal(m);
        counting_synapse cs(m, ideal);
        spikebar::counter_stream rng{42, 1};
        for (bool binary : {true, false}) {
            for (std::size_t li = 0; li < m.arch.layers.size(); ++li) {
                const snn::layer_spec& l = m.arch.layers[li];
                if (!l.has_weights()) continue;
                std::vector<float> in(l.in.size()), out(l.out.size());
                for (float& x : in) {
                    const double u = rng.uniform();
                    x = u < 0.6 ? 0.0f : (binary ? 1.0f : float(u));
                }
                std::uint64_t expect = 0;
                if (l.kind == snn::layer_kind::conv) {
                    for (int oy = 0; oy < l.out.h; ++oy)
                        for (int ox = 0; ox < l.out.w; ++ox)
                            for (int ky = 0; ky < l.kernel; ++ky)
                                for (int kx = 0; kx < l.kernel; ++kx) {
                                    const int iy = oy * l.stride + ky - l.pad;
                                    const int ix = ox * l.stride + kx - l.pad;
                                    if (iy < 0 || iy >= l.in.h || ix < 0 || ix >= l.in.w) continue;
                                    for (int ci = 0; ci < l.in.c; ++ci)
                                        if (in[(iy * l.in.w + ix) * l.in.c + ci] != 0)
                                            expect += std::uint64_t(l.out.c);
                                }
                } else {
                    for (float x : in) expect += x != 0 ? std::uint64_t(l.out.size()) : 0;
                }
                std::vector<op_counts> counts(cs.num_layers());
                cs.record_counts(counts.data(), 0, 1, 1);
                cs.forward({0, 1, int(li)}, in.data(), binary, out.data());
                cs.record_counts(nullptr, 0, 0, 1);
                const int w = l.kind == snn::layer_kind::conv ? 0 : 1;
                CHECK(expect > 0);
                CHECK((binary ? counts[w].acs : counts[w].macs) == expect);
                CHECK((binary ? counts[w].macs : counts[w].acs) == 0);
                // The arithmetic is the inner synapse's, untouched.
                std::vector<float> ref(l.out.size());
                ideal.forward({0, 1, int(li)}, in.data(), binary, ref.data());
                CHECK(ref == out);
            }
        }
    }
}
