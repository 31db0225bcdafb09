#include "crossbar/params.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <istream>
#include <ostream>
#include <string>

#include "common/errors.hpp"
#include "common/format.hpp"

namespace crossbar {
namespace {

std::string show(double v) { return spikebar::shortest(v); }
std::string show(int v) { return std::to_string(v); }

[[noreturn]] void fail(const char* key, const std::string& value, const std::string& expect,
                       const char* unit) {
    throw spikebar::config_error(std::string(key) + " = " + value + ": " + expect + " [" + unit +
                                 "]");
}

template <class T>
void require_range(const char* key, T v, T lo, T hi, const char* unit) {
    if (!(v >= lo && v <= hi))
        fail(key, show(v), "must be in [" + show(lo) + ", " + show(hi) + "]", unit);
}
void require_ge(const char* key, double v, double lo, const char* unit) {
    if (!(v >= lo) || !std::isfinite(v)) fail(key, show(v), "must be >= " + show(lo), unit);
}
void require_gt(const char* key, double v, double lo, const char* unit) {
    if (!(v > lo) || !std::isfinite(v)) fail(key, show(v), "must be > " + show(lo), unit);
}

}  // namespace

void crossbar_params::validate() const {
    require_range("crossbar.tile_rows", tile_rows, 16, 512, "rows");
    require_range("crossbar.tile_cols", tile_cols, 16, 512, "cols");
    if (mapping == mapping_scheme::differential && tile_cols % 2 != 0)
        fail("crossbar.tile_cols", show(tile_cols),
             "must be even with mapping = differential (two columns per output)", "cols");
    require_gt("crossbar.v_read_v", v_read_v, 0, "V");
    require_gt("crossbar.t_read_s", t_read_s, 0, "s");
    if (chips < 1) fail("crossbar.chips", show(chips), "must be >= 1", "chips");
    if (!(weight_clip_percentile > 0 && weight_clip_percentile <= 100))
        fail("crossbar.weight_clip_percentile", show(weight_clip_percentile), "must be in (0, 100]",
             "%");
    require_range("crossbar.dac_bits", dac_bits, 0, 16, "bit");
}

void device_params::validate() const {
    require_gt("device.g_on_s", g_on_s, 0, "S");
    require_ge("device.g_off_s", g_off_s, 0, "S");
    if (!(g_off_s < g_on_s))
        fail("device.g_off_s", show(g_off_s), "must be < device.g_on_s = " + show(g_on_s), "S");
    require_range("device.level_bits", level_bits, 0, 16, "bit");
    require_ge("device.d2d_sigma", d2d_sigma, 0, "1");
    require_range("device.stuck_on_fraction", stuck_on_fraction, 0.0, 1.0, "1");
    require_range("device.stuck_off_fraction", stuck_off_fraction, 0.0, 1.0, "1");
    if (stuck_on_fraction + stuck_off_fraction > 1)
        fail("device.stuck_off_fraction", show(stuck_off_fraction),
             "must be <= 1 - device.stuck_on_fraction = " + show(1 - stuck_on_fraction), "1");
    require_ge("device.drift_nu", drift_nu, 0, "1");
    require_gt("device.drift_t0_s", drift_t0_s, 0, "s");
    if (!(drift_t_s >= drift_t0_s) || !std::isfinite(drift_t_s))
        fail("device.drift_t_s", show(drift_t_s), "must be >= device.drift_t0_s = " + show(drift_t0_s),
             "s");
    require_ge("device.read_noise_sigma", read_noise_sigma, 0, "1");
}

void wire_params::validate() const {
    require_ge("wires.r_row_ohm", r_row_ohm, 0, "ohm");
    require_ge("wires.r_col_ohm", r_col_ohm, 0, "ohm");
    require_ge("wires.r_source_ohm", r_source_ohm, 0, "ohm");
    require_ge("wires.r_sink_ohm", r_sink_ohm, 0, "ohm");
}

void adc_params::validate() const {
    require_range("adc.bits", bits, 0, 24, "bit");
    require_gt("adc.fixed_range_a", fixed_range_a, 0, "A");
    require_gt("adc.headroom", headroom, 0, "1");
}

// ---- enum names -------------------------------------------------------------------------

const char* to_string(bias_mode m) { return m == bias_mode::row ? "row" : "digital"; }
const char* to_string(mapping_scheme m) {
    return m == mapping_scheme::offset ? "offset" : "differential";
}
const char* to_string(variation_kind k) {
    return k == variation_kind::lognormal ? "lognormal" : "gaussian";
}
const char* to_string(adc_range r) { return r == adc_range::fixed ? "fixed" : "calibrated"; }

bias_mode parse_bias_mode(const std::string& s, const std::string& key) {
    if (s == "digital") return bias_mode::digital;
    if (s == "row") return bias_mode::row;
    throw spikebar::config_error(key + " = " + s + ": must be one of digital|row [-]");
}
mapping_scheme parse_mapping_scheme(const std::string& s, const std::string& key) {
    if (s == "differential") return mapping_scheme::differential;
    if (s == "offset") return mapping_scheme::offset;
    throw spikebar::config_error(key + " = " + s + ": must be one of differential|offset [-]");
}
variation_kind parse_variation_kind(const std::string& s, const std::string& key) {
    if (s == "gaussian") return variation_kind::gaussian;
    if (s == "lognormal") return variation_kind::lognormal;
    throw spikebar::config_error(key + " = " + s + ": must be one of gaussian|lognormal [-]");
}
adc_range parse_adc_range(const std::string& s, const std::string& key) {
    if (s == "calibrated") return adc_range::calibrated;
    if (s == "fixed") return adc_range::fixed;
    throw spikebar::config_error(key + " = " + s + ": must be one of calibrated|fixed [-]");
}

namespace {
template <class E, class Parse>
std::istream& read_enum(std::istream& is, E& out, Parse parse) {
    std::string s;
    if (!(is >> s)) return is;
    try {
        out = parse(s, "");
    } catch (const spikebar::config_error&) {
        is.setstate(std::ios::failbit);
    }
    return is;
}
}  // namespace

std::ostream& operator<<(std::ostream& os, bias_mode m) { return os << to_string(m); }
std::ostream& operator<<(std::ostream& os, mapping_scheme m) { return os << to_string(m); }
std::ostream& operator<<(std::ostream& os, variation_kind k) { return os << to_string(k); }
std::ostream& operator<<(std::ostream& os, adc_range r) { return os << to_string(r); }
std::istream& operator>>(std::istream& is, bias_mode& m) {
    return read_enum(is, m, parse_bias_mode);
}
std::istream& operator>>(std::istream& is, mapping_scheme& m) {
    return read_enum(is, m, parse_mapping_scheme);
}
std::istream& operator>>(std::istream& is, variation_kind& k) {
    return read_enum(is, k, parse_variation_kind);
}
std::istream& operator>>(std::istream& is, adc_range& r) {
    return read_enum(is, r, parse_adc_range);
}

}  // namespace crossbar
