#include "experiments/energy/energy.hpp"

#include <cmath>
#include <stdexcept>

#include "common/validate.hpp"

namespace experiments {

void energy_params::validate() const {
    const struct {
        const char* key;
        double v;
    } per_op[] = {{"add_pj", add_pj},         {"mult_pj", mult_pj},
                  {"mac_pj", mac_pj},         {"ac_pj", ac_pj},
                  {"exp_pj", exp_pj},         {"int_add_pj", int_add_pj},
                  {"adc_pj", adc_pj},         {"row_drive_pj", row_drive_pj},
                  {"shift_add_pj", shift_add_pj}, {"buffer_pj_per_bit", buffer_pj_per_bit}};
    using spikebar::check::require;
    const auto bits = [](const char* key, int v, int hi) {
        require(v >= 1 && v <= hi, std::string("energy.") + key, v,
                "must be in 1.." + std::to_string(hi), "bits");
    };
    for (const auto& e : per_op)
        require(std::isfinite(e.v) && e.v >= 0, std::string("energy.") + e.key, e.v,
                "must be a finite value >= 0", "pJ");
    bits("adc_ref_bits", adc_ref_bits, 16);
    bits("adc_bits_if_ideal", adc_bits_if_ideal, 16);
    bits("dac_bits_if_ideal", dac_bits_if_ideal, 16);
    require(std::isfinite(adc_scale_per_bit) && adc_scale_per_bit >= 1,
            "energy.adc_scale_per_bit", adc_scale_per_bit, "must be a finite value >= 1", "1");
    bits("spike_address_bits", spike_address_bits, 64);
}

const char* energy_component_name(int c) {
    static const char* const names[energy_components] = {
        "crossbar_read", "row_drivers", "dac",          "adc",        "psum_accumulate",
        "digital_synapse", "neuron",    "spike_buffer", "controller", "policy_net"};
    if (c < 0 || c >= energy_components)
        throw std::out_of_range("energy component " + std::to_string(c));
    return names[c];
}

controller_ops controller_work(earlyexit::policy_kind kind, int classes) {
    return earlyexit::policy_row(kind).ops(classes);
}

energy_model::energy_model(const snn::model& deployed, const energy_params& p, bool crossbar,
                           int adc_bits, int dac_bits, earlyexit::policy_kind policy,
                           std::uint64_t policy_net_macs)
    : p_(p), crossbar_(crossbar) {
    p_.validate();
    const int ab = adc_bits > 0 ? adc_bits : p_.adc_bits_if_ideal;
    adc_conv_pj_ = p_.adc_pj * std::pow(p_.adc_scale_per_bit, double(ab - p_.adc_ref_bits));
    dac_conv_pj_ = double(dac_bits > 0 ? dac_bits : p_.dac_bits_if_ideal) * p_.row_drive_pj;
    const controller_ops c = controller_work(policy, deployed.num_classes());
    controller_pj_ = double(c.adds) * p_.add_pj + double(c.mults) * p_.mult_pj +
                     double(c.exps) * p_.exp_pj + double(c.int_adds) * p_.int_add_pj;
    policy_net_pj_ = double(policy_net_macs) * p_.mac_pj;

    const auto& L = deployed.arch.layers;
    int lif_seen = 0, convs = 0, linears = 0;
    for (std::size_t i = 0; i < L.size(); ++i) {
        if (L[i].kind == snn::layer_kind::bn)
            throw std::invalid_argument("energy_model: the model has bn layers (fold them first)");
        if (!L[i].has_weights()) continue;
        layer_cost lc;
        const double out = double(L[i].out.size());
        bool spiking = false;
        for (std::size_t j = i + 1; j < L.size() && !L[j].has_weights(); ++j) {
            const double n = double(L[j].out.size());
            switch (L[j].kind) {
                case snn::layer_kind::lif:
                    lc.lif = lif_seen++;
                    spiking = true;
                    lc.neuron_pj += n * (p_.mult_pj + 3 * p_.add_pj);
                    break;
                case snn::layer_kind::relu: lc.neuron_pj += n * 2 * p_.add_pj; spiking = true; break;
                case snn::layer_kind::maxpool:
                case snn::layer_kind::sumpool:
                    lc.neuron_pj += n * double(L[j].kh() * L[j].kw() - 1) * p_.add_pj;
                    break;
                case snn::layer_kind::avgpool:
                    lc.neuron_pj += n * (double(L[j].kh() * L[j].kw() - 1) * p_.add_pj +
                                         p_.mult_pj);
                    break;
                case snn::layer_kind::scale: lc.neuron_pj += n * p_.mult_pj; break;
                case snn::layer_kind::threshold: lc.neuron_pj += n * p_.add_pj; break;
                case snn::layer_kind::li:
                    spiking = true;  // the readout's neuron: its update replaces the bias add
                    lc.neuron_pj += n * (p_.mult_pj + 3 * p_.add_pj);
                    break;
                default: break;
            }
        }
        if (!spiking) lc.neuron_pj += out * 2 * p_.add_pj;  // readout: bias, S_t += O_t
        layers_.push_back(lc);
        names_.push_back(L[i].kind == snn::layer_kind::conv ? "conv" + std::to_string(++convs)
                                                            : "linear" + std::to_string(++linears));
    }
    names_.push_back("control");
}

std::vector<std::string> energy_model::row_names() const { return names_; }

double energy_model::step(int t, const std::uint32_t* spikes, const crossbar::mvm_counts* mvm,
                          const op_counts* ops, double* out) const {
    const int P = energy_components;
    for (int i = 0; i < values_per_step(); ++i) out[i] = 0.0;
    const double spike_pj = 2.0 * double(p_.spike_address_bits) * p_.buffer_pj_per_bit;
    for (int w = 0; w < weighted_layers(); ++w) {
        double* e = out + w * P;
        const layer_cost& lc = layers_[w];
        if (crossbar_ && mvm) {
            const crossbar::mvm_counts& m = mvm[w];
            e[crossbar_read] = m.read_energy_j * 1e12;
            e[row_drivers] = double(m.row_activations - m.dac_conversions) * p_.row_drive_pj;
            e[dac] = double(m.dac_conversions) * dac_conv_pj_;
            e[adc] = double(m.adc_conversions) * adc_conv_pj_;
            e[psum_accumulate] = double(m.adc_conversions) * p_.shift_add_pj;
        }
        if (!crossbar_ && ops)
            e[digital_synapse] = double(ops[w].macs) * p_.mac_pj + double(ops[w].acs) * p_.ac_pj;
        e[neuron] = lc.neuron_pj;
        if (lc.lif >= 0 && spikes) e[spike_buffer] = double(spikes[lc.lif]) * spike_pj;
    }
    double* c = out + weighted_layers() * P;
    c[controller] = controller_pj_;
    c[policy_net] = t == 1 ? policy_net_pj_ : 0.0;
    double total = 0.0;
    for (int i = 0; i < values_per_step(); ++i) total += out[i];
    return total;
}

}  // namespace experiments
