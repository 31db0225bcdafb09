#include "crossbar/device.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "common/rng.hpp"

namespace crossbar {

double conductance_level(int k, const device_params& d) {
    const int top = (1 << d.level_bits) - 1;
    return d.g_off_s + k * ((d.g_on_s - d.g_off_s) / top);
}

double quantize_conductance(double g_s, const device_params& d) {
    if (d.level_bits == 0) return g_s;
    const int top = (1 << d.level_bits) - 1;
    const double step = (d.g_on_s - d.g_off_s) / top;
    const double k = std::floor((g_s - d.g_off_s) / step + 0.5);
    return conductance_level(int(std::clamp(k, 0.0, double(top))), d);
}

double clip_magnitude(const float* w, std::size_t n, double percentile) {
    if (n == 0) return 0;
    std::vector<float> a(w, w + n);
    for (float& x : a) x = std::abs(x);
    // nearest rank: the smallest value with at least p % of the weights at or below it
    const double rank = std::ceil(percentile / 100.0 * double(n));
    const std::size_t k = std::size_t(std::clamp(rank, 1.0, double(n))) - 1;
    std::nth_element(a.begin(), a.begin() + long(k), a.end());
    return a[k];
}

void weight_mapper::targets(double w, double* g_pos_s, double* g_neg_s) const {
    const double swing = device.g_on_s - device.g_off_s;
    const double r = std::clamp(w / w_max, -1.0, 1.0);
    if (scheme == mapping_scheme::differential) {
        *g_pos_s = quantize_conductance(device.g_off_s + std::max(r, 0.0) * swing, device);
        *g_neg_s = quantize_conductance(device.g_off_s + std::max(-r, 0.0) * swing, device);
    } else {
        *g_pos_s = quantize_conductance(0.5 * (device.g_on_s + device.g_off_s) + 0.5 * r * swing,
                                        device);
        *g_neg_s = reference_s();
    }
}

double weight_mapper::weight_per_siemens() const {
    const double swing = device.g_on_s - device.g_off_s;
    return (scheme == mapping_scheme::differential ? 1.0 : 2.0) * w_max / swing;
}

double weight_mapper::reference_s() const {
    return quantize_conductance(0.5 * (device.g_on_s + device.g_off_s), device);
}

double program_device(double g_target_s, const device_params& d, const device_key& k) {
    const auto key = [&](stream s) {
        return spikebar::counter_rng{k.seed, std::uint64_t(s), k.chip, k.layer, k.tile,
                                     std::uint64_t(k.row), std::uint64_t(k.col)};
    };
    if (d.stuck_on_fraction > 0 || d.stuck_off_fraction > 0) {
        const double u = key(stream::stuck).uniform(0);
        if (u < d.stuck_on_fraction) return d.g_on_s;
        if (u < d.stuck_on_fraction + d.stuck_off_fraction) return d.g_off_s;
    }
    double g = g_target_s;
    if (d.d2d_sigma > 0) {
        const double z = key(stream::variation).normal(0);
        g = d.d2d_kind == variation_kind::gaussian ? std::max(0.0, g * (1 + d.d2d_sigma * z))
                                                   : g * std::exp(d.d2d_sigma * z);
    }
    if (d.drift_nu > 0) g *= std::pow(d.drift_t_s / d.drift_t0_s, -d.drift_nu);
    return g;
}

}  // namespace crossbar
