// Checks the time-major inference engine (snn/engine.hpp) against a slow reference
// forward written here, against the trainer's layer-major forward, and against itself
// under changes that must not matter: batch size, thread count, retiring other samples.
// Also checks the rate-encoding draws and fold_batchnorm (snn/model.hpp).
#include "snn/engine.hpp"

#include <doctest/doctest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "helpers.hpp"
#include "snn/kernels.hpp"
#include "snn/model.hpp"
#include "snn/synapse.hpp"
#include "snn/trainer.hpp"

using namespace snn;

namespace {

model test_model(const std::string& layers, shape3 input, int T, const std::string& encoding,
                 double decay, const std::string& reset, double threshold,
                 double weight_gain,  // 1: make_model as is
                 std::uint64_t seed) {
    network_params net;
    net.layers = layers;
    net.timesteps = T;
    net.encoding = encoding;
    neuron_params lif;
    lif.decay = decay;
    lif.reset = reset;
    lif.threshold = threshold;
    model m = make_model(net, lif, input, seed);
    // Deeper layers see sparser spikes: the gain grows with depth so every layer fires.
    int q = 0;
    for (auto& s : m.layers) {
        if (s.weight.empty()) continue;
        const double gain = weight_gain == 1.0 ? 1.0 : weight_gain * ++q;
        for (auto& w : s.weight) w = static_cast<float>(w * gain);
    }
    return m;
}

// Images [n, C, H, W]; `levels` > 0 quantizes pixels to multiples of 1/levels.
std::vector<float> random_images(std::uint64_t seed, std::size_t n, const shape3& in, int levels) {
    spikebar::counter_stream s{seed, 0x1A6E};
    std::vector<float> img(n * in.size());
    for (auto& p : img) {
        const double u = s.uniform();
        p = levels > 0 ? static_cast<float>(std::floor(u * (levels + 1)) / levels)
                       : static_cast<float>(u);
    }
    return img;
}

// Everything observable after each step: [n][T][K + sum of lif sizes (v) + same (s) + counts].
struct recording {
    std::size_t per_step = 0;
    std::vector<float> data;
    const float* at(std::size_t sample, int t) const {
        return data.data() + (sample * T + t) * per_step;
    }
    int T = 0;
};

void snapshot(const engine& e, int slot, float* dst) {
    const int K = e.num_classes();
    std::copy(e.logits(slot), e.logits(slot) + K, dst);
    dst += K;
    for (int j = 0; j < e.num_lif_layers(); ++j) {
        const int n = e.lif_layer_size(j);
        std::copy(e.membrane(slot, j), e.membrane(slot, j) + n, dst);
        std::copy(e.spikes(slot, j), e.spikes(slot, j) + n, dst + n);
        dst += 2 * n;
        *dst++ = static_cast<float>(e.spike_count(slot, j));
    }
}

recording record(const model& m, const std::vector<float>& images, std::size_t n, std::size_t batch,
                 std::uint64_t enc_seed) {
    const ideal_synapse syn(m);
    engine e(m, syn, enc_seed);
    recording r;
    r.T = m.timesteps();
    r.per_step = m.num_classes();
    for (int j = 0; j < e.num_lif_layers(); ++j) r.per_step += 2 * e.lif_layer_size(j) + 1;
    r.data.assign(n * r.T * r.per_step, 0.0f);
    const std::size_t isz = m.arch.input.size();
    for (std::size_t first = 0; first < n; first += batch) {
        const std::size_t nb = std::min(batch, n - first);
        e.start(images.data() + first * isz, nb, first);
        for (int t = 0; t < r.T; ++t) {
            e.step();
            REQUIRE(e.timestep() == t + 1);
            for (std::size_t i = 0; i < nb; ++i)
                snapshot(e, static_cast<int>(i),
                         r.data.data() + ((first + i) * r.T + t) * r.per_step);
        }
    }
    return r;
}

bool same_bits(const recording& a, const recording& b) {
    return a.data.size() == b.data.size() &&
           std::memcmp(a.data.data(), b.data.data(), a.data.size() * sizeof(float)) == 0;
}

// Total spikes of each lif layer over a recording (to show a test is not vacuous).
std::vector<double> spike_totals(const model& m, const recording& r, std::size_t n) {
    const ideal_synapse syn(m);
    const engine e(m, syn);
    std::vector<double> tot(e.num_lif_layers(), 0.0);
    for (std::size_t i = 0; i < n; ++i)
        for (int t = 0; t < r.T; ++t) {
            const float* p = r.at(i, t) + m.num_classes();
            for (int j = 0; j < e.num_lif_layers(); ++j) {
                p += 2 * e.lif_layer_size(j);
                tot[j] += *p++;
            }
        }
    return tot;
}

const char* const net_layers =
    "conv:16:3, lif, maxpool:2, conv:17:3:2:1, lif, flatten, linear:32, lif, linear:10";
const shape3 net_input{2, 10, 10};

}  // namespace

