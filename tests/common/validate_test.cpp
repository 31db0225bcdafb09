// Checks config_error's one formatter and every check of common/validate.hpp: the exact
// message (the reference is the text each library's validate() printed before the checks
// were shared; tests/<lib>/params_test.cpp holds those) and the structured fields.
#include "common/validate.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>

using spikebar::config_error;
using namespace spikebar::check;

namespace {

// The error `check` throws; FAILs (and returns a blank error) when it throws none.
config_error error_of(const std::function<void()>& check) {
    try {
        check();
    } catch (const config_error& e) {
        return e;
    }
    FAIL("the check passed");
    return config_error("");
}

void check_fields(const config_error& e, const std::string& key, const std::string& value,
                  const std::string& rule, const std::string& unit) {
    CHECK(e.key == key);
    CHECK(e.value == value);
    CHECK(e.rule == rule);
    CHECK(e.unit == unit);
    CHECK(e.source.empty());
}

// A param struct in the style of ../shared/STYLE.md, validated by the shared checks.
struct pulse_params {
    double v_read_v = 0.2;  // read voltage [V]
    int tile_rows = 128;    // rows per tile [rows]
    std::string shape = "square";
    void validate() const {
        greater_than("pulse.v_read_v", v_read_v, 0, "V");
        in_range("pulse.tile_rows", tile_rows, closed(16, 512), "rows");
        one_of("pulse.shape", shape, {"square", "ramp"});
    }
};

}  // namespace

TEST_CASE("a structured config_error formats key, value, rule, unit and source in one line") {
    const config_error e("crossbar.tile_rows", "8", "must be in [16, 512]", "rows");
    CHECK(std::string(e.what()) == "crossbar.tile_rows = 8: must be in [16, 512] [rows]");
    check_fields(e, "crossbar.tile_rows", "8", "must be in [16, 512]", "rows");
    // No unit: no brackets.
    CHECK(std::string(config_error("train.lr", "0", "must be > 0").what()) ==
          "train.lr = 0: must be > 0");
    const config_error located("lif.decay", "0", "must be in (0, 1]", "1", "--set");
    CHECK(std::string(located.what()) == "--set: lif.decay = 0: must be in (0, 1] [1]");
    CHECK(located.source == "--set");
    CHECK(spikebar::format_config_error("k", "v", "r", "u", "s") == "s: k = v: r [u]");
}

TEST_CASE("with_source keeps a structured error's fields and prefixes a free-form one") {
    const config_error e("eval.batch_size", "0", "must be >= 1", "samples");
    const config_error f = e.with_source("config x.ini");
    CHECK(std::string(f.what()) == "config x.ini: eval.batch_size = 0: must be >= 1 [samples]");
    CHECK(f.key == "eval.batch_size");
    CHECK(f.value == "0");
    CHECK(f.rule == "must be >= 1");
    CHECK(f.unit == "samples");
    CHECK(f.source == "config x.ini");

    const config_error free("--set: 'x': expected section.key=value");
    CHECK(free.key.empty());
    CHECK(free.value.empty());
    CHECK(free.rule.empty());
    CHECK(free.unit.empty());
    CHECK(free.source.empty());
    const config_error g = free.with_source("sweep");
    CHECK(std::string(g.what()) == "sweep: --set: 'x': expected section.key=value");
    CHECK(g.key.empty());
}

TEST_CASE("values show integers exactly, reals in their shortest round-trip form, text as is") {
    CHECK(value_text(8) == "8");
    CHECK(value_text(std::int64_t{-5}) == "-5");
    CHECK(value_text(std::int64_t{1} << 40) == "1099511627776");
    CHECK(value_text(1.5) == "1.5");
    CHECK(value_text(0.1) == "0.1");
    CHECK(value_text(1e-4) == "0.0001");
    CHECK(value_text(2e-3) == "0.002");
    CHECK(value_text(std::string("medium")) == "medium");
    CHECK(value_text("''") == "''");
    // Bounds show the same way, or by the key that sets them.
    CHECK(bound(1024).text == "1024");
    CHECK(bound(0.5).text == "0.5");
    CHECK(bound(2e-3, "train.lr").text == "train.lr");
    CHECK(set_by("device.g_on_s", 1e-4).text == "device.g_on_s = 0.0001");
}

