// The [sweep] grid (experiments/sweep/sweep.hpp): lists, ranges and zip groups expand to the
// documented points in the documented order, every point's config is the base config plus
// its values, and every bad line fails before anything runs with the exact message of
// docs/sweep.md. Reference: the expansions written out by hand.
#include "experiments/sweep/sweep.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "common/errors.hpp"
#include "experiments/sweep/sweep_file.hpp"

using experiments::expand_sweep_values;
using experiments::plan_sweep;
using strings = std::vector<std::string>;

namespace {

const char* const base = "[wires]\nr_row_ohm = 2.5\n[earlyexit]\nt_max = 4\n";

std::string error_of(const std::string& sweep, const strings& overrides = {},
                     const std::string& model = "m.h5") {
    try {
        plan_sweep(std::string(base) + "[sweep]\n" + sweep, "config s.ini", overrides, model);
    } catch (const spikebar::config_error& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

TEST_CASE("a [sweep] list gives its values in order") {
    CHECK(expand_sweep_values("wires.r_row_ohm", "0, 1, 2.5, 5", "") ==
          strings{"0", "1", "2.5", "5"});
    CHECK(expand_sweep_values("earlyexit.policy", "fixed,confidence", "") ==
          strings{"fixed", "confidence"});
    CHECK(expand_sweep_values("model", "a.h5", "") == strings{"a.h5"});
}

TEST_CASE("a [sweep] range includes its stop within rounding and prints short values") {
    CHECK(expand_sweep_values("device.d2d_sigma", "0:0.05:0.3", "") ==
          strings{"0", "0.05", "0.1", "0.15", "0.2", "0.25", "0.3"});
    // 3 * 0.1 = 0.30000000000000004 > 0.3: still included, printed 0.3.
    CHECK(expand_sweep_values("device.d2d_sigma", "0:0.1:0.3", "") ==
          strings{"0", "0.1", "0.2", "0.3"});
    CHECK(expand_sweep_values("device.d2d_sigma", "0.3:-0.1:0", "") ==
          strings{"0.3", "0.2", "0.1", "0"});
    CHECK(expand_sweep_values("device.d2d_sigma", "0:0.25:0.6", "") == strings{"0", "0.25", "0.5"});
    CHECK(expand_sweep_values("network.timesteps", "1:1:4", "") == strings{"1", "2", "3", "4"});
    CHECK(expand_sweep_values("eval.chip_seed", "10:-3:1", "") == strings{"10", "7", "4", "1"});
    CHECK(expand_sweep_values("wires.r_row_ohm", "5:1:5", "") == strings{"5"});
}

TEST_CASE("the grid is the cartesian product of the axes, the last varying fastest") {
    const auto s = plan_sweep(
        std::string(base) + "[sweep]\nwires.r_row_ohm = 0, 1\ndevice.d2d_sigma = 0:0.05:0.1\n",
        "config s.ini", {}, "m.h5");
    REQUIRE(s.points.size() == 6);
    CHECK(s.keys == strings{"wires.r_row_ohm", "device.d2d_sigma"});
    const strings want[] = {{"0", "0"}, {"0", "0.05"}, {"0", "0.1"},
                            {"1", "0"}, {"1", "0.05"}, {"1", "0.1"}};
    for (std::size_t i = 0; i < 6; ++i) {
        CAPTURE(i);
        CHECK(s.points[i].index == i);
        CHECK(s.points[i].values == want[i]);
        CHECK(s.points[i].model == "m.h5");
        CHECK(s.points[i].config.wires.r_row_ohm == std::stod(want[i][0]));
        CHECK(s.points[i].config.device.d2d_sigma == std::stod(want[i][1]));
        // Keys the sweep does not vary keep the file's values.
        CHECK(s.points[i].config.earlyexit.t_max == 4);
    }
    CHECK(experiments::describe_point(s, s.points[4]) ==
          "wires.r_row_ohm = 1, device.d2d_sigma = 0.05");
}

TEST_CASE("a zip group varies its keys together as one axis, placed at its first key") {
    const auto s = plan_sweep(std::string(base) +
                                  "[sweep]\nmodel = a.h5, b.h5, c.h5\n"
                                  "earlyexit.policy = fixed, confidence\n"
                                  "earlyexit.t_max = 1, 2, 4\n"
                                  "zip = model, earlyexit.t_max\n",
                              "config s.ini", {}, "");
    REQUIRE(s.points.size() == 6);
    CHECK(s.keys == strings{"model", "earlyexit.t_max", "earlyexit.policy"});
    CHECK(s.points[0].values == strings{"a.h5", "1", "fixed"});
    CHECK(s.points[1].values == strings{"a.h5", "1", "confidence"});
    CHECK(s.points[5].values == strings{"c.h5", "4", "confidence"});
    CHECK(s.points[3].model == "b.h5");
    CHECK(s.points[3].config.earlyexit.t_max == 2);
    CHECK(s.points[3].config.earlyexit.policy == "confidence");

    // Two groups, separated by ';'.
    const auto t =
        plan_sweep(std::string(base) +
                       "[sweep]\nwires.r_row_ohm = 0, 1\nwires.r_col_ohm = 0, 1\n"
                       "model = a.h5, b.h5\nearlyexit.t_max = 1, 2\n"
                       "zip = wires.r_row_ohm, wires.r_col_ohm; model, earlyexit.t_max\n",
                   "config s.ini", {}, "");
    CHECK(t.points.size() == 4);
    CHECK(t.points[2].values == strings{"1", "1", "a.h5", "1"});

    // Values repeat within a zip group's keys; only whole rows must differ.
    const auto u = plan_sweep(std::string(base) +
                                  "[sweep]\ncrossbar.enabled = false, true, true\n"
                                  "wires.r_row_ohm = 0, 1, 2.5\n"
                                  "zip = crossbar.enabled, wires.r_row_ohm\n",
                              "config s.ini", {}, "m.h5");
    CHECK(u.points.size() == 3);
    CHECK(u.points[2].config.crossbar.enabled);
}

TEST_CASE("a point is identified by its results' config, not by threads or batch size") {
    const std::string text = std::string(base) + "[sweep]\nwires.r_row_ohm = 0, 1\n";
    const auto a = plan_sweep(text, "config s.ini", {}, "m.h5");
    const auto b =
        plan_sweep(text, "config s.ini", {"eval.threads=3", "eval.batch_size=7"}, "m.h5");
    const auto c = plan_sweep(text, "config s.ini", {"device.d2d_sigma=0.1"}, "m.h5");
    const auto d = plan_sweep(text, "config s.ini", {}, "other.h5");
    CHECK(a.fingerprint.size() == 16);
    CHECK(a.fingerprint == b.fingerprint);
    CHECK(a.fingerprint != c.fingerprint);
    CHECK(a.fingerprint != d.fingerprint);
    CHECK(experiments::result_config(a.points[1].config) ==
          experiments::result_config(b.points[1].config));
}

TEST_CASE("other commands read a sweep config and ignore [sweep]; typos elsewhere still fail") {
    const auto c = experiments::parse_config(
        std::string(base) + "[sweep]\nwires.r_row_ohm = 0, 1\n", "config s.ini");
    CHECK(c.wires.r_row_ohm == 2.5);
    CHECK_THROWS_WITH_AS(
        plan_sweep(std::string(base) + "[lif]\ndecya = 0.5\n[sweep]\nwires.r_row_ohm = 0\n",
                   "config s.ini", {}, "m.h5"),
        "config s.ini: unknown key 'lif.decya'", spikebar::config_error);
    const auto lines = experiments::read_sweep_section(
        "[sweep]\nzip = a, b\nmodel = x.h5 # comment\n", "config s.ini");
    REQUIRE(lines.size() == 2);
    CHECK(lines[0].key == "zip");
    CHECK(lines[1].value == "x.h5");
}

TEST_CASE("every bad [sweep] line fails before anything runs, naming key and value") {
    CHECK(error_of("wires.r_rwo_ohm = 0, 1\n") ==
          "config s.ini: [sweep] unknown key 'wires.r_rwo_ohm'");
    CHECK(error_of("wires.r_row_ohm = 0, -1\n") ==
          "config s.ini: [sweep] wires.r_row_ohm = -1: must be >= 0 [ohm]");
    CHECK(error_of("wires.r_row_ohm = 0, abc\n") ==
          "config s.ini: [sweep] wires.r_row_ohm = abc: expected a number");
    CHECK(error_of("crossbar.chips = 1:0.5:2\n") ==
          "config s.ini: [sweep] crossbar.chips = 1.5: expected an integer");
    CHECK(error_of("wires.r_row_ohm = 1, , 2\n") ==
          "config s.ini: [sweep] wires.r_row_ohm = 1, , 2: empty value in the list");
    CHECK(error_of("wires.r_row_ohm = 1, 2, 1\n") ==
          "config s.ini: [sweep] wires.r_row_ohm = 1, 2, 1: value 1 appears twice");
    CHECK(error_of("wires.r_row_ohm = 0, 1, 0\nwires.r_col_ohm = 0, 1, 0\n"
                   "zip = wires.r_row_ohm, wires.r_col_ohm\n") ==
          "config s.ini: [sweep] zip = wires.r_row_ohm, wires.r_col_ohm: row 2 (wires.r_row_ohm "
          "= 0, wires.r_col_ohm = 0) repeats row 0");
    CHECK(error_of("device.d2d_sigma = 0:0:0.3\n") ==
          "config s.ini: [sweep] device.d2d_sigma = 0:0:0.3: the step must not be 0");
    CHECK(error_of("device.d2d_sigma = 0.3:0.05:0\n") ==
          "config s.ini: [sweep] device.d2d_sigma = 0.3:0.05:0: the step leads away from stop");
    CHECK(error_of("device.d2d_sigma = 0:0.1\n") ==
          "config s.ini: [sweep] device.d2d_sigma = 0:0.1: expected a range start:step:stop");
    CHECK(error_of("device.d2d_sigma = 0:x:1\n") ==
          "config s.ini: [sweep] device.d2d_sigma = 0:x:1: expected a range start:step:stop of "
          "numbers");
    CHECK(error_of("device.d2d_sigma = 0:1e-9:1\n") ==
          "config s.ini: [sweep] device.d2d_sigma = 0:1e-9:1: more than 100000 values");
    // replay --sweep's former LO:HI:STEP order, refused here too (value_range.hpp).
    CHECK(error_of("device.d2d_sigma = 0:0.3:0.05\n") ==
          "config s.ini: [sweep] device.d2d_sigma = 0:0.3:0.05: ranges are start:step:stop; did "
          "you mean 0:0.05:0.3?");
    CHECK(error_of("model = a.h5, b.h5\nearlyexit.t_max = 1, 2, 4\nzip = model, earlyexit.t_max\n",
                   {}, "") ==
          "config s.ini: [sweep] zip = model, earlyexit.t_max: lists of different lengths "
          "(model: 2, earlyexit.t_max: 3)");
    CHECK(error_of("wires.r_row_ohm = 0, 1\nzip = wires.r_row_ohm, lif.decay\n") ==
          "config s.ini: [sweep] zip = wires.r_row_ohm, lif.decay: 'lif.decay' is not varied in "
          "[sweep]");
    CHECK(error_of("wires.r_row_ohm = 0, 1\nzip = wires.r_row_ohm\n") ==
          "config s.ini: [sweep] zip = wires.r_row_ohm: a group needs two keys or more");
    CHECK(error_of("wires.r_row_ohm = 0, 1\nwires.r_col_ohm = 0, 1\ndevice.d2d_sigma = 0, 1\n"
                   "zip = wires.r_row_ohm, wires.r_col_ohm; wires.r_col_ohm, device.d2d_sigma\n") ==
          "config s.ini: [sweep] zip = wires.r_row_ohm, wires.r_col_ohm; wires.r_col_ohm, "
          "device.d2d_sigma: 'wires.r_col_ohm' is in two groups");
    CHECK(error_of("wires.r_row_ohm = 0, 1\n", {"wires.r_row_ohm=3"}) ==
          "config s.ini: [sweep] wires.r_row_ohm is also given by --set; drop one of the two");
    CHECK(error_of("model = a.h5\n") ==
          "config s.ini: [sweep] model is also given by --model; drop one of the two");
    CHECK(error_of("wires.r_row_ohm = 0, 1\n", {}, "") ==
          "config s.ini: no model: give --model M or a [sweep] line model = M, ...");
    CHECK(error_of("wires.r_row_ohm = 0\nwires.r_row_ohm = 1\n") ==
          "config s.ini: key 'sweep.wires.r_row_ohm' is set twice");
    CHECK_THROWS_WITH_AS(plan_sweep(base, "config s.ini", {}, "m.h5"),
                         "config s.ini: no [sweep] section, or one that varies no key "
                         "(docs/sweep.md)",
                         spikebar::config_error);
}

TEST_CASE("Student's t quantile matches tables (Abramowitz & Stegun, table 26.10)") {
    CHECK(experiments::student_t975(1) == doctest::Approx(12.7062).epsilon(1e-5));
    CHECK(experiments::student_t975(4) == doctest::Approx(2.7764).epsilon(1e-5));
    CHECK(experiments::student_t975(30) == doctest::Approx(2.0423).epsilon(1e-4));
    CHECK(experiments::student_t975(40) == doctest::Approx(2.0211).epsilon(2e-4));
    CHECK(experiments::student_t975(120) == doctest::Approx(1.9799).epsilon(2e-4));
    CHECK(std::isnan(experiments::student_t975(0)));
}