TEST_CASE("engine results are bit-identical for batch sizes 1, 7 and 64") {
    const std::uint64_t seed = snn_test::base_seed();
    INFO("seed " << seed);
    for (const char* enc : {"direct", "rate"}) {
        INFO("encoding " << std::string(enc));
        const model m = test_model(net_layers, net_input, 4, enc, 0.5, "hard", 1.0, 2.0, seed);
        const auto images = random_images(seed, 64, net_input, 0);
        const recording r64 = record(m, images, 64, 64, seed);
        for (double total : spike_totals(m, r64, 64)) CHECK(total > 100);
        CHECK(same_bits(r64, record(m, images, 64, 7, seed)));
        CHECK(same_bits(r64, record(m, images, 64, 1, seed)));
    }
}

TEST_CASE("engine results are bit-identical for 1 and 2 OpenMP threads") {
    const std::uint64_t seed = snn_test::base_seed() + 1;
    INFO("seed " << seed);
    const int saved = omp_get_max_threads();
    for (const char* reset : {"hard", "soft"}) {
        INFO("reset " << std::string(reset));
        const model m = test_model(net_layers, net_input, 4, "direct", 0.75, reset, 1.0, 2.0, seed);
        const auto images = random_images(seed, 64, net_input, 0);
        omp_set_num_threads(1);
        const recording one = record(m, images, 64, 64, seed);
        omp_set_num_threads(2);
        const recording two = record(m, images, 64, 64, seed);
        omp_set_num_threads(saved);
        CHECK(same_bits(one, two));
    }
}

TEST_CASE("retiring samples mid-run leaves the remaining ones bit-identical to a full run") {
    const std::uint64_t seed = snn_test::base_seed() + 2;
    INFO("seed " << seed);
    const int T = 5;
    const std::size_t n = 16;
    const model m = test_model(net_layers, net_input, T, "rate", 0.5, "hard", 1.0, 2.0, seed);
    const auto images = random_images(seed, n, net_input, 0);
    const recording full = record(m, images, n, n, seed);

    const ideal_synapse syn(m);
    engine e(m, syn, seed);
    e.start(images.data(), n, 0);
    std::vector<float> snap(full.per_step);
    auto check_active = [&](int t) {
        int bad = 0;
        for (int slot : e.active()) {
            snapshot(e, slot, snap.data());
            bad += std::memcmp(snap.data(), full.at(slot, t - 1), snap.size() * sizeof(float)) != 0;
        }
        CHECK(bad == 0);
    };
    e.step();
    e.step();
    check_active(2);
    std::vector<unsigned char> flags(n, 0);
    for (int i : {0, 3, 4, 9, 15}) flags[i] = 1;
    e.retire(flags);
    CHECK(e.active() == std::vector<int>{1, 2, 5, 6, 7, 8, 10, 11, 12, 13, 14});
    e.step();
    check_active(3);
    // Flags index the current active list: drop its 1st and last entries (slots 1 and 14).
    std::vector<unsigned char> flags2(e.active().size(), 0);
    flags2.front() = flags2.back() = 1;
    e.retire(flags2);
    CHECK(e.active() == std::vector<int>{2, 5, 6, 7, 8, 10, 11, 12, 13});
    e.step();
    check_active(4);
    e.step();
    check_active(5);
}

