// Binds experiments::energy_params (experiments/energy/energy.hpp) to [energy]. The defaults are
// the cited constants of configs/energy/isaac32_horowitz45.ini; docs/energy.md gives the model.
#include "experiments/config/config.hpp"
#include "experiments/energy/energy.hpp"

namespace experiments::config_detail {

void add_energy_sections(std::vector<section>& out) {
    add_section(out, "energy",
                "Energy per operation (docs/energy.md; cited values in "
                "configs/energy/isaac32_horowitz45.ini).",
                &run_config::energy)
        .key("add_pj", &energy_params::add_pj, "pJ", "one fp32 add or compare (Horowitz 2014, 45 nm)")
        .key("mult_pj", &energy_params::mult_pj, "pJ", "one fp32 multiply (Horowitz 2014, 45 nm)")
        .key("mac_pj", &energy_params::mac_pj, "pJ",
             "one fp32 multiply-accumulate of a digital synapse (ideal hardware)")
        .key("ac_pj", &energy_params::ac_pj, "pJ",
             "one fp32 accumulate of a spike-driven digital synapse (ideal hardware)")
        .key("exp_pj", &energy_params::exp_pj, "pJ",
             "one fp32 exp or log in the exit controller (4 multiplies + 4 adds)")
        .key("int_add_pj", &energy_params::int_add_pj, "pJ",
             "one 32-bit integer add or compare (step counters)")
        .key("adc_pj", &energy_params::adc_pj, "pJ",
             "one ADC conversion at adc_ref_bits (ISAAC, ISCA 2016, 32 nm)")
        .key("adc_ref_bits", &energy_params::adc_ref_bits, "bits", "resolution adc_pj is quoted at")
        .key("adc_scale_per_bit", &energy_params::adc_scale_per_bit, "1",
             "ADC energy factor per extra bit (Walden figure of merit: 2)")
        .key("adc_bits_if_ideal", &energy_params::adc_bits_if_ideal, "bits",
             "resolution charged when adc.bits = 0 (unquantized)")
        .key("row_drive_pj", &energy_params::row_drive_pj, "pJ",
             "one 1-bit row-driver (DAC) pulse (ISAAC, ISCA 2016, 32 nm)")
        .key("dac_bits_if_ideal", &energy_params::dac_bits_if_ideal, "bits",
             "analog input bits charged when crossbar.dac_bits = 0 (bit-serial input)")
        .key("shift_add_pj", &energy_params::shift_add_pj, "pJ",
             "one digital shift-and-add of a tile partial sum (ISAAC, ISCA 2016)")
        .key("buffer_pj_per_bit", &energy_params::buffer_pj_per_bit, "pJ/bit",
             "buffer (eDRAM) access energy per bit (ISAAC, ISCA 2016)")
        .key("spike_address_bits", &energy_params::spike_address_bits, "bits",
             "bits of one address event: a spike is written once and read once");
}

}  // namespace experiments::config_detail
