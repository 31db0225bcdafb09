// Small models and data shared by the experiments tests: a random-initialized SNN whose
// every layer fires (gain by depth) on synthetic 1x12x12 images, and chip settings.
#pragma once
#include <string>

#include "crossbar/chip.hpp"
#include "snn/dataset.hpp"
#include "snn/model.hpp"
#include "synthetic_images.hpp"

namespace fixtures {

inline snn::model test_model(const std::string& encoding = "direct",
                             const std::string& kind = "snn") {
    snn::network_params net;
    net.layers =
        "conv:8:3, lif, maxpool:2, conv:16:3, lif, maxpool:2, flatten, linear:24, lif, linear:10";
    net.timesteps = 4;
    net.encoding = encoding;
    net.kind = kind;
    snn::neuron_params lif;
    snn::model m = snn::make_model(net, lif, {1, 12, 12}, 7);
    int q = 0;
    for (auto& s : m.layers) {
        if (s.weight.empty()) continue;
        const float gain = 1.5f * float(++q);  // deeper layers see sparser spikes
        for (auto& w : s.weight) w *= gain;
    }
    return m;
}

// Synthetic images (synthetic_images.hpp): 1 x 12 x 12 noise uniform in [0, 1), the third
// of the pixels below 1/3 black (background), random labels over 10 classes.
inline snn::dataset test_data(std::size_t n, std::uint64_t seed = 99) {
    return synthetic::images(n, {10, 1, 12, 12, 1.0, 0.0, 1.0 / 3}, seed);
}

// Every non-ideality on, small tiles so that layers split over several tiles.
inline crossbar::chip_params harsh_chip(double read_noise = 0.1) {
    crossbar::chip_params p;
    p.crossbar.tile_rows = 32;
    p.crossbar.tile_cols = 16;
    p.crossbar.dac_bits = 6;
    p.device.level_bits = 5;
    p.device.d2d_sigma = 0.05;
    p.device.stuck_on_fraction = 0.002;
    p.device.stuck_off_fraction = 0.002;
    p.device.read_noise_sigma = read_noise;
    p.wires = {2.5, 2.5, 1, 1};
    p.adc.bits = 6;
    return p;
}

}  // namespace fixtures
