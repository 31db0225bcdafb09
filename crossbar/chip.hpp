// A deployed network: every synaptic layer mapped onto programmed crossbar tiles,
// realized from (layer matrices, params, seed, chip index). SNN-agnostic: a layer is a
// matrix; a read is one matrix-vector product.
//
// One MVM of layer l for input x (binary spikes or analog values through the DAC):
//   row tile r, column tile c, output o of the tile, d_i the input level of row i
//   (1 for a spike, the DAC level in [0, 1] for analog, 1 for the bias row):
//     I_o   = sum_i d_i K[i][o] + sqrt(sum_i d_i^2 Q[i][o]) z_o          (read, per tile)
//     y[o] += ADC_rc(I_o)                                                 (digital partial sums)
//   y = scale * y + bias (digital bias) with scale = weight_per_siemens / v_read (x input_max
//   for analog layers). K = (M_pos - M_neg) v_read from the exact transfer matrix M of the
//   programmed tile (IR drop included), z_o ~ N(0, 1) fresh per read keyed by (seed, chip,
//   sample, timestep, layer, read) and counter (tile, o) (crossbar/normal.hpp), and Q the
//   first-order read-noise variance:
//   device (i, j) with relative noise sigma eps_ij changes column j's current by
//   sigma eps_ij M[j][i] V_i, so var(I_o) = sigma^2 sum_i V_i^2 (M_pos[i]^2 + M_neg[i]^2)
//   (offset scheme: the shared reference column's draw is subtracted from every output).
//   Read energy of a tile: E = t_read V^T S V = t_read sum_i V_i I_source,i.
// Tiles with no active row are not read: no noise, no ADC conversion, no energy.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "crossbar/converter.hpp"
#include "crossbar/params.hpp"

namespace crossbar {

struct chip_params {
    crossbar_params crossbar;
    device_params device;
    wire_params wires;
    adc_params adc;
    void validate() const;
};

// One synaptic layer as the crossbar sees it.
struct layer_matrix {
    int in = 0, out = 0;        // rows (inputs) and columns (outputs) of the logical matrix
    std::vector<float> weight;  // [in][out] row-major, i.e. W^T: row i = weights from input i
    std::vector<float> bias;    // [out], may be empty
    bool binary_input = true;   // spikes (any non-zero = 1, driving v_read) or analog in [0, input_max] through the DAC
    float input_max = 1.0f;     // analog full-scale input, > 0
};

// Identifies one read for the read-noise stream. `read` tells apart MVMs of the same layer
// at the same sample and timestep, e.g. the output position of a convolution.
struct read_key {
    std::uint64_t sample, timestep, read;
};

// Work done by MVMs, for the energy model; accumulated (+=) by each call.
struct mvm_counts {
    std::uint64_t tile_reads = 0;       // tiles with at least one active row
    std::uint64_t row_activations = 0;  // active rows summed over tiles read (row driver pulses)
    std::uint64_t dac_conversions = 0;  // analog row inputs converted, summed over tiles read
    std::uint64_t adc_conversions = 0;  // tile outputs digitized
    double read_energy_j = 0;           // t_read * V^T S V summed over tiles read [J]
};

// Geometry and scales of one mapped layer.
struct layer_layout {
    int in = 0, out = 0;
    int logical_rows = 0;       // in, plus one for a bias row
    bool bias_row = false;
    int row_tiles = 0, col_tiles = 0;
    int outputs_per_tile = 0;   // tile_cols / 2 (differential) or tile_cols - 1 (offset)
    double w_max = 0;           // clip magnitude: |w| mapped to the full conductance swing [weight units]
    double output_scale = 0;    // weight units per ampere of digitized tile current
};

// One programmed tile and the data its reads need.
struct tile {
    int row0 = 0, rows_used = 0;  // logical rows [row0, row0 + rows_used) on physical rows 0..
    int out0 = 0, outs_used = 0;  // outputs [out0, out0 + outs_used)
    std::vector<double> g_s;      // [tile_rows * tile_cols] programmed conductances, row-major [S]
    int stride = 0;               // floats per row of kq: outs_used, or 2 * outs_used with read noise
    std::vector<float> kq;        // [rows_used][stride]: K, output current per unit input level [A],
                                  // then with read noise Q, its variance per unit level^2 [A^2]
    std::vector<float> q_ref_a2;  // [rows_used] offset scheme: reference column's variance [A^2]
    std::vector<float> e_j;       // [rows_used][rows_used] t_read v_read^2 S: energy per level pair [J]
    double worst_a = 0;           // max_o sum_i |K[i][o]|: largest possible |I| [A]
    double calib_max_a = 0;       // largest noiseless |I| seen on calibration inputs [A]
    adc_converter adc;
};

class chip {
public:
    // Programs every tile of every layer. Throws std::invalid_argument on inconsistent
    // layer matrices and spikebar::config_error on invalid params. Tiles are built in
    // parallel (OpenMP); the result does not depend on the thread count.
    chip(const std::vector<layer_matrix>& layers, const chip_params& p, std::uint64_t seed,
         std::uint64_t chip_index);