TEST_CASE("rate encoding draws depend only on (seed, sample index, t)") {
    // A readout of identity weights right after flatten shows the encoded input itself:
    // logits[(y*W + x)*C + c] = (u < pixel), u = counter_rng{seed, sample, t}.uniform(c*H*W + y*W +
    // x).
    const shape3 in{2, 3, 3};
    const int n_in = in.size();
    model m = test_model("flatten, linear:" + std::to_string(n_in), in, 6, "rate", 0.5, "hard", 1.0,
                         1.0, 7);
    auto& s = m.layers[1];
    std::fill(s.weight.begin(), s.weight.end(), 0.0f);
    for (int i = 0; i < n_in; ++i) s.weight[i * n_in + i] = 1.0f;
    std::fill(s.bias.begin(), s.bias.end(), 0.0f);
    const std::uint64_t seed = snn_test::base_seed() + 3;
    INFO("seed " << seed);
    const auto images = random_images(seed, 8, in, 0);
    const ideal_synapse syn(m);

    // Expected draws for dataset index `sample`, image `img`.
    auto expected = [&](std::uint64_t enc_seed, std::size_t sample, const float* img, int t) {
        std::vector<float> e(n_in);
        const spikebar::counter_rng rng{enc_seed, sample, static_cast<std::uint64_t>(t)};
        for (int c = 0; c < in.c; ++c)
            for (int p = 0; p < in.h * in.w; ++p)
                e[p * in.c + c] = rng.uniform(static_cast<std::uint64_t>(c) * in.h * in.w + p) <
                                          img[c * in.h * in.w + p]
                                      ? 1.0f
                                      : 0.0f;
        return e;
    };
    // Samples 100..107 as one batch, then sample 105 alone, then 105 after retiring others.
    engine e(m, syn, seed);
    e.start(images.data(), 8, 100);
    engine single(m, syn, seed);
    single.start(images.data() + 5 * n_in, 1, 105);
    double ones = 0;
    for (int t = 1; t <= 6; ++t) {
        e.step();
        single.step();
        for (int slot : e.active()) {
            const auto exp = expected(seed, 100 + slot, images.data() + slot * n_in, t);
            CHECK(std::equal(exp.begin(), exp.end(), e.logits(slot)));
            for (float v : exp) ones += v;
        }
        CHECK(std::equal(single.logits(0), single.logits(0) + n_in, e.logits(5)));
        if (t == 2) {
            std::vector<unsigned char> flags(8, 1);
            flags[5] = 0;
            e.retire(flags);
        }
    }
    CHECK(ones > 0.2 * 6 * n_in * 3);  // the pixels are uniform in [0, 1): about half spike
    // Another seed, index or step gives other draws.
    const auto a = expected(seed, 100, images.data(), 1);
    int diff_seed = 0, diff_index = 0, diff_t = 0;
    for (int k = 0; k < 4; ++k) {
        diff_seed += expected(seed + 1 + k, 100, images.data(), 1) != a;
        diff_index += expected(seed, 101 + k, images.data(), 1) != a;
        diff_t += expected(seed, 100, images.data(), 2 + k) != a;
    }
    CHECK(diff_seed > 0);
    CHECK(diff_index > 0);
    CHECK(diff_t > 0);
}

namespace {

// Slow reference forward of one sample, written from DESIGN §3 and the header equations.
// Reductions run in the documented order ((ky, kx, ci) for conv, i for linear, bias
// first); with binary or dyadic inputs (pixels in {0, 1/2, 1}) and decay 1/2 or 1 every
// product is exact, so the result is bit-exact whether or not either side fuses multiply-adds.
struct reference_net {
    const model& m;
    std::vector<std::vector<float>> v;  // membrane per lif layer
    explicit reference_net(const model& mm) : m(mm) {
        for (const auto& l : m.arch.layers)
            if (l.kind == layer_kind::lif) v.emplace_back(l.out.size(), 0.0f);
    }
    // Returns the output of every layer at this step.
    std::vector<std::vector<float>> step(std::vector<float> x) {
        std::vector<std::vector<float>> outs;
        int j = 0;
        const float decay = float(m.lif.decay), th = float(m.lif.threshold),
                    vr = float(m.lif.v_reset);
        for (std::size_t i = 0; i < m.arch.layers.size(); ++i) {
            const auto& l = m.arch.layers[i];
            const auto& p = m.layers[i];
            std::vector<float> y(l.out.size());
            if (l.kind == layer_kind::conv) {
                const int k = l.kernel, cin = l.in.c, cout = l.out.c;
                for (int oy = 0; oy < l.out.h; ++oy)
                    for (int ox = 0; ox < l.out.w; ++ox)
                        for (int co = 0; co < cout; ++co) {
                            float acc = p.bias[co];
                            for (int ky = 0; ky < k; ++ky)
                                for (int kx = 0; kx < k; ++kx) {
                                    const int iy = oy * l.stride + ky - l.pad,
                                              ix = ox * l.stride + kx - l.pad;
                                    if (iy < 0 || iy >= l.in.h || ix < 0 || ix >= l.in.w) continue;
                                    for (int ci = 0; ci < cin; ++ci)
                                        acc += x[(iy * l.in.w + ix) * cin + ci] *
                                               p.weight[((ky * k + kx) * cin + ci) * cout + co];
                                }
                            y[(oy * l.out.w + ox) * cout + co] = acc;
                        }
            } else if (l.kind == layer_kind::linear) {
                for (int o = 0; o < l.out.c; ++o) {
                    float acc = p.bias[o];
                    for (int q = 0; q < l.in.size(); ++q) acc += x[q] * p.weight[q * l.out.c + o];
                    y[o] = acc;
                }
            } else if (l.kind == layer_kind::lif) {
                auto& vj = v[j++];
                for (int q = 0; q < l.out.size(); ++q) {
                    const float u = decay * vj[q] + x[q];
                    const bool fire = u >= th;
                    y[q] = fire ? 1.0f : 0.0f;
                    vj[q] = !fire ? u : m.lif.reset == "soft" ? u - th : vr;
                }
            } else if (l.kind == layer_kind::maxpool) {
                const int k = l.kernel, c = l.in.c;
                for (int oy = 0; oy < l.out.h; ++oy)
                    for (int ox = 0; ox < l.out.w; ++ox)
                        for (int ch = 0; ch < c; ++ch) {
                            float best = -INFINITY;
                            for (int ky = 0; ky < k; ++ky)
                                for (int kx = 0; kx < k; ++kx)
                                    best = std::max(
                                        best, x[((oy * k + ky) * l.in.w + ox * k + kx) * c + ch]);
                            y[(oy * l.out.w + ox) * c + ch] = best;
                        }
            } else if (l.kind == layer_kind::flatten) {
                y = x;
            } else {
                FAIL("reference_net does not model layer " << layer_kind_name(l.kind));
            }
            outs.push_back(y);
            x = std::move(y);
        }
        return outs;
    }
};

}  // namespace

