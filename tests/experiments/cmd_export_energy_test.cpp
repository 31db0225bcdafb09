// spikebar export-energy, run in-process on run files built by hand (run_fixture.hpp).
// References: the documented sums (docs/output-format.md: e_t summed rows outer, components
// inner; E_t = E_{t-1} + e_t; /samples/energy_pj = E at the exit step), so the exported
// cumulative energy at the exit step and the sum of the active steps equal the run's
// per-sample energy bit for bit; the hand-built run's dyadic energies, whose every sum is
// exact, for the per-layer and per-component columns.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "app/commands.hpp"
#include "common/errors.hpp"
#include "common/rng.hpp"
#include "run_fixture.hpp"

namespace {

std::vector<std::string> fields(const std::string& line) {
    std::vector<std::string> f;
    std::stringstream in(line);
    for (std::string x; std::getline(in, x, ',');) f.push_back(x);
    return f;
}

// --force: the test cases write several CSVs to one path in turn.
std::vector<std::string> export_csv(experiments::args a, const std::string& csv) {
    a.push_back("--force");
    run_fixture::capture_stdout([&] { experiments::cmd_export_energy(a); });
    return run_fixture::read_lines(csv);
}

}  // namespace

TEST_CASE("export-energy: one row per lane, sample and step, named columns, exact sums") {
    const run_fixture::temp_dir dir("export_hand");
    const run_fixture::fake_run r = run_fixture::hand_built_run();
    const std::string run = dir / "run.h5", csv = dir / "e.csv";
    run_fixture::write_run(run, r);
    const std::vector<std::string> lines = export_csv({"--run", run, "--csv", csv}, csv);
    REQUIRE(lines.size() == 1u + 2 * 3 * 4);
    CHECK(lines[0] ==
          "lane,sample,index,label,exit_t,t,active,step_pj,cumulative_pj,layer.conv1_pj,"
          "layer.linear1_pj,layer.control_pj,component.crossbar_read_pj,component.row_drivers_pj,"
          "component.dac_pj,component.adc_pj,component.psum_accumulate_pj,"
          "component.digital_synapse_pj,component.neuron_pj,component.spike_buffer_pj,"
          "component.controller_pj,component.policy_net_pj");
    // Lane 0, sample 1 (index 1001, label 1, exit 3), step 2: e_2 = 112.5 + 15 + 30 = 157.5,
    // E_2 = 307.5; layer r: sum_p 0.5 (p + 1) + 10 (r + 0.5 + 1) = 27.5 + 15 + 10 r;
    // component p: sum_r 0.5 (p + 1) + r + 1.5 = 1.5 (p + 1) + 7.5.
    CHECK(lines[1 + 1 * 4 + 1] ==
          "0,1,1001,1,3,2,1,157.5,307.5,42.5,52.5,62.5,9,10.5,12,13.5,15,16.5,18,19.5,21,22.5");
    // Step 4 of that sample is after its exit.
    CHECK(fields(lines[1 + 1 * 4 + 3])[6] == "0");
    for (std::size_t k = 1; k < lines.size(); ++k) {
        const std::vector<std::string> f = fields(lines[k]);
        REQUIRE(f.size() == 22u);
        const int c = std::stoi(f[0]), i = std::stoi(f[1]), t = std::stoi(f[5]);
        const double step = std::strtod(f[7].c_str(), nullptr);
        double layers = 0, comps = 0;
        for (int q = 0; q < 3; ++q) layers += std::strtod(f[9 + q].c_str(), nullptr);
        for (int p = 0; p < 10; ++p) comps += std::strtod(f[12 + p].c_str(), nullptr);
        CHECK(layers == step);  // exact: multiples of 1/4
        CHECK(comps == step);
        CHECK(std::strtod(f[8].c_str(), nullptr) == run_fixture::hand_energy(c, i, t));
        CHECK(std::stoi(f[4]) == r.exit_t[c * 3 + i]);
    }
}

TEST_CASE("export-energy: active steps add up to the run's per-sample energy bit for bit") {
    // Random energies (no exact sums): the cumulative column at the exit step and the sum of
    // the active rows' step column in t order from 0 must both equal /samples/energy_pj.
    const std::uint64_t seed = 20260101;
    INFO("seed " << seed);
    const run_fixture::temp_dir dir("export_random");
    run_fixture::fake_run r;
    r.C = 2;
    r.N = 300;  // more than one block of 256 samples
    r.T = 5;
    r.K = 4;
    r.resize();
    const spikebar::counter_rng rng{seed};
    std::uint64_t n = 0;
    for (double& v : r.energy) v = 1e3 * rng.uniform(n++);
    for (std::size_t ci = 0; ci < r.exit_t.size(); ++ci)
        r.exit_t[ci] = std::uint8_t(1 + rng.uniform(n++) * r.T);
    for (int i = 0; i < r.N; ++i) r.labels[i] = std::uint8_t(rng.uniform(n++) * r.K);
    r.finish();
    const std::string run = dir / "run.h5", csv = dir / "e.csv";
    run_fixture::write_run(run, r);

    const std::vector<std::string> lines =
        export_csv({"--run", run, "--csv", csv, "--by", "layer"}, csv);
    REQUIRE(lines.size() == 1u + 2 * 300 * 5);
    CHECK(fields(lines[0]).size() == 9u + 3);
    std::vector<double> active_sum(r.C * r.N, 0.0);
    for (std::size_t k = 1; k < lines.size(); ++k) {
        const std::vector<std::string> f = fields(lines[k]);
        const int c = std::stoi(f[0]), i = std::stoi(f[1]), t = std::stoi(f[5]);
        const std::size_t ci = std::size_t(c) * r.N + i;
        const double step = std::strtod(f[7].c_str(), nullptr);
        if (f[6] == "1") active_sum[ci] += step;
        if (t == r.exit_t[ci]) CHECK(std::strtod(f[8].c_str(), nullptr) == r.energy_pj[ci]);
        CHECK(std::stoull(f[2]) == r.index[i]);
        CHECK(std::stoi(f[3]) == r.labels[i]);
        // Per-layer sums regroup the step's additions: equal within a few ulps of the step.
        double layers = 0;
        for (int q = 0; q < 3; ++q) layers += std::strtod(f[9 + q].c_str(), nullptr);
        CHECK(std::abs(layers - step) <= 1e-12 * step);
    }
    CHECK(active_sum == r.energy_pj);

    const std::vector<std::string> one =
        export_csv({"--run", run, "--csv", csv, "--by", "component", "--lane", "1"}, csv);
    REQUIRE(one.size() == 1u + 300 * 5);
    CHECK(fields(one[0]).size() == 9u + 10);
    CHECK(fields(one[1])[0] == "1");
}

TEST_CASE("export-energy: bad flags are one-line config errors") {
    const run_fixture::temp_dir dir("export_errors");
    const std::string run = dir / "run.h5", csv = dir / "e.csv";
    run_fixture::write_run(run, run_fixture::hand_built_run());
    const auto error_of = [&](const experiments::args& a) {
        try {
            experiments::cmd_export_energy(a);
        } catch (const spikebar::config_error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK(error_of({"--run", run, "--csv", csv, "--by", "chip"}) ==
          "export-energy: --by chip: expected one of layer, component, both");
    CHECK(error_of({"--run", run, "--csv", csv, "--lane", "x"}) ==
          "export-energy: --lane x: expected a lane in 0..1");
    CHECK(error_of({"--run", run}) ==
          "export-energy: --csv is required (see spikebar export-energy --help)");
    CHECK_FALSE(std::filesystem::exists(csv + ".tmp"));
}