TEST_CASE("in_range states the interval with its open and closed ends") {
    CHECK_NOTHROW(in_range("k", 16, closed(16, 512)));
    CHECK_NOTHROW(in_range("k", 512, closed(16, 512)));
    check_fields(error_of([] { in_range("crossbar.tile_rows", 8, closed(16, 512), "rows"); }),
                 "crossbar.tile_rows", "8", "must be in [16, 512]", "rows");
    CHECK(std::string(
              error_of([] { in_range("crossbar.tile_rows", 513, closed(16, 512), "rows"); })
                  .what()) == "crossbar.tile_rows = 513: must be in [16, 512] [rows]");

    CHECK_NOTHROW(in_range("k", 1.0, left_open(0, 1)));
    check_fields(error_of([] { in_range("lif.decay", 0.0, left_open(0, 1), "1"); }), "lif.decay",
                 "0", "must be in (0, 1]", "1");

    CHECK_NOTHROW(in_range("k", 0.0, right_open(0, 1)));
    check_fields(error_of([] { in_range("train.beta2", 1.0, right_open(0, 1)); }), "train.beta2",
                 "1", "must be in [0, 1)", "");

    // A bound set by another key is named, not shown.
    check_fields(error_of([] { in_range("train.lr_min", 1.0, closed(0, {2e-3, "train.lr"})); }),
                 "train.lr_min", "1", "must be in [0, train.lr]", "");
    check_fields(
        error_of([] { in_range("train.warmup_epochs", 30, right_open(0, {30, "train.epochs"})); }),
        "train.warmup_epochs", "30", "must be in [0, train.epochs)", "");

    const double nan = std::numeric_limits<double>::quiet_NaN();
    CHECK(error_of([nan] { in_range("k", nan, closed(0, 1)); }).value == "nan");
}

TEST_CASE("at_least, greater_than and less_than state the bound and reject non-finite values") {
    CHECK_NOTHROW(at_least("k", 0.0, 0));
    check_fields(error_of([] { at_least("wires.r_row_ohm", -1.0, 0, "ohm"); }), "wires.r_row_ohm",
                 "-1", "must be >= 0", "ohm");
    check_fields(error_of([] { at_least("train.epochs", 0, 1); }), "train.epochs", "0",
                 "must be >= 1", "");
    check_fields(error_of([] { at_least("data.test_limit", std::int64_t{-5}, 0, "samples"); }),
                 "data.test_limit", "-5", "must be >= 0", "samples");
    check_fields(
        error_of([] { at_least("device.drift_t_s", 0.5, set_by("device.drift_t0_s", 1), "s"); }),
        "device.drift_t_s", "0.5", "must be >= device.drift_t0_s = 1", "s");

    CHECK_NOTHROW(greater_than("k", 1e-300, 0));
    check_fields(error_of([] { greater_than("lif.threshold", -1.0, 0, "weight units"); }),
                 "lif.threshold", "-1", "must be > 0", "weight units");
    check_fields(error_of([] { greater_than("crossbar.v_read_v", 0.0, 0, "V"); }),
                 "crossbar.v_read_v", "0", "must be > 0", "V");

    CHECK_NOTHROW(less_than("k", 0.5, 1));
    check_fields(
        error_of([] { less_than("device.g_off_s", 1e-4, set_by("device.g_on_s", 1e-4), "S"); }),
        "device.g_off_s", "0.0001", "must be < device.g_on_s = 0.0001", "S");

    const double inf = std::numeric_limits<double>::infinity();
    const double nan = std::numeric_limits<double>::quiet_NaN();
    CHECK(std::string(error_of([inf] { at_least("k", inf, 0, "ohm"); }).what()) ==
          "k = inf: must be >= 0 [ohm]");
    CHECK(std::string(error_of([inf] { greater_than("k", inf, 0); }).what()) ==
          "k = inf: must be > 0");
    CHECK(std::string(error_of([nan] { greater_than("k", nan, 0); }).what()) ==
          "k = nan: must be > 0");
    CHECK(std::string(error_of([inf] { less_than("k", -inf, 0); }).what()) ==
          "k = -inf: must be < 0");
}

TEST_CASE("one_of lists the allowed values; require states any other rule") {
    CHECK_NOTHROW(one_of("lif.reset", "soft", {"hard", "soft"}));
    check_fields(error_of([] { one_of("lif.reset", "medium", {"hard", "soft"}); }), "lif.reset",
                 "medium", "expected one of hard | soft", "");
    CHECK(std::string(not_one_of("train.surrogate", "sigmoid",
                                 {"fast_sigmoid", "arctan", "triangle"})
                          .what()) ==
          "train.surrogate = sigmoid: expected one of fast_sigmoid | arctan | triangle");

    CHECK_NOTHROW(require(true, "k", 1, "anything"));
    check_fields(error_of([] {
                     require(false, "crossbar.tile_cols", 17,
                             "must be even with mapping = differential (two columns per output)",
                             "cols");
                 }),
                 "crossbar.tile_cols", "17",
                 "must be even with mapping = differential (two columns per output)", "cols");
    CHECK(std::string(error_of([] { require(false, "output.dir", "''", "must not be empty"); })
                          .what()) == "output.dir = '': must not be empty");
}

TEST_CASE("a param struct's validate() throws the structured error of its first bad key") {
    CHECK_NOTHROW(pulse_params{}.validate());
    pulse_params p;
    p.v_read_v = -0.1;
    p.tile_rows = 8;  // also bad, but v_read_v is checked first
    config_error e = error_of([&] { p.validate(); });
    check_fields(e, "pulse.v_read_v", "-0.1", "must be > 0", "V");
    p.v_read_v = 0.2;
    e = error_of([&] { p.validate(); });
    CHECK(std::string(e.what()) == "pulse.tile_rows = 8: must be in [16, 512] [rows]");
    CHECK(e.key == "pulse.tile_rows");
    p.tile_rows = 16;
    p.shape = "sine";
    CHECK(error_of([&] { p.validate(); }).key == "pulse.shape");
}