TEST_CASE("engine equals a slow reference forward written from the documented equations") {
    const std::uint64_t seed = snn_test::base_seed() + 4;
    const std::size_t n = 6;
    struct variant {
        const char* encoding;
        double decay;
        const char* reset;
    };
    for (const variant& var : {variant{"direct", 0.5, "hard"}, variant{"rate", 0.5, "hard"},
                               variant{"direct", 1.0, "soft"}, variant{"rate", 1.0, "soft"}}) {
        INFO("seed " << seed << ": " << var.encoding << " decay " << var.decay << " " << var.reset);
        const int T = 4;
        const model m = test_model(net_layers, net_input, T, var.encoding, var.decay, var.reset,
                                   1.0, 2.0, seed);
        const auto images = random_images(seed, n, net_input, 2);  // pixels 0, 1/2, 1
        const recording r = record(m, images, n, 4, seed);
        const shape3& in = net_input;
        int bad = 0;
        double spikes = 0;
        for (std::size_t i = 0; i < n; ++i) {
            reference_net ref(m);
            const float* img = images.data() + i * in.size();
            for (int t = 1; t <= T; ++t) {
                std::vector<float> x(in.size());
                const spikebar::counter_rng rng{seed, i, static_cast<std::uint64_t>(t)};
                for (int c = 0; c < in.c; ++c)
                    for (int p = 0; p < in.h * in.w; ++p) {
                        const float pix = img[c * in.h * in.w + p];
                        x[p * in.c + c] =
                            std::string(var.encoding) == "direct"
                                ? pix
                                : (rng.uniform(std::uint64_t(c) * in.h * in.w + p) < pix ? 1.0f
                                                                                         : 0.0f);
                    }
                const auto outs = ref.step(x);
                // Same layout as snapshot(): logits, then (v, s, count) per lif layer.
                std::vector<float> expect(outs.back());
                int j = 0;
                for (std::size_t li = 0; li < m.arch.layers.size(); ++li) {
                    if (m.arch.layers[li].kind != layer_kind::lif) continue;
                    expect.insert(expect.end(), ref.v[j].begin(), ref.v[j].end());
                    expect.insert(expect.end(), outs[li].begin(), outs[li].end());
                    float count = 0;
                    for (float s : outs[li]) count += s;
                    expect.push_back(count);
                    spikes += count;
                    ++j;
                }
                bad +=
                    std::memcmp(expect.data(), r.at(i, t - 1), expect.size() * sizeof(float)) != 0;
            }
        }
        CHECK(bad == 0);
        CHECK(spikes > 50);
    }
}

