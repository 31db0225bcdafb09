#include "crossbar/params.hpp"

#include <istream>
#include <ostream>
#include <string>

#include "common/validate.hpp"

namespace crossbar {

void crossbar_params::validate() const {
    using namespace spikebar::check;
    in_range("crossbar.tile_rows", tile_rows, closed(16, 512), "rows");
    in_range("crossbar.tile_cols", tile_cols, closed(16, 512), "cols");
    require(mapping != mapping_scheme::differential || tile_cols % 2 == 0, "crossbar.tile_cols",
            tile_cols, "must be even with mapping = differential (two columns per output)", "cols");
    greater_than("crossbar.v_read_v", v_read_v, 0, "V");
    greater_than("crossbar.t_read_s", t_read_s, 0, "s");
    at_least("crossbar.chips", chips, 1, "chips");
    in_range("crossbar.weight_clip_percentile", weight_clip_percentile, left_open(0, 100), "%");
    in_range("crossbar.dac_bits", dac_bits, closed(0, 16), "bit");
}

void device_params::validate() const {
    using namespace spikebar::check;
    greater_than("device.g_on_s", g_on_s, 0, "S");
    at_least("device.g_off_s", g_off_s, 0, "S");
    less_than("device.g_off_s", g_off_s, set_by("device.g_on_s", g_on_s), "S");
    in_range("device.level_bits", level_bits, closed(0, 16), "bit");
    at_least("device.d2d_sigma", d2d_sigma, 0, "1");
    in_range("device.stuck_on_fraction", stuck_on_fraction, closed(0, 1), "1");
    in_range("device.stuck_off_fraction", stuck_off_fraction, closed(0, 1), "1");
    // On the sum, not stuck_off <= 1 - stuck_on: the two can round differently.
    require(stuck_on_fraction + stuck_off_fraction <= 1, "device.stuck_off_fraction",
            stuck_off_fraction,
            "must be <= 1 - device.stuck_on_fraction = " + value_text(1 - stuck_on_fraction), "1");
    at_least("device.drift_nu", drift_nu, 0, "1");
    greater_than("device.drift_t0_s", drift_t0_s, 0, "s");
    at_least("device.drift_t_s", drift_t_s, set_by("device.drift_t0_s", drift_t0_s), "s");
    at_least("device.read_noise_sigma", read_noise_sigma, 0, "1");
}

void wire_params::validate() const {
    using spikebar::check::at_least;
    at_least("wires.r_row_ohm", r_row_ohm, 0, "ohm");
    at_least("wires.r_col_ohm", r_col_ohm, 0, "ohm");
    at_least("wires.r_source_ohm", r_source_ohm, 0, "ohm");
    at_least("wires.r_sink_ohm", r_sink_ohm, 0, "ohm");
}

void adc_params::validate() const {
    using namespace spikebar::check;
    in_range("adc.bits", bits, closed(0, 24), "bit");
    greater_than("adc.fixed_range_a", fixed_range_a, 0, "A");
    greater_than("adc.headroom", headroom, 0, "1");
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
    throw spikebar::config_error(key, s, "must be one of digital|row", "-");
}
mapping_scheme parse_mapping_scheme(const std::string& s, const std::string& key) {
    if (s == "differential") return mapping_scheme::differential;
    if (s == "offset") return mapping_scheme::offset;
    throw spikebar::config_error(key, s, "must be one of differential|offset", "-");
}
variation_kind parse_variation_kind(const std::string& s, const std::string& key) {
    if (s == "gaussian") return variation_kind::gaussian;
    if (s == "lognormal") return variation_kind::lognormal;
    throw spikebar::config_error(key, s, "must be one of gaussian|lognormal", "-");
}
adc_range parse_adc_range(const std::string& s, const std::string& key) {
    if (s == "calibrated") return adc_range::calibrated;
    if (s == "fixed") return adc_range::fixed;
    throw spikebar::config_error(key, s, "must be one of calibrated|fixed", "-");
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
