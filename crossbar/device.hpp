// Memristive devices: weight-to-conductance mapping and programming non-idealities.
//
// Mapping (per layer, weights clipped to |w| <= w_max, w_max = clip percentile of |w|):
//   differential: G+ = G_off + max(w, 0) / w_max * (G_on - G_off), G- likewise for -w;
//                 w_eff = (G+ - G-) * w_max / (G_on - G_off).
//   offset:       G = G_mid + w / w_max * (G_on - G_off) / 2, G_ref = G_mid = (G_on + G_off) / 2;
//                 w_eff = (G - G_ref) * 2 w_max / (G_on - G_off).
// Levels: with level_bits = n > 0 a device holds one of L = 2^n conductances
//   G_k = G_off + k * (G_on - G_off) / (L - 1), k = 0..L-1, and targets round to the
//   nearest level (ties up).
// Programming, in this order, each from its own keyed stream (seed, chip, layer, tile, row, col):
//   stuck-at: with probability p_on G = G_on, else with probability p_off G = G_off; a stuck
//     device ignores its target and has neither variation nor drift;
//   device-to-device variation: gaussian G = G_q (1 + sigma z) clamped at 0, or
//     lognormal G = G_q exp(sigma z);
//   drift: G(t) = G (t / t0)^-nu.
#pragma once
#include <cstddef>
#include <cstdint>

#include "crossbar/params.hpp"

namespace crossbar {

// Streams of the programming and read non-idealities (the first key word after the seed).
enum class stream : std::uint64_t { stuck = 1, variation = 2, read_noise = 3 };

// Conductance of level nearest to g (ties up), or g itself for continuous devices.
double quantize_conductance(double g_s, const device_params& d);

// Level k of the device, G_off + k * (G_on - G_off) / (2^level_bits - 1).
double conductance_level(int k, const device_params& d);

// |w| at the given percentile (nearest rank, 100 = max |w|) over n weights; 0 if n == 0.
double clip_magnitude(const float* w, std::size_t n, double percentile);

// Targets for one weight; quantization is applied.
struct weight_mapper {
    double w_max = 1;  // weight magnitude mapped to the full conductance swing [weight units]
    device_params device;
    mapping_scheme scheme = mapping_scheme::differential;

    // Differential: (G+, G-) targets [S]. Offset: first = G, second = G_ref.
    void targets(double w, double* g_pos_s, double* g_neg_s) const;
    // Weight units per siemens of (G+ - G-): w_eff = weight_per_siemens() * (G+ - G-).
    double weight_per_siemens() const;
    // Reference-column conductance for the offset scheme [S].
    double reference_s() const;
};

// Key of one device's programming draws.
struct device_key {
    std::uint64_t seed, chip, layer, tile;
    int row, col;
};

// The realized conductance of a device programmed to target g_target_s [S].
double program_device(double g_target_s, const device_params& d, const device_key& k);

}  // namespace crossbar