TEST_CASE("engine logits equal the trainer's layer-major forward of the same BN-free model") {
    // Both sides reduce in one documented order through the same kernels, so the TET loss
    // and accuracy the trainer computes from its forward must equal, bit for bit, those
    // computed by backprop::tet_loss from the engine's O_t.
    const std::uint64_t seed = snn_test::base_seed() + 5;
    INFO("seed " << seed);
    const int T = 3, B = 9, K = 10;
    const model m = test_model(net_layers, net_input, T, "direct", 0.6, "hard", 1.0, 2.0, seed);
    dataset d;
    d.channels = net_input.c;
    d.height = net_input.h;
    d.width = net_input.w;
    d.num_classes = K;
    d.images = random_images(seed, B + 3, net_input, 0);
    for (int i = 0; i < B + 3; ++i) d.labels.push_back(static_cast<std::uint8_t>(i % K));
    // A batch in a shuffled order, skipping some samples.
    const std::vector<std::size_t> idx = {4, 0, 11, 2, 7, 5, 9, 1, 8};
    std::vector<float> batch_images;
    std::vector<std::uint8_t> labels;
    for (std::size_t i : idx) {
        batch_images.insert(batch_images.end(), d.image(i), d.image(i) + d.image_size());
        labels.push_back(d.labels[i]);
    }
    const recording r = record(m, batch_images, B, B, 0);
    std::vector<float> O(static_cast<std::size_t>(T) * B * K), dO(O.size());
    for (int t = 0; t < T; ++t)
        for (int b = 0; b < B; ++b)
            std::copy(r.at(b, t), r.at(b, t) + K, O.data() + (t * B + b) * K);
    train_params p;
    int correct = 0;
    const double engine_loss = backprop::tet_loss(T, B, K, O.data(), labels.data(), p.tet_lambda,
                                                  p.tet_phi, dO.data(), &correct);
    trainer tr(m, p, 1);
    const double trainer_loss = tr.loss_and_gradients(d, idx);
    CHECK(trainer_loss == engine_loss);
    for (double total : spike_totals(m, r, B)) CHECK(total > 10);
}

TEST_CASE("fold_batchnorm equals conv/linear followed by eval-mode bn within float rounding") {
    const std::uint64_t seed = snn_test::base_seed() + 6;
    INFO("seed " << seed);
    const shape3 in{3, 6, 5};
    model m = test_model("conv:5:3, bn, lif, flatten, linear:7, bn, lif, linear:3", in, 2, "direct",
                         0.5, "hard", 1.0, 1.0, seed);
    m.metadata["dataset"] = "synthetic";
    spikebar::counter_stream s{seed, 0xF01D};
    for (int i : {1, 5}) {
        auto& bn = m.layers[i];
        bn.bn_eps = 1e-3f;
        for (auto& g : bn.gamma)
            g = static_cast<float>(0.5 + 1.5 * s.uniform()) * (s.uniform() < 0.3 ? -1 : 1);
        for (auto& b : bn.beta) b = static_cast<float>(s.uniform() - 0.5);
        for (auto& mu : bn.running_mean) mu = static_cast<float>(2 * s.uniform() - 1);
        for (auto& var : bn.running_var) var = static_cast<float>(0.01 + 3 * s.uniform());
    }
    const model f = fold_batchnorm(m);
    CHECK_FALSE(f.has_batchnorm());
    CHECK(f.net.layers == "conv:5:3:1:1, lif, flatten, linear:7, lif, linear:3");
    REQUIRE(f.arch.layers.size() == 6);
    CHECK(f.metadata == m.metadata);
    CHECK(f.layers[5].weight == m.layers[7].weight);  // the readout has no bn

    // Engine-side currents of the folded layers (through the engine's synapse) against
    // conv/linear + bn((z - mean) / sqrt(var + eps) * gamma + beta) in double. Bound:
    // folding rounds each w' and b' once (u) and the float reduction of n + 1 terms adds
    // gamma_{n+1}: |err| <= gamma_{n+3} (sum |x w'| + |b'|).
    const ideal_synapse syn(f);
    auto check_layer = [&](int unfolded, int folded, const std::vector<float>& x) {
        const auto& l = m.arch.layers[unfolded];
        const auto& p = m.layers[unfolded];
        const auto& bn = m.layers[unfolded + 1];
        const auto& fw = f.layers[folded];
        std::vector<float> out(l.out.size());
        syn.forward({0, 1, folded}, x.data(), false, out.data());
        const int cout = l.out.c, rows = weight_rows(l), positions = l.out.h * l.out.w;
        int bad = 0;
        for (int pos = 0; pos < positions; ++pos)
            for (int co = 0; co < cout; ++co) {
                double z = p.bias[co], bound = std::abs(double(fw.bias[co]));
                const double scale =
                    bn.gamma[co] / std::sqrt(double(bn.running_var[co]) + double(bn.bn_eps));
                for (int r = 0; r < rows; ++r) {
                    double xv;
                    if (l.kind == layer_kind::conv) {
                        const int k = l.kernel, ky = r / (k * l.in.c), kx = (r / l.in.c) % k,
                                  ci = r % l.in.c;
                        const int iy = pos / l.out.w * l.stride + ky - l.pad,
                                  ix = pos % l.out.w * l.stride + kx - l.pad;
                        xv = (iy < 0 || iy >= l.in.h || ix < 0 || ix >= l.in.w)
                                 ? 0.0
                                 : x[(iy * l.in.w + ix) * l.in.c + ci];
                    } else {
                        xv = x[r];
                    }
                    z += xv * p.weight[std::size_t(r) * cout + co];
                    bound += std::abs(xv * p.weight[std::size_t(r) * cout + co] * scale);
                }
                const double y = (z - bn.running_mean[co]) * scale + bn.beta[co];
                bad += !(std::abs(out[pos * cout + co] - y) <=
                         snn_test::gamma_n(rows + 3, snn_test::u_float) * bound);
            }
        CHECK(bad == 0);
    };
    check_layer(0, 0, snn_test::random_values<float>(s, in.size(), 0, 1));
    check_layer(4, 3, snn_test::random_spikes<float>(s, m.arch.layers[4].in.size(), 0.4));
}

