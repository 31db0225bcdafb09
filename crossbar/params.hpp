// Parameters of the crossbar hardware model: the INI sections [crossbar], [device],
// [wires] and [adc]. Plain structs with defaults; every field states its unit and
// meaning in its comment. validate() checks one struct at the boundary and throws
// spikebar::config_error("section.key = value: expectation [unit]").
#pragma once
#include <iosfwd>
#include <string>

namespace crossbar {

// How a layer's bias reaches the outputs.
enum class bias_mode {
    digital,  // added after the ADC, exactly
    row,      // an extra crossbar row, always driven at v_read, holding bias / weight scale
};

// How a signed weight becomes conductances.
enum class mapping_scheme {
    differential,  // two adjacent columns per output, w ~ G+ - G-; a tile holds tile_cols/2 outputs
    offset,        // one column per output, w ~ G - G_ref; the last column of a tile is the reference
};

enum class variation_kind {
    gaussian,   // G = G0 * (1 + sigma * z), clamped at 0
    lognormal,  // G = G0 * exp(sigma * z): sigma is the standard deviation of ln G
};

enum class adc_range {
    calibrated,  // full scale per tile from the largest |current| seen on calibration inputs
    fixed,       // full scale = adc_params::fixed_range_a for every tile
};

struct crossbar_params {
    int tile_rows = 128;          // physical rows (inputs) per tile, 16..512 [rows]
    int tile_cols = 128;          // physical columns per tile, 16..512; even for differential [cols]
    double v_read_v = 0.2;        // read voltage on an active row; a spike drives v_read, else 0 [V]
    double t_read_s = 10e-9;      // read pulse width, for read energy [s]
    bias_mode bias = bias_mode::digital;  // bias as an extra driven row (row) or added after the ADC (digital) [-]
    bool enabled = false;         // run synaptic layers on the simulated crossbar instead of ideal GEMM [-]
    int chips = 1;                // Monte-Carlo chip instances to evaluate, >= 1 [chips]
    mapping_scheme mapping = mapping_scheme::differential;  // weight-to-conductance mapping (differential|offset) [-]
    double weight_clip_percentile = 100.0;  // per-layer |w| percentile mapped to full conductance; larger |w| clipped, (0, 100] [%]
    int dac_bits = 0;             // DAC resolution for analog (non-spike) inputs, 0 = ideal, 0..16 [bit]
    void validate() const;
};

struct device_params {
    double g_on_s = 100e-6;       // conductance of the fully-SET device (R_on = 10 kohm) [S]
    double g_off_s = 1e-6;        // conductance of the fully-RESET device, < g_on_s [S]
    int level_bits = 0;           // programmable levels per device = 2^level_bits in [g_off, g_on], 0 = continuous, 0..16 [bit]
    variation_kind d2d_kind = variation_kind::gaussian;  // device-to-device programming variation distribution (gaussian|lognormal) [-]
    double d2d_sigma = 0.0;       // relative standard deviation of programmed conductance, >= 0 [1]
    double stuck_on_fraction = 0.0;   // fraction of devices stuck at g_on_s, in [0, 1] [1]
    double stuck_off_fraction = 0.0;  // fraction of devices stuck at g_off_s, in [0, 1], sum with stuck_on <= 1 [1]
    double drift_nu = 0.0;        // drift exponent: G(t) = G0 * (t / t0)^-nu, 0 = no drift, >= 0 [1]
    double drift_t_s = 1.0;       // time since programming at which the chip is read, >= drift_t0_s [s]
    double drift_t0_s = 1.0;      // reference time at which G = G0, > 0 [s]
    double read_noise_sigma = 0.0;  // cycle-to-cycle read noise, relative std of G, fresh every read, >= 0 [1]
    void validate() const;
};

struct wire_params {
    double r_row_ohm = 2.5;       // row wire segment between adjacent cells, 0 = ideal wire [ohm]
    double r_col_ohm = 2.5;       // column wire segment between adjacent cells, 0 = ideal wire [ohm]
    double r_source_ohm = 0.0;    // row driver output resistance, 0 = ideal source [ohm]
    double r_sink_ohm = 0.0;      // sense-amplifier input resistance to virtual ground, 0 = ideal [ohm]
    void validate() const;
};

struct adc_params {
    int bits = 0;                 // ADC resolution per tile output, 0 = ideal (no quantization), 0..24 [bit]
    adc_range range = adc_range::calibrated;  // full-scale choice (calibrated|fixed) [-]
    double fixed_range_a = 10e-6; // full-scale current |I| for range = fixed, > 0 [A]
    double headroom = 1.0;        // calibrated full scale = headroom * max |I| on calibration inputs, > 0 [1]
    void validate() const;
};

// Text names as used in INI files; parse_* throw config_error naming `key` on an unknown value.
const char* to_string(bias_mode m);
const char* to_string(mapping_scheme m);
const char* to_string(variation_kind k);
const char* to_string(adc_range r);
bias_mode parse_bias_mode(const std::string& s, const std::string& key = "crossbar.bias");
mapping_scheme parse_mapping_scheme(const std::string& s, const std::string& key = "crossbar.mapping");
variation_kind parse_variation_kind(const std::string& s, const std::string& key = "device.d2d_kind");
adc_range parse_adc_range(const std::string& s, const std::string& key = "adc.range");

// Stream operators so that option parsers (Boost.Program_options lexical_cast) can bind
// the enum fields directly; >> sets failbit on an unknown name.
std::ostream& operator<<(std::ostream& os, bias_mode m);
std::ostream& operator<<(std::ostream& os, mapping_scheme m);
std::ostream& operator<<(std::ostream& os, variation_kind k);
std::ostream& operator<<(std::ostream& os, adc_range r);
std::istream& operator>>(std::istream& is, bias_mode& m);
std::istream& operator>>(std::istream& is, mapping_scheme& m);
std::istream& operator>>(std::istream& is, variation_kind& k);
std::istream& operator>>(std::istream& is, adc_range& r);

}  // namespace crossbar