    int num_layers() const { return int(layers_.size()); }
    const layer_layout& layout(int layer) const { return layers_[layer].layout; }
    const tile& tile_at(int layer, int row_tile, int col_tile) const;
    const chip_params& params() const { return p_; }

    // ADC full scale (range = calibrated): headroom * the largest noiseless |I| of each tile
    // over these inputs, x [n_vectors][in]. Repeated calls widen the range. Until a tile has
    // seen a non-zero current its full scale is worst_a, which never saturates.
    void calibrate_adc(int layer, const float* x, std::size_t n_vectors);

    // y[out] = crossbar estimate of bias + W x for one input vector x[in]. Read energy [J]
    // is added to *read_energy_j when non-null. No allocation; safe to call concurrently.
    void mvm(int layer, const float* x, float* y, read_key key, double* read_energy_j) const;
    void mvm(int layer, const float* x, float* y, read_key key, mvm_counts* counts) const;
    // Binary layers, event-driven: `active` lists the inputs that spiked, ascending. Equal
    // to mvm() with x = the indicator vector of `active`, bit for bit.
    void mvm_spikes(int layer, const std::int32_t* active, int n_active, float* y, read_key key,
                    mvm_counts* counts) const;

    // An analog read split at the noise, for an input that repeats (the first layer under
    // direct encoding sees the same image at every timestep). mvm_noiseless stores into
    // state[read_state_floats(layer)], for every tile read, the noiseless current
    // sum_i d_i K[i][o] [A] and the noise standard deviation sqrt(sum_i d_i^2 Q[i][o]) [A],
    // and adds the read's work (counts, read energy) to *counts; mvm_from_state then adds
    // fresh read noise keyed by `key`, digitizes and finishes. Together they equal
    // mvm(layer, x, y, key, counts) bit for bit, for every key the state is reused with.
    std::size_t read_state_floats(int layer) const;
    void mvm_noiseless(int layer, const float* x, float* state, mvm_counts* counts) const;
    void mvm_from_state(int layer, const float* state, float* y, read_key key) const;

    // Read energy of one tile for row voltages v_v[rows_used] on its used rows (the others at
    // 0 V): t_read V^T S V = t_read sum_i V_i I_source,i [J].
    double tile_read_energy_j(int layer, int row_tile, int col_tile, const double* v_v) const;

private:
    struct layer_data {
        layer_layout layout;
        bool binary_input = true;
        float input_max = 1;
        std::vector<float> bias_digital;  // [out], zeros when none or on a bias row
        std::vector<tile> tiles;          // [row_tiles][col_tiles]
        std::vector<std::vector<float>> e_row;  // [row_tiles]: sum over the row's tiles of e_j
    };

    // Shared kernel: row tile rt with n active rows act[] at levels lev[]. `store` = false:
    // draws noise and digitizes into y; true: stores the tiles' noiseless currents and
    // noise deviations into `state` (layout: read_state_floats) instead. A template, so
    // that the per-step read compiles as it did before the split.
    template <bool store>
    void read_row_tile(const layer_data& L, int rt, const int* act, const float* lev, int n,
                       float* y, std::uint64_t nkey, mvm_counts* counts, float* state) const;
    // Noise, ADC and partial sums of row tile rt from its stored state.
    void row_tile_from_state(const layer_data& L, int rt, const float* state, float* y,
                             std::uint64_t nkey) const;
    // Analog row levels of row tile rt: act[] and lev[] of its driven rows; returns n.
    int analog_rows(const layer_data& L, int rt, const float* x, int* act, float* lev) const;
    std::uint64_t noise_key(int layer, const read_key& key) const;
    void finish(const layer_data& L, float* y) const;

    chip_params p_;
    std::uint64_t seed_, chip_index_;
    std::uint64_t noise_prefix_;  // hash_key({seed, read_noise, chip})
    std::vector<layer_data> layers_;
};

}  // namespace crossbar
