#include "experiments/hwa.hpp"

#include <memory>

#include "common/errors.hpp"
#include "experiments/crossbar_synapse.hpp"

namespace experiments {

namespace {

// One batch's chip, with the copy of the weights it was programmed from (the synapse
// refers to its model).
class batch_chip final : public snn::synapse_op {
public:
    batch_chip(const snn::model& current, const crossbar::chip_params& p, std::uint64_t seed,
               std::uint64_t index)
        : m_(current), chip_(m_, p, seed, index) {}
    crossbar_synapse& chip() { return chip_; }
    void forward(const snn::synapse_site& site, const float* in, bool binary_input,
                 float* out) const override {
        chip_.forward(site, in, binary_input, out);
    }
    bool time_invariant() const override { return chip_.time_invariant(); }

private:
    snn::model m_;
    crossbar_synapse chip_;
};

}  // namespace

crossbar::chip_params hwa_chip_params(const run_config& cfg) {
    crossbar::chip_params p{cfg.crossbar, cfg.device, cfg.wires, cfg.adc};
    const snn::train_params& t = cfg.train;
    if (!t.hwa_programming) {
        p.device.level_bits = 0;
        p.device.d2d_sigma = 0;
        p.device.stuck_on_fraction = 0;
        p.device.stuck_off_fraction = 0;
        p.device.drift_nu = 0;
    }
    if (!t.hwa_read_noise) p.device.read_noise_sigma = 0;
    if (!t.hwa_dac) p.crossbar.dac_bits = 0;
    if (!t.hwa_adc) p.adc.bits = 0;
    if (!t.hwa_ir_drop) p.wires = {0, 0, 0, 0};
    return p;
}

snn::hardware_synapse hwa_synapse_factory(const run_config& cfg, const snn::dataset& train) {
    const crossbar::chip_params p = hwa_chip_params(cfg);
    const std::uint64_t seed = cfg.train.hwa_chip_seed, encoding_seed = cfg.train.seed;
    const std::size_t n = std::min(std::size_t(cfg.train.hwa_calibration_samples), train.size());
    const bool calibrate = p.adc.bits > 0 && p.adc.range == crossbar::adc_range::calibrated;
    return [p, seed, encoding_seed, n, calibrate, &train](const snn::model& current,
                                                          std::int64_t step) {
        auto c = std::make_unique<batch_chip>(current, p, seed, std::uint64_t(step));
        if (calibrate) calibrate_chips(current, train, n, encoding_seed, {&c->chip()});
        return std::unique_ptr<const snn::synapse_op>(std::move(c));
    };
}

void enable_hardware_aware(snn::trainer& tr, const run_config& cfg, const snn::dataset& train) {
    if (!cfg.train.hwa_active()) return;
    if (tr.net().has_batchnorm())
        throw spikebar::config_error(
            "train.hardware_aware = true: the network has bn layers, but a chip holds "
            "BatchNorm-folded weights; fine-tune a trained model (train.init_model = model.h5)");
    map_model(tr.net());  // throws config_error for a network the crossbar cannot map
    const crossbar::chip_params p = hwa_chip_params(cfg);
    p.validate();
    tr.set_hardware(hwa_synapse_factory(cfg, train), p.device.read_noise_sigma > 0);
}

}  // namespace experiments
