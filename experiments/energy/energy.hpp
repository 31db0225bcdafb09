// The energy model (DESIGN §6): the energy of one sample at one timestep, by row (each
// weighted layer, then `control`) and by component, from what the hardware actually did
// at that step. docs/energy.md states every formula; configs/energy/ cites every constant.
//
// Crossbar hardware (experiments::crossbar_synapse), per weighted layer and step, from
// crossbar::mvm_counts:
//   crossbar_read   = read_energy_j * 1e12                       (t_read V^T S V of the tiles read)
//   row_drivers     = (row_activations - dac_conversions) * row_drive_pj      (1-bit pulses)
//   dac             = dac_conversions * dac_bits * row_drive_pj   (bit-serial analog input)
//   adc             = adc_conversions * adc_pj * adc_scale_per_bit^(adc_bits - adc_ref_bits)
//   psum_accumulate = adc_conversions * shift_add_pj
// Ideal (digital) hardware, from the op counts of counting_synapse:
//   digital_synapse = macs * mac_pj + acs * ac_pj
// Both, from the network's shape and the spike counts:
//   neuron       = per output neuron of the layer: lif: mult + 3 add (bias, leak, threshold
//                  compare); readout: 2 add (bias, S_t += O_t); plus (k^2 - 1) compares per
//                  output of a max-pool that follows the layer
//   spike_buffer = spikes of the layer's lif * 2 * spike_address_bits * buffer_pj_per_bit
//                  (one address-event write by the producer, one read by the consumer)
// Row `control`:
//   controller   = the policy's arithmetic per step (controller_ops below) at op energies
//   policy_net   = SEENN-II policy net MACs * mac_pj, at t = 1 only
// A row's component is 0 where it does not apply (e.g. crossbar terms on ideal hardware).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "crossbar/chip.hpp"
#include "earlyexit/params.hpp"
#include "earlyexit/policy_table.hpp"
#include "snn/model.hpp"

namespace experiments {

// [energy]: per-operation energies [pJ]. Defaults are the cited values of
// configs/energy/isaac32_horowitz45.ini (a test checks that file against them).
struct energy_params {
    // Digital arithmetic, 32-bit float (Horowitz, ISSCC 2014, 45 nm).
    double add_pj = 0.9;        // one fp32 add or compare [pJ]
    double mult_pj = 3.7;       // one fp32 multiply [pJ]
    double mac_pj = 4.6;        // one fp32 multiply-accumulate of a digital synapse [pJ]
    double ac_pj = 0.9;         // one fp32 accumulate of a spike-driven digital synapse [pJ]
    double exp_pj = 18.4;       // one fp32 exp or log: 4 multiplies + 4 adds [pJ]
    double int_add_pj = 0.1;    // one 32-bit integer add or compare (step counters) [pJ]
    // Crossbar periphery (ISAAC, Shafiee et al., ISCA 2016, 32 nm).
    double adc_pj = 1.67;       // one conversion of an adc_ref_bits ADC [pJ]
    int adc_ref_bits = 8;       // resolution that adc_pj is quoted at [bits]
    double adc_scale_per_bit = 2;  // ADC energy factor per extra bit (Walden figure of merit) [1]
    int adc_bits_if_ideal = 8;  // resolution charged when adc.bits = 0 (unquantized) [bits]
    double row_drive_pj = 0.33; // one 1-bit row-driver (DAC) pulse [pJ]
    int dac_bits_if_ideal = 8;  // input bits charged when crossbar.dac_bits = 0 [bits]
    double shift_add_pj = 0.021;  // one digital shift-and-add of a tile partial sum [pJ]
    double buffer_pj_per_bit = 0.0799;  // eDRAM buffer access per bit [pJ/bit]
    int spike_address_bits = 16;  // bits of one address event (spike) [bits]

    // Throws spikebar::config_error("energy.<key> = <value>: must be ...").
    void validate() const;
};

// Digital synapse work of one layer at one step (ideal hardware).
struct op_counts {
    std::uint64_t macs = 0;  // multiply-accumulates (analog inputs, dense)
    std::uint64_t acs = 0;   // accumulates triggered by input spikes (event-driven)
};

enum energy_component : int {
    crossbar_read,
    row_drivers,
    dac,
    adc,
    psum_accumulate,
    digital_synapse,
    neuron,
    spike_buffer,
    controller,
    policy_net,
    energy_components  // the count P
};
const char* energy_component_name(int c);

// Arithmetic the exit controller does per active sample and step, by policy, for K
// classes (docs/energy.md): softmax policies shift, scale and exponentiate K - 1 classes.
// Each policy's count is in its row of earlyexit/policy_table.cpp.
using controller_ops = earlyexit::decision_ops;
controller_ops controller_work(earlyexit::policy_kind kind, int classes);

class energy_model {
public:
    // `deployed`: the network (no bn). adc_bits, dac_bits: the chip's (0 = unquantized) or
    // ignored on ideal hardware. policy_net_macs: one SEENN-II forward pass (0 = none).
    energy_model(const snn::model& deployed, const energy_params& p, bool crossbar, int adc_bits,
                 int dac_bits, earlyexit::policy_kind policy, std::uint64_t policy_net_macs);

    int weighted_layers() const { return static_cast<int>(layers_.size()); }
    int rows() const { return weighted_layers() + 1; }  // W + 1
    static constexpr int components() { return energy_components; }
    int values_per_step() const { return rows() * components(); }
    // "conv1", "conv2", "linear1", ..., "control".
    std::vector<std::string> row_names() const;

    // Energy of one sample at step t (1-based) [pJ], written to out[rows() * P] (row-major,
    // every entry written). spikes: the step's spike count per lif layer [S]; mvm: crossbar
    // work per weighted layer [W] (crossbar hardware) or ops: digital work [W] (ideal);
    // the other is null. Returns the step total, summed rows outer, components inner, in
    // index order.
    double step(int t, const std::uint32_t* spikes, const crossbar::mvm_counts* mvm,
                const op_counts* ops, double* out) const;

private:
    struct layer_cost {
        double neuron_pj = 0;  // neuron updates, bias adds and pooling of one step
        int lif = -1;          // lif layer fed by this layer, -1 for the readout
    };
    energy_params p_;
    bool crossbar_;
    double adc_conv_pj_ = 0, dac_conv_pj_ = 0;
    double controller_pj_ = 0, policy_net_pj_ = 0;
    std::vector<layer_cost> layers_;
    std::vector<std::string> names_;
};

}  // namespace experiments
