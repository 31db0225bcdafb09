// Small models and data shared by the experiments tests: a random-initialized SNN whose
// every layer fires (gain by depth) on synthetic 1x12x12 images, and chip settings.
#pragma once
#include <string>

#include "common/rng.hpp"
#include "crossbar/chip.hpp"
#include "snn/dataset.hpp"
#include "snn/model.hpp"

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

// Synthetic images: a third of the pixels black (background), the rest uniform in (0, 1).
inline snn::dataset test_data(std::size_t n, std::uint64_t seed = 99) {
    snn::dataset d;
    d.name = "synthetic";
    d.channels = 1;
    d.height = d.width = 12;
    d.num_classes = 10;
    spikebar::counter_stream s{seed, 0xDA7A};
    d.images.resize(n * d.image_size());
    for (auto& p : d.images) {
        const double u = s.uniform();
        p = u < 1.0 / 3 ? 0.0f : float(u);
    }
    for (std::size_t i = 0; i < n; ++i) d.labels.push_back(std::uint8_t(s.below(10)));
    return d;
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
