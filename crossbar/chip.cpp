#include "crossbar/chip.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <exception>
#include <stdexcept>
#include <string>

#include "common/rng.hpp"
#include "crossbar/device.hpp"
#include "crossbar/ir_drop.hpp"
#include "crossbar/kernels.hpp"
#include "crossbar/normal.hpp"

namespace crossbar {

void chip_params::validate() const {
    crossbar.validate();
    device.validate();
    wires.validate();
    adc.validate();
}

namespace {

constexpr int max_tile = 512;  // tile_rows, tile_cols <= 512 (crossbar_params::validate)

void check_layer(const layer_matrix& m, std::size_t index) {
    const std::string where = "crossbar layer " + std::to_string(index) + ": ";
    if (m.in < 1 || m.out < 1)
        throw std::invalid_argument(where + "in and out must be >= 1, got " +
                                    std::to_string(m.in) + " x " + std::to_string(m.out));
    if (m.weight.size() != std::size_t(m.in) * std::size_t(m.out))
        throw std::invalid_argument(where + "weight holds " + std::to_string(m.weight.size()) +
                                    " values, in * out = " + std::to_string(long(m.in) * m.out));
    if (!m.bias.empty() && m.bias.size() != std::size_t(m.out))
        throw std::invalid_argument(where + "bias holds " + std::to_string(m.bias.size()) +
                                    " values, out = " + std::to_string(m.out));
    if (!(m.input_max > 0))
        throw std::invalid_argument(where + "input_max must be > 0");
}

}  // namespace

chip::chip(const std::vector<layer_matrix>& layers, const chip_params& p, std::uint64_t seed,
           std::uint64_t chip_index)
    : p_(p),
      seed_(seed),
      chip_index_(chip_index),
      noise_prefix_(spikebar::hash_key({seed, std::uint64_t(stream::read_noise), chip_index})) {
    p_.validate();
    const crossbar_params& xp = p_.crossbar;
    const int R = xp.tile_rows, C = xp.tile_cols;
    const bool diff = xp.mapping == mapping_scheme::differential;
    const int opt = diff ? C / 2 : C - 1;
    const double v_read = xp.v_read_v;

    struct job {
        int layer, rt, ct;
    };
    std::vector<job> jobs;
    std::vector<weight_mapper> mappers(layers.size());
    layers_.resize(layers.size());
    for (std::size_t l = 0; l < layers.size(); ++l) {
        const layer_matrix& m = layers[l];
        check_layer(m, l);
        layer_data& L = layers_[l];
        layer_layout& lay = L.layout;
        lay.in = m.in;
        lay.out = m.out;
        lay.bias_row = xp.bias == bias_mode::row && !m.bias.empty();
        lay.logical_rows = m.in + (lay.bias_row ? 1 : 0);
        lay.row_tiles = (lay.logical_rows + R - 1) / R;
        lay.outputs_per_tile = opt;
        lay.col_tiles = (m.out + opt - 1) / opt;
        double w_max = clip_magnitude(m.weight.data(), m.weight.size(), xp.weight_clip_percentile);
        if (!(w_max > 0)) w_max = 1;  // all-zero layer: any scale maps it to G_off
        lay.w_max = w_max;
        mappers[l] = weight_mapper{w_max, p_.device, xp.mapping};
        lay.output_scale = mappers[l].weight_per_siemens() / v_read *
                           (m.binary_input ? 1.0 : double(m.input_max));
        L.binary_input = m.binary_input;
        L.input_max = m.input_max;
        L.bias_digital.assign(m.out, 0.0f);
        if (!lay.bias_row && !m.bias.empty()) L.bias_digital = m.bias;
        L.tiles.resize(std::size_t(lay.row_tiles) * lay.col_tiles);
        for (int rt = 0; rt < lay.row_tiles; ++rt)
            for (int ct = 0; ct < lay.col_tiles; ++ct) jobs.push_back({int(l), rt, ct});
    }

    const double sigma = p_.device.read_noise_sigma;
    std::exception_ptr error;
#pragma omp parallel for schedule(dynamic, 1)
    for (std::size_t jn = 0; jn < jobs.size(); ++jn) {
        try {
            const job jb = jobs[jn];
            const layer_matrix& m = layers[jb.layer];
            layer_data& L = layers_[jb.layer];
            const layer_layout& lay = L.layout;
            const weight_mapper& map = mappers[jb.layer];
            const std::uint64_t tile_index = std::uint64_t(jb.rt) * lay.col_tiles + jb.ct;
            tile& t = L.tiles[tile_index];
            t.row0 = jb.rt * R;
            t.rows_used = std::min(R, lay.logical_rows - t.row0);
            t.out0 = jb.ct * opt;
            t.outs_used = std::min(opt, lay.out - t.out0);

            // Targets: unused devices sit at G_off; the offset reference column at G_ref.
            std::vector<double> g(std::size_t(R) * C, p_.device.g_off_s);
            const double bias_level = m.binary_input ? 1.0 : double(m.input_max);
            for (int i = 0; i < t.rows_used; ++i) {
                const int lr = t.row0 + i;
                for (int o = 0; o < t.outs_used; ++o) {
                    const int lo = t.out0 + o;
                    const double w = lr < m.in ? double(m.weight[std::size_t(lr) * m.out + lo])
                                               : double(m.bias[lo]) / bias_level;
                    double gp, gn;
                    map.targets(w, &gp, &gn);
                    if (diff) {
                        g[std::size_t(i) * C + 2 * o] = gp;
                        g[std::size_t(i) * C + 2 * o + 1] = gn;
                    } else {
                        g[std::size_t(i) * C + o] = gp;
                    }
                }
                if (!diff) g[std::size_t(i) * C + C - 1] = map.reference_s();
            }
            for (int i = 0; i < R; ++i)
                for (int j = 0; j < C; ++j) {
                    double& gij = g[std::size_t(i) * C + j];
                    gij = program_device(gij, p_.device,
                                         device_key{seed_, chip_index_, std::uint64_t(jb.layer),
                                                    tile_index, i, j});
                }

            const transfer tr = build_transfer(g.data(), R, C, p_.wires);
            t.g_s = std::move(g);
            const int nr = t.rows_used, no = t.outs_used;
            t.stride = sigma > 0 ? 2 * no : no;
            t.kq.resize(std::size_t(nr) * t.stride);
            std::vector<double> col_abs(no, 0.0);
            const double s2v2 = sigma * sigma * v_read * v_read;
            for (int i = 0; i < nr; ++i) {
                for (int o = 0; o < no; ++o) {
                    const int jp = diff ? 2 * o : o, jn2 = diff ? 2 * o + 1 : C - 1;
                    const double mp = tr.m_s(jp, i), mn = tr.m_s(jn2, i);
                    const double k = (mp - mn) * v_read;
                    t.kq[std::size_t(i) * t.stride + o] = float(k);
                    col_abs[o] += std::abs(k);
                    if (sigma > 0)
                        t.kq[std::size_t(i) * t.stride + no + o] =
                            float(s2v2 * (diff ? mp * mp + mn * mn : mp * mp));
                }
            }
            if (sigma > 0 && !diff) {
                t.q_ref_a2.resize(nr);
                for (int i = 0; i < nr; ++i) {
                    const double mr = tr.m_s(C - 1, i);
                    t.q_ref_a2[i] = float(s2v2 * mr * mr);
                }
            }
            t.e_j.resize(std::size_t(nr) * nr);
            const double ev = p_.crossbar.t_read_s * v_read * v_read;
            for (int i = 0; i < nr; ++i)
                for (int k = 0; k < nr; ++k) t.e_j[std::size_t(i) * nr + k] = float(ev * tr.s_s(i, k));
            t.worst_a = *std::max_element(col_abs.begin(), col_abs.end());
            const double fs = p_.adc.range == adc_range::fixed
                                  ? p_.adc.fixed_range_a
                                  : (t.worst_a > 0 ? t.worst_a : p_.adc.fixed_range_a);
            t.adc = adc_converter(p_.adc.bits, fs);
        } catch (...) {
#pragma omp critical(crossbar_chip_error)
            if (!error) error = std::current_exception();
        }
    }
    if (error) std::rethrow_exception(error);
    for (layer_data& L : layers_) {
        const layer_layout& lay = L.layout;
        L.e_row.resize(lay.row_tiles);
        for (int rt = 0; rt < lay.row_tiles; ++rt) {
            const int nr = L.tiles[std::size_t(rt) * lay.col_tiles].rows_used;
            std::vector<double> sum(std::size_t(nr) * nr, 0.0);
            for (int ct = 0; ct < lay.col_tiles; ++ct) {
                const tile& t = L.tiles[std::size_t(rt) * lay.col_tiles + ct];
                for (std::size_t i = 0; i < sum.size(); ++i) sum[i] += double(t.e_j[i]);
            }
            L.e_row[rt].assign(sum.begin(), sum.end());
        }
    }
}

const tile& chip::tile_at(int layer, int row_tile, int col_tile) const {
    const layer_data& L = layers_.at(layer);
    if (row_tile < 0 || row_tile >= L.layout.row_tiles || col_tile < 0 ||
        col_tile >= L.layout.col_tiles)
        throw std::out_of_range("crossbar tile index out of range");
    return L.tiles[std::size_t(row_tile) * L.layout.col_tiles + col_tile];
}

void chip::calibrate_adc(int layer, const float* x, std::size_t n_vectors) {
    layer_data& L = layers_.at(layer);
    const layer_layout& lay = L.layout;
    const int R = p_.crossbar.tile_rows;
    std::array<int, max_tile> act;
    std::array<float, max_tile> lev;
    std::array<float, max_tile> acc;
    for (std::size_t v = 0; v < n_vectors; ++v) {
        const float* xv = x + v * std::size_t(lay.in);
        for (int rt = 0; rt < lay.row_tiles; ++rt) {
            int n = 0;
            const int row0 = rt * R, rows = std::min(R, lay.logical_rows - row0);
            for (int i = 0; i < rows; ++i) {
                const int lr = row0 + i;
                const float d = lr >= lay.in ? 1.0f
                                : L.binary_input ? (xv[lr] != 0 ? 1.0f : 0.0f)
                                                 : dac_level(xv[lr], L.input_max, p_.crossbar.dac_bits);
                if (d != 0) {
                    act[n] = i;
                    lev[n++] = d;
                }
            }
            if (n == 0) continue;
            for (int ct = 0; ct < lay.col_tiles; ++ct) {
                tile& t = L.tiles[std::size_t(rt) * lay.col_tiles + ct];
                const int no = t.outs_used;
                std::fill(acc.begin(), acc.begin() + no, 0.0f);
                for (int a = 0; a < n; ++a) {
                    const float* kr = t.kq.data() + std::size_t(act[a]) * t.stride;
                    const float la = lev[a];
                    for (int o = 0; o < no; ++o) acc[o] += la * kr[o];
                }
                for (int o = 0; o < no; ++o)
                    t.calib_max_a = std::max(t.calib_max_a, double(std::abs(acc[o])));
            }
        }
    }
    if (p_.adc.range != adc_range::calibrated) return;
    for (tile& t : L.tiles)
        if (t.calib_max_a > 0) t.adc = adc_converter(p_.adc.bits, p_.adc.headroom * t.calib_max_a);
}

namespace {

// y[o] += ADC(a[o]) for the tile's outputs (ideal ADC: y[o] += a[o]).
inline void digitize_add(const tile& t, const float* __restrict a, float* __restrict yo) {
    const int no = t.outs_used;
    if (t.adc.bits == 0) {
        for (int o = 0; o < no; ++o) yo[o] += a[o];
    } else {
        const float inv_step = 1.0f / t.adc.step_a, step = t.adc.step_a;
        const float lo = t.adc.code_lo, hi = t.adc.code_hi;
        for (int o = 0; o < no; ++o)
            yo[o] += std::min(std::max(std::floor(a[o] * inv_step + 0.5f), lo), hi) * step;
    }
}

// Floats of one tile's read state: outputs_per_tile currents, as many deviations, and the
// offset reference's deviation.
// (A tile holds at most min(outputs_per_tile, out) outputs.)
inline int tile_state_floats(const layer_layout& lay) {
    return 2 * std::min(lay.outputs_per_tile, lay.out) + 1;
}

// The read-noise draws of one row tile's read. Tile ti draws counters
// [ti * per_tile, ti * per_tile + draws) of the read's stream nkey (stream (seed,
// read_noise, chip, sample, timestep, layer, read)), output o drawing ti * per_tile + o and
// the offset reference o = outputs_per_tile; per_tile is even, so the draws of consecutive
// tiles of the row are whole consecutive pairs and come from one vector pass per group of
// `group` tiles.
class row_noise {
public:
    row_noise(const layer_layout& lay, bool offset_ref)
        : draws_(lay.outputs_per_tile + (offset_ref ? 1 : 0)),
          per_tile_(draws_ + (draws_ & 1)),
          group_(int(z_.size()) / per_tile_) {}
    // The draws of the tile in column ct (tile_index in the layer), generating its group's
    // when ct starts one; columns must be visited in ascending order.
    const float* tile(std::uint64_t nkey, std::size_t tile_index, int ct, int col_tiles) {
        if (ct % group_ == 0) {
            const int tiles = std::min(group_, col_tiles - ct);
            fast_normals(spikebar::counter_rng{nkey}, tile_index * std::uint64_t(per_tile_ / 2),
                         tiles * per_tile_, z_.data());
        }
        return z_.data() + (ct % group_) * per_tile_;
    }

private:
    int draws_, per_tile_, group_;
    std::array<float, 2 * max_tile> z_;
};

}  // namespace

template <bool store>
void chip::read_row_tile(const layer_data& L, int rt, const int* act, const float* lev, int n,
                         float* y, std::uint64_t nkey, mvm_counts* counts, float* state) const {
    const layer_layout& lay = L.layout;
    const bool noise = p_.device.read_noise_sigma > 0;
    const bool binary = L.binary_input;
    std::array<float, 2 * max_tile> acc;
    std::array<float, max_tile> lev2;
    if (noise && !binary)
        for (int a = 0; a < n; ++a) lev2[a] = lev[a] * lev[a];
    const bool offset_ref = p_.crossbar.mapping == mapping_scheme::offset;
    const int ts = tile_state_floats(lay);
    row_noise rn(lay, offset_ref);
    for (int ct = 0; ct < lay.col_tiles; ++ct) {
        const std::size_t tile_index = std::size_t(rt) * lay.col_tiles + ct;
        const tile& t = L.tiles[tile_index];
        const int no = t.outs_used;
        const float* zo = noise && !store ? rn.tile(nkey, tile_index, ct, lay.col_tiles) : nullptr;
        float* __restrict a_out = acc.data();
        float* __restrict v_out = acc.data() + no;  // K and Q rows are adjacent: one pass
        if (binary) {
            kernels::sum_rows<false>(t.kq.data(), t.stride, act, nullptr, n, t.stride, a_out);
        } else {
            kernels::sum_rows<true>(t.kq.data(), t.stride, act, lev, n, no, a_out);
            if (noise)
                kernels::sum_rows<true>(t.kq.data() + no, t.stride, act, lev2.data(), n, no, v_out);
        }
        float var_ref = 0;
        if (noise && offset_ref)
            for (int a = 0; a < n; ++a) var_ref += (binary ? 1.0f : lev2[a]) * t.q_ref_a2[act[a]];
        if constexpr (store) {
            float* __restrict cur = state + ct * ts;
            float* __restrict sd = cur + (ts - 1) / 2;
            for (int o = 0; o < no; ++o) cur[o] = a_out[o];
            for (int o = 0; o < no; ++o) sd[o] = noise ? std::sqrt(v_out[o]) : 0.0f;
            sd[(ts - 1) / 2] = std::sqrt(var_ref);
        } else {
            if (noise) {
                const float ref = offset_ref ? std::sqrt(var_ref) * zo[lay.outputs_per_tile] : 0.0f;
                for (int o = 0; o < no; ++o) a_out[o] += std::sqrt(v_out[o]) * zo[o] - ref;
            }
            digitize_add(t, a_out, y + t.out0);
        }
        if (counts) {
            ++counts->tile_reads;
            counts->row_activations += std::uint64_t(n);
            if (!binary) counts->dac_conversions += std::uint64_t(n);
            counts->adc_conversions += std::uint64_t(no);
        }
    }
    if (counts) {
        // Every tile of the row sees the same voltages: one quadratic form on the sum E of
        // their energy matrices, d^T E d = sum_b d_b u_b with u = sum_a d_a E[act_a], the
        // rows summed as vectors by the same kernel as K (no serial chain over pairs).
        const std::vector<float>& e = L.e_row[rt];
        const int nr = L.tiles[std::size_t(rt) * lay.col_tiles].rows_used;
        float* __restrict u = acc.data();
        double energy = 0;
        if (binary) {
            kernels::sum_rows<false>(e.data(), nr, act, nullptr, n, nr, u);
            for (int a = 0; a < n; ++a) energy += double(u[act[a]]);
        } else {
            kernels::sum_rows<true>(e.data(), nr, act, lev, n, nr, u);
            for (int a = 0; a < n; ++a) energy += double(lev[a]) * double(u[act[a]]);
        }
        counts->read_energy_j += energy;
    }
}

void chip::row_tile_from_state(const layer_data& L, int rt, const float* state, float* y,
                               std::uint64_t nkey) const {
    // The second half of read_row_tile, on the stored currents and deviations: the same
    // draws and the same operations in the same order.
    const layer_layout& lay = L.layout;
    const bool noise = p_.device.read_noise_sigma > 0;
    const bool offset_ref = p_.crossbar.mapping == mapping_scheme::offset;
    const int ts = tile_state_floats(lay);
    std::array<float, max_tile> acc;
    row_noise rn(lay, offset_ref);
    for (int ct = 0; ct < lay.col_tiles; ++ct) {
        const std::size_t tile_index = std::size_t(rt) * lay.col_tiles + ct;
        const tile& t = L.tiles[tile_index];
        const int no = t.outs_used;
        const float* __restrict cur = state + ct * ts;
        const float* __restrict sd = cur + (ts - 1) / 2;
        if (!noise) {
            digitize_add(t, cur, y + t.out0);
            continue;
        }
        const float* __restrict zo = rn.tile(nkey, tile_index, ct, lay.col_tiles);
        const float ref = offset_ref ? sd[(ts - 1) / 2] * zo[lay.outputs_per_tile] : 0.0f;
        float* __restrict a = acc.data();
        for (int o = 0; o < no; ++o) a[o] = cur[o] + (sd[o] * zo[o] - ref);
        digitize_add(t, a, y + t.out0);
    }
}

std::size_t chip::read_state_floats(int layer) const {
    const layer_layout& lay = layers_.at(layer).layout;
    return std::size_t(lay.row_tiles) * (1 + std::size_t(lay.col_tiles) * tile_state_floats(lay));
}

int chip::analog_rows(const layer_data& L, int rt, const float* x, int* act, float* lev) const {
    // DAC levels as one vector loop, then the driven rows in ascending order.
    const layer_layout& lay = L.layout;
    const int R = p_.crossbar.tile_rows;
    const int row0 = rt * R, rows = std::min(R, lay.logical_rows - row0);
    const int real = std::min(rows, lay.in - row0);
    const float x_max = L.input_max;
    const int bits = p_.crossbar.dac_bits;
    std::array<float, max_tile> dac;
    float* __restrict d = dac.data();
    for (int i = 0; i < real; ++i) d[i] = dac_level(x[row0 + i], x_max, bits);
    if (real < rows) d[real] = 1.0f;  // bias row, always driven
    int n = 0;
    for (int i = 0; i < rows; ++i)
        if (d[i] != 0) {
            act[n] = i;
            lev[n++] = d[i];
        }
    return n;
}

void chip::mvm_noiseless(int layer, const float* x, float* state, mvm_counts* counts) const {
    const layer_data& L = layers_.at(layer);
    if (L.binary_input) throw std::logic_error("crossbar mvm_noiseless on a spike-input layer");
    const layer_layout& lay = L.layout;
    std::array<int, max_tile> act;
    std::array<float, max_tile> lev;
    const std::size_t row_floats = 1 + std::size_t(lay.col_tiles) * tile_state_floats(lay);
    for (int rt = 0; rt < lay.row_tiles; ++rt) {
        float* s = state + rt * row_floats;
        const int n = analog_rows(L, rt, x, act.data(), lev.data());
        s[0] = n > 0 ? 1.0f : 0.0f;  // a row tile with no driven row is not read
        if (n > 0) read_row_tile<true>(L, rt, act.data(), lev.data(), n, nullptr, 0, counts, s + 1);
    }
}

void chip::mvm_from_state(int layer, const float* state, float* y, read_key key) const {
    const layer_data& L = layers_.at(layer);
    const layer_layout& lay = L.layout;
    const std::uint64_t nk = p_.device.read_noise_sigma > 0 ? noise_key(layer, key) : 0;
    const std::size_t row_floats = 1 + std::size_t(lay.col_tiles) * tile_state_floats(lay);
    std::fill(y, y + lay.out, 0.0f);
    for (int rt = 0; rt < lay.row_tiles; ++rt) {
        const float* s = state + rt * row_floats;
        if (s[0] != 0) row_tile_from_state(L, rt, s + 1, y, nk);
    }
    finish(L, y);
}

std::uint64_t chip::noise_key(int layer, const read_key& key) const {
    // = hash_key({seed, read_noise, chip, sample, timestep, layer, read}). The fold up to
    // `layer` is the same for every read of a conv layer at one (sample, timestep), so each
    // thread keeps its last one: a memo of a pure function of (prefix, sample, timestep,
    // layer), which no result can depend on.
    struct memo {
        bool valid;
        std::uint64_t prefix, sample, timestep, layer, key;
    };
    thread_local memo m{};
    const std::uint64_t l = std::uint64_t(layer);
    if (!m.valid || m.prefix != noise_prefix_ || m.sample != key.sample ||
        m.timestep != key.timestep || m.layer != l)
        m = {true, noise_prefix_, key.sample, key.timestep, l,
             spikebar::hash_extend(noise_prefix_, {key.sample, key.timestep, l})};
    return spikebar::hash_extend(m.key, {key.read});
}

void chip::finish(const layer_data& L, float* y) const {
    const float scale = float(L.layout.output_scale);
    for (int o = 0; o < L.layout.out; ++o) y[o] = y[o] * scale + L.bias_digital[o];
}

void chip::mvm(int layer, const float* x, float* y, read_key key, mvm_counts* counts) const {
    const layer_data& L = layers_[layer];
    const layer_layout& lay = L.layout;
    const int R = p_.crossbar.tile_rows;
    std::array<int, max_tile> act;
    std::array<float, max_tile> lev;
    const std::uint64_t nk = p_.device.read_noise_sigma > 0 ? noise_key(layer, key) : 0;
    std::fill(y, y + lay.out, 0.0f);
    for (int rt = 0; rt < lay.row_tiles; ++rt) {
        int n = 0;
        const int row0 = rt * R, rows = std::min(R, lay.logical_rows - row0);
        if (L.binary_input) {
            const int real = std::min(rows, lay.in - row0);
            for (int i = 0; i < real; ++i)
                if (x[row0 + i] != 0) act[n++] = i;
            if (real < rows) act[n++] = real;  // bias row, always driven
        } else {
            n = analog_rows(L, rt, x, act.data(), lev.data());
        }
        if (n > 0) read_row_tile<false>(L, rt, act.data(), lev.data(), n, y, nk, counts, nullptr);
    }
    finish(L, y);
}

void chip::mvm(int layer, const float* x, float* y, read_key key, double* read_energy_j) const {
    if (!read_energy_j) {
        mvm(layer, x, y, key, static_cast<mvm_counts*>(nullptr));
        return;
    }
    mvm_counts c;
    mvm(layer, x, y, key, &c);
    *read_energy_j += c.read_energy_j;
}

void chip::mvm_spikes(int layer, const std::int32_t* active, int n_active, float* y, read_key key,
                      mvm_counts* counts) const {
    const layer_data& L = layers_[layer];
    const layer_layout& lay = L.layout;
    if (!L.binary_input) throw std::logic_error("crossbar mvm_spikes on an analog-input layer");
    const int R = p_.crossbar.tile_rows;
    std::array<int, max_tile> act;
    const std::uint64_t nk = p_.device.read_noise_sigma > 0 ? noise_key(layer, key) : 0;
    std::fill(y, y + lay.out, 0.0f);
    int a = 0;
    for (int rt = 0; rt < lay.row_tiles; ++rt) {
        const int row0 = rt * R, row_end = std::min(row0 + R, lay.in);
        int n = 0;
        while (a < n_active && active[a] < row_end) act[n++] = active[a++] - row0;
        if (lay.bias_row && lay.in >= row0 && lay.in < row0 + R) act[n++] = lay.in - row0;
        if (n > 0) read_row_tile<false>(L, rt, act.data(), nullptr, n, y, nk, counts, nullptr);
    }
    finish(L, y);
}

double chip::tile_read_energy_j(int layer, int row_tile, int col_tile, const double* v_v) const {
    const tile& t = tile_at(layer, row_tile, col_tile);
    const double v_read = p_.crossbar.v_read_v;
    double e = 0;
    for (int i = 0; i < t.rows_used; ++i)
        for (int k = 0; k < t.rows_used; ++k)
            e += double(t.e_j[std::size_t(i) * t.rows_used + k]) * v_v[i] * v_v[k];
    return e / (v_read * v_read);
}

}  // namespace crossbar
