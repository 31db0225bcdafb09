// Checks that the defaults validate and that validate() names section.key, the value,
// the bound and the unit exactly, so `config` users can act on the message.
#include <doctest/doctest.h>

#include <sstream>

#include "common/errors.hpp"
#include "common/format.hpp"
#include "crossbar/params.hpp"

using namespace crossbar;

template <class P>
std::string message_of(const P& p) {
    try {
        p.validate();
    } catch (const spikebar::config_error& e) {
        return e.what();
    }
    return "(no error)";
}

TEST_CASE("default parameters are valid") {
    CHECK_NOTHROW(crossbar_params{}.validate());
    CHECK_NOTHROW(device_params{}.validate());
    CHECK_NOTHROW(wire_params{}.validate());
    CHECK_NOTHROW(adc_params{}.validate());
}

TEST_CASE("validate names key, value, bound and unit") {
    wire_params w;
    w.r_row_ohm = -1;
    CHECK(message_of(w) == "wires.r_row_ohm = -1: must be >= 0 [ohm]");
    const char* names[] = {"r_row_ohm", "r_col_ohm", "r_source_ohm", "r_sink_ohm"};
    for (int k = 0; k < 4; ++k) {
        w = {};
        double* f[] = {&w.r_row_ohm, &w.r_col_ohm, &w.r_source_ohm, &w.r_sink_ohm};
        *f[k] = -0.5;
        CHECK(message_of(w) == std::string("wires.") + names[k] + " = -0.5: must be >= 0 [ohm]");
        *f[k] = 0;
        CHECK(message_of(w) == "(no error)");  // zero is an ideal wire
    }

    crossbar_params c;
    c.tile_rows = 8;
    CHECK(message_of(c) == "crossbar.tile_rows = 8: must be in [16, 512] [rows]");
    c = {};
    c.tile_cols = 33;
    CHECK(message_of(c) ==
          "crossbar.tile_cols = 33: must be even with mapping = differential (two columns per "
          "output) [cols]");
    c.mapping = mapping_scheme::offset;
    CHECK(message_of(c) == "(no error)");
    c = {};
    c.weight_clip_percentile = 0;
    CHECK(message_of(c) == "crossbar.weight_clip_percentile = 0: must be in (0, 100] [%]");
    c = {};
    c.v_read_v = 0;
    CHECK(message_of(c) == "crossbar.v_read_v = 0: must be > 0 [V]");

    device_params d;
    d.g_off_s = 2e-4;
    CHECK(message_of(d) == "device.g_off_s = 0.0002: must be < device.g_on_s = 0.0001 [S]");
    d = {};
    d.stuck_on_fraction = 0.6;
    d.stuck_off_fraction = 0.5;
    CHECK(message_of(d) ==
          "device.stuck_off_fraction = 0.5: must be <= 1 - device.stuck_on_fraction = 0.4 [1]");
    d = {};
    d.d2d_sigma = -0.1;
    CHECK(message_of(d) == "device.d2d_sigma = -0.1: must be >= 0 [1]");

    adc_params a;
    a.bits = 25;
    CHECK(message_of(a) == "adc.bits = 25: must be in [0, 24] [bit]");
}

TEST_CASE("enum names round-trip through text and reject unknown names") {
    CHECK(parse_bias_mode("row") == bias_mode::row);
    CHECK(parse_mapping_scheme("offset") == mapping_scheme::offset);
    CHECK(parse_variation_kind("lognormal") == variation_kind::lognormal);
    CHECK(parse_adc_range("fixed") == adc_range::fixed);
    try {
        parse_bias_mode("analog");
        FAIL("expected config_error");
    } catch (const spikebar::config_error& e) {
        CHECK(std::string(e.what()) == "crossbar.bias = analog: must be one of digital|row [-]");
    }
    std::istringstream in("lognormal bogus");
    variation_kind k = variation_kind::gaussian;
    in >> k;
    CHECK(k == variation_kind::lognormal);
    in >> k;
    CHECK(in.fail());
    std::ostringstream out;
    out << adc_range::calibrated << ' ' << mapping_scheme::differential;
    CHECK(out.str() == "calibrated differential");
}

TEST_CASE("validate's config_error carries the key, value, rule and unit it names") {
    device_params d;
    d.g_off_s = d.g_on_s;
    try {
        d.validate();
        FAIL("expected config_error");
    } catch (const spikebar::config_error& e) {
        CHECK(e.key == "device.g_off_s");
        CHECK(e.value == spikebar::shortest(d.g_on_s));
        CHECK(e.rule == "must be < device.g_on_s = " + spikebar::shortest(d.g_on_s));
        CHECK(e.unit == "S");
    }
    try {
        parse_adc_range("linear", "adc.range");
        FAIL("expected config_error");
    } catch (const spikebar::config_error& e) {
        CHECK(e.key == "adc.range");
        CHECK(e.value == "linear");
    }
}