TEST_CASE("the engine refuses a model that still has bn layers") {
    const model m = test_model("conv:4:3, bn, lif, flatten, linear:3", {1, 5, 5}, 2, "direct", 0.5,
                               "hard", 1.0, 1.0, 1);
    const ideal_synapse syn(m);
    CHECK_THROWS_AS(engine(m, syn), std::invalid_argument);
}

// Reference: the IF update of snn/neuron.hpp written out for one neuron with a constant
// input current I, starting from v_init instead of 0.
TEST_CASE("v_init sets the membrane before the first step; levels make an ANN lif a QCFS step") {
    network_params net;
    net.layers = "flatten, linear:3, lif, linear:2";
    net.timesteps = 8;
    model m = make_model(net, neuron_params{}, {1, 1, 2}, 7);
    auto& st = m.layers[2].neuron;
    st.decay = {1.0f};
    st.threshold = {0.5f};
    st.reset = "soft";
    st.v_init = {0.25f};
    const ideal_synapse syn(m);
    engine e(m, syn);
    const std::vector<float> img = {0.3f, 0.8f};
    e.start(img.data(), 1, 0);
    std::vector<float> I(3);
    syn.forward({0, 1, 1}, img.data(), false, I.data());
    std::vector<double> v = {0.25, 0.25, 0.25};
    for (int t = 1; t <= 8; ++t) {
        e.step();
        for (int k = 0; k < 3; ++k) {
            const double u = v[k] + I[k];
            const bool s = u >= 0.5;
            v[k] = s ? u - 0.5 : u;
            INFO("t = " << t << ", neuron " << k);
            CHECK(e.spikes(0, 0)[k] == (s ? 1.0f : 0.0f));
            // Float against double over 8 additions of |u| < 2: 1e-5 is 100x that rounding.
            CHECK(e.membrane(0, 0)[k] == doctest::Approx(v[k]).epsilon(1e-5));
        }
    }

    // The same layer in an ANN with levels L = 4: h(x) = θ clip(floor(x L / θ + 1/2) / L, 0, 1).
    model a = m;
    a.net.kind = "ann";
    a.layers[2].neuron = {};
    a.layers[2].neuron.threshold = {0.5f};
    a.layers[2].neuron.levels = {4.0f};
    const ideal_synapse syn_a(a);
    engine ea(a, syn_a);
    ea.start(img.data(), 1, 0);
    ea.step();
    for (int k = 0; k < 3; ++k) {
        const double q = std::floor(double(I[k]) * 4 / 0.5 + 0.5) / 4;
        CHECK(ea.spikes(0, 0)[k] == doctest::Approx(0.5 * std::clamp(q, 0.0, 1.0)).epsilon(1e-6));
    }
}
