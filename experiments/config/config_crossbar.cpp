// Binds the crossbar model's param structs (crossbar/params.hpp) to [crossbar], [device],
// [wires] and [adc]. Units and meanings repeat the field comments there; keep them in step.
#include "experiments/config/config.hpp"

namespace experiments::config_detail {

void add_crossbar_sections(std::vector<section>& out) {
    using namespace crossbar;

    add_section(out, "crossbar", "Tiles, read pulse and weight mapping of the simulated crossbar.",
                &run_config::crossbar)
        .key("enabled", &crossbar_params::enabled, "",
             "run synaptic layers on the simulated crossbar instead of ideal GEMM")
        .key("tile_rows", &crossbar_params::tile_rows, "rows",
             "physical rows (inputs) per tile, 16..512")
        .key("tile_cols", &crossbar_params::tile_cols, "cols",
             "physical columns per tile, 16..512; even for differential mapping")
        .key("v_read_v", &crossbar_params::v_read_v, "V",
             "read voltage on an active row; a spike drives v_read, else 0")
        .key("t_read_s", &crossbar_params::t_read_s, "s", "read pulse width, for read energy")
        .enumeration("bias", &crossbar_params::bias,
                     {{"digital", bias_mode::digital}, {"row", bias_mode::row}},
                     "digital: bias added after the ADC, exactly; row: an extra crossbar row "
                     "driven at v_read")
        .key("chips", &crossbar_params::chips, "chips",
             "Monte-Carlo chip instances to evaluate, >= 1")
        .enumeration(
            "mapping", &crossbar_params::mapping,
            {{"differential", mapping_scheme::differential}, {"offset", mapping_scheme::offset}},
            "differential: w ~ G+ - G- on two columns; offset: w ~ G - G_ref, the last "
            "column of a tile is the reference")
        .key("weight_clip_percentile", &crossbar_params::weight_clip_percentile, "%",
             "per-layer |w| percentile mapped to full conductance; larger |w| clipped, (0, 100]")
        .key("dac_bits", &crossbar_params::dac_bits, "bit",
             "DAC resolution for analog (non-spike) inputs, 0 = ideal, 0..16");

    add_section(out, "device", "Memristive devices: conductance range, levels and non-idealities.",
                &run_config::device)
        .key("g_on_s", &device_params::g_on_s, "S", "conductance of the fully-SET device")
        .key("g_off_s", &device_params::g_off_s, "S",
             "conductance of the fully-RESET device, < g_on_s")
        .key("level_bits", &device_params::level_bits, "bit",
             "programmable levels = 2^level_bits in [g_off, g_on], 0 = continuous, 0..16")
        .enumeration(
            "d2d_kind", &device_params::d2d_kind,
            {{"gaussian", variation_kind::gaussian}, {"lognormal", variation_kind::lognormal}},
            "device-to-device programming variation: gaussian G0*(1 + sigma*z), "
            "lognormal G0*exp(sigma*z)")
        .key("d2d_sigma", &device_params::d2d_sigma, "1",
             "relative standard deviation of programmed conductance, >= 0")
        .key("stuck_on_fraction", &device_params::stuck_on_fraction, "1",
             "fraction of devices stuck at g_on_s, in [0, 1]")
        .key("stuck_off_fraction", &device_params::stuck_off_fraction, "1",
             "fraction of devices stuck at g_off_s, in [0, 1]; sum with stuck_on <= 1")
        .key("drift_nu", &device_params::drift_nu, "1",
             "drift exponent: G(t) = G0 * (t / t0)^-nu, 0 = no drift")
        .key("drift_t_s", &device_params::drift_t_s, "s",
             "time since programming at which the chip is read, >= drift_t0_s")
        .key("drift_t0_s", &device_params::drift_t0_s, "s", "reference time at which G = G0, > 0")
        .key("read_noise_sigma", &device_params::read_noise_sigma, "1",
             "cycle-to-cycle read noise, relative std of G, fresh every read, >= 0");

    add_section(out, "wires", "Wire and periphery resistances of a tile (IR drop).",
                &run_config::wires)
        .key("r_row_ohm", &wire_params::r_row_ohm, "ohm",
             "row wire segment between adjacent cells, 0 = ideal wire")
        .key("r_col_ohm", &wire_params::r_col_ohm, "ohm",
             "column wire segment between adjacent cells, 0 = ideal wire")
        .key("r_source_ohm", &wire_params::r_source_ohm, "ohm",
             "row driver output resistance, 0 = ideal source")
        .key("r_sink_ohm", &wire_params::r_sink_ohm, "ohm",
             "sense-amplifier input resistance to virtual ground, 0 = ideal");

    add_section(out, "adc", "Analog-to-digital conversion of tile column currents.",
                &run_config::adc)
        .key("bits", &adc_params::bits, "bit",
             "ADC resolution per tile output, 0 = ideal (no quantization), 0..24")
        .enumeration("range", &adc_params::range,
                     {{"calibrated", adc_range::calibrated}, {"fixed", adc_range::fixed}},
                     "calibrated: full scale per tile from calibration inputs; fixed: "
                     "fixed_range_a for every tile")
        .key("fixed_range_a", &adc_params::fixed_range_a, "A",
             "full-scale current |I| for range = fixed, > 0")
        .key("headroom", &adc_params::headroom, "1",
             "calibrated full scale = headroom * max |I| on calibration inputs, > 0");
}

}  // namespace experiments::config_detail
