// Checks ANN -> SNN conversion (snn/convert.hpp):
//   - the converted IF SNN's spike rates times θ approach the ANN activations as T grows,
//     within the bound of the header, |N_T θ / T - a| <= θ / (2T) + (error of the inputs),
//     layer by layer, against a double-precision ANN written out here;
//   - at T = L the first layer reproduces the QCFS activation exactly (v_init = θ/2);
//   - threshold balancing picks the nearest-rank percentile worked out by hand;
//   - the model it writes (weights scaled by θ, IF, soft reset, v_init) and its errors.
#include "snn/convert.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include "common/errors.hpp"
#include "helpers.hpp"
#include "snn/engine.hpp"
#include "snn/model_io.hpp"
#include "snn/synapse.hpp"

using namespace snn;

namespace {

model ann_model(const std::string& layers, shape3 in, std::uint64_t seed) {
    network_params net;
    net.layers = layers;
    net.kind = "ann";
    net.timesteps = 1;
    return make_model(net, neuron_params{}, in, seed);
}

// Spike counts per lif layer and summed logits of one sample over T steps.
struct counts {
    std::vector<std::vector<double>> n;  // [lif layer][neuron]
    std::vector<double> logits;
};

counts run_snn(const model& snn, const std::vector<float>& img, int T) {
    const ideal_synapse syn(snn);
    engine e(snn, syn);
    e.start(img.data(), 1, 0);
    counts c;
    c.n.resize(e.num_lif_layers());
    for (int j = 0; j < e.num_lif_layers(); ++j) c.n[j].assign(e.lif_layer_size(j), 0.0);
    c.logits.assign(e.num_classes(), 0.0);
    for (int t = 0; t < T; ++t) {
        e.step();
        for (int j = 0; j < e.num_lif_layers(); ++j)
            for (int k = 0; k < e.lif_layer_size(j); ++k) c.n[j][k] += e.spikes(0, j)[k];
        for (int k = 0; k < e.num_classes(); ++k) c.logits[k] += e.logits(0)[k];
    }
    return c;
}

// z = W^T x + b in double, internal layout weight[in][out].
std::vector<double> affine(const layer_state& s, const std::vector<double>& x) {
    const std::size_t out = s.bias.size();
    std::vector<double> z(out);
    for (std::size_t o = 0; o < out; ++o) {
        z[o] = s.bias[o];
        for (std::size_t i = 0; i < x.size(); ++i) z[o] += double(s.weight[i * out + o]) * x[i];
    }
    return z;
}

}  // namespace

TEST_CASE("converted IF rates approach the ANN activations within theta/(2T) per layer, propagated") {
    // flatten, linear:6, lif, linear:5, lif, linear:3 on 4 inputs in [0, 1]. Weights and
    // biases of the hidden layers are >= 0 and small enough that every input current lies
    // in [0, θ]: then v stays in [0, θ), one spike at most per step, and with v_init = θ/2
    //   N_T θ / T = mean_t I_t + (θ/2 - v_T) / T,   |N_T θ/T - z| <= |mean_t I - z| + θ/(2T).
    // mean_t I of layer 2 differs from the ANN's z_2 by sum_i |W_2,i| e_1,i (e_1 the layer-1
    // errors in activation units); the readout's mean O by sum_i |W_3,i| e_2,i. The ANN's
    // activations here are ReLU = clip(z, 0, θ) since 0 <= z <= θ.
    const std::uint64_t seed = snn_test::base_seed() + 81;
    INFO("seed " << seed);
    spikebar::counter_stream s{seed, 0xC0F1};
    model ann = ann_model("flatten, linear:6, lif, linear:5, lif, linear:3", {1, 1, 4}, seed);
    const std::vector<float> th = {0.8f, 0.6f};
    for (auto& w : ann.layers[1].weight) w = static_cast<float>(0.18 * s.uniform());  // 4 * 0.18 + 0.05 < 0.8
    for (auto& b : ann.layers[1].bias) b = static_cast<float>(0.05 * s.uniform());
    // Layer-2 inputs are spikes scaled by θ_1 = 0.8: 6 * 0.8 * 0.11 + 0.05 < 0.6.
    for (auto& w : ann.layers[3].weight) w = static_cast<float>(0.11 * s.uniform());
    for (auto& b : ann.layers[3].bias) b = static_cast<float>(0.05 * s.uniform());
    convert_params p;
    p.method = "percentile";  // thresholds given here; the method only picks v_init's default
    p.v_init = 0.5;
    for (int sample = 0; sample < 5; ++sample) {
        std::vector<float> img(4);
        for (auto& x : img) x = static_cast<float>(s.uniform());
        const std::vector<double> x(img.begin(), img.end());
        const auto z1 = affine(ann.layers[1], x);
        const auto z2 = affine(ann.layers[3], z1);  // z1 >= 0: ReLU is the identity here
        const auto out = affine(ann.layers[5], z2);
        double prev_err = 1e30;  // worst layer-2 bound times T
        for (int T : {1, 2, 4, 8, 16, 32, 64}) {
            p.timesteps = T;
            const model snn = convert(ann, p, th);
            const counts c = run_snn(snn, img, T);
            INFO("sample " << sample << ", T = " << T);
            // 1e-5: float rounding of the membrane sums (|v| < 2θ, 64 steps) and weights.
            const double slack = 1e-5;
            std::vector<double> e1(6), e2(5);
            const double b1 = th[0] / (2.0 * T);
            for (int k = 0; k < 6; ++k) {
                e1[k] = c.n[0][k] * th[0] / T - z1[k];
                CHECK(std::abs(e1[k]) <= b1 + slack);
            }
            double worst = 0;
            for (int o = 0; o < 5; ++o) {
                double b2 = th[1] / (2.0 * T);
                for (int i = 0; i < 6; ++i) b2 += std::abs(double(ann.layers[3].weight[i * 5 + o])) * b1;
                e2[o] = c.n[1][o] * th[1] / T - z2[o];
                CHECK(std::abs(e2[o]) <= b2 + slack);
                for (int k = 0; k < 3; ++k) {
                    // The readout's bound from the layer-2 bound.
                    (void)k;
                }
                worst = std::max(worst, b2);
            }
            for (int k = 0; k < 3; ++k) {
                double b3 = 0;
                for (int i = 0; i < 5; ++i) b3 += std::abs(double(ann.layers[5].weight[i * 3 + k])) * worst;
                const double e = c.logits[k] / T - out[k];
                CHECK(std::abs(e) <= b3 + slack);
            }
            // The bounds are c / T: they halve with every doubling of T.
            if (prev_err < 1e30) CHECK(worst * T == doctest::Approx(prev_err).epsilon(1e-9));
            prev_err = worst * T;
        }
    }
}

TEST_CASE("at T = L a converted first layer reproduces the QCFS activation exactly") {
    // Constant current I in [0, θ] with v_init = θ/2: N_T = floor(T I / θ + 1/2) (v_T in
    // [0, θ)), QCFS's floor(x L / λ + 1/2) at T = L; above θ it fires every step (clip at
    // 1), below 0 never. Inputs within 1e-5 θ of a step edge are skipped (float rounding
    // may decide them either way).
    const std::uint64_t seed = snn_test::base_seed() + 82;
    INFO("seed " << seed);
    spikebar::counter_stream s{seed, 0xC0F2};
    model ann = ann_model("flatten, linear:64, lif, linear:3", {1, 1, 8}, seed);
    for (auto& w : ann.layers[1].weight) w = static_cast<float>(-0.6 + 1.2 * s.uniform());
    const float lambda = 1.3f;
    for (int L : {4, 8, 16}) {
        ann.layers[2].neuron.threshold = {lambda};
        ann.layers[2].neuron.levels = {float(L)};
        convert_params p;
        p.timesteps = L;
        const model snn = convert(ann, p, qcfs_thresholds(ann));
        int checked = 0, skipped = 0;
        for (int sample = 0; sample < 8; ++sample) {
            std::vector<float> img(8);
            for (auto& x : img) x = static_cast<float>(s.uniform());
            const ideal_synapse syn(ann);
            engine ea(ann, syn);
            ea.start(img.data(), 1, 0);
            ea.step();
            std::vector<float> I(64);
            syn.forward({0, 1, 1}, img.data(), false, I.data());
            const counts c = run_snn(snn, img, L);
            for (int k = 0; k < 64; ++k) {
                const double u = double(I[k]) * L / lambda + 0.5;
                if (std::abs(u - std::round(u)) < 1e-5 * L) {
                    ++skipped;
                    continue;
                }
                ++checked;
                INFO("L = " << L << ", I = " << I[k]);
                CHECK(c.n[0][k] * lambda / L == doctest::Approx(ea.spikes(0, 0)[k]).epsilon(1e-6));
            }
        }
        CHECK(checked >= 500);
        CHECK(skipped <= 12);
    }
}

TEST_CASE("threshold balancing takes the hand-computed nearest-rank percentile per layer") {
    // flatten, linear:2, lif, linear:2, lif, linear:2 with identity weights and zero bias in
    // the first layer and 2 x identity in the second: layer 1's activations are the pixels
    // (ReLU), layer 2's twice them. Images (2 pixels): (0.1, 0), (0.5, 0.3), (0, 0.9),
    // (0.7, 0.2). Positive activations of layer 1, sorted: 0.1 0.2 0.3 0.5 0.7 0.9 (n = 6).
    //   p = 50:    rank ceil(3)   = 3 -> 0.3      p = 99.99: rank ceil(5.9994) = 6 -> 0.9
    //   p = 10:    rank ceil(0.6) = 1 -> 0.1      p = 70:    rank ceil(4.2)    = 5 -> 0.7
    model ann = ann_model("flatten, linear:2, lif, linear:2, lif, linear:2", {1, 1, 2}, 5);
    ann.layers[1].weight = {1, 0, 0, 1};
    ann.layers[1].bias = {0, 0};
    ann.layers[3].weight = {2, 0, 0, 2};
    ann.layers[3].bias = {0, 0};
    const std::vector<float> imgs = {0.1f, 0.0f, 0.5f, 0.3f, 0.0f, 0.9f, 0.7f, 0.2f};
    const std::pair<double, float> cases[] = {{50, 0.3f}, {99.99, 0.9f}, {10, 0.1f}, {70, 0.7f}};
    for (const auto& [pct, want] : cases) {
        INFO("p = " << pct);
        const auto th = activation_percentiles(ann, imgs.data(), 4, pct);
        REQUIRE(th.size() == 2);
        CHECK(th[0] == want);
        CHECK(th[1] == 2 * want);
    }
    const model dead = [&] {
        model m = ann;
        m.layers[1].bias = {-5, -5};
        return m;
    }();
    CHECK_THROWS_WITH_AS(activation_percentiles(dead, imgs.data(), 4, 99.0),
                         "convert --method percentile: lif layer 1 is never active on the 4 "
                         "calibration images",
                         spikebar::config_error);
}

TEST_CASE("convert writes IF layers with soft reset, theta-scaled weights and v_init, and round-trips") {
    model ann = ann_model("conv:4:3, avgpool:2, lif, conv:3:3, lif, maxpool:2, flatten, linear:5, lif, linear:2",
                          {1, 8, 8}, 9);
    const std::vector<float> lam = {0.7f, 1.1f, 0.4f};
    const int lifs[] = {2, 4, 8};
    for (int j = 0; j < 3; ++j) {
        ann.layers[lifs[j]].neuron.threshold = {lam[j]};
        ann.layers[lifs[j]].neuron.levels = {8};
    }
    convert_params p;
    p.timesteps = 16;
    p.encoding = "rate";
    const model snn = convert(ann, p, qcfs_thresholds(ann));
    CHECK(snn.net.kind == "snn");
    CHECK(snn.net.timesteps == 16);
    CHECK(snn.net.encoding == "rate");
    for (int j = 0; j < 3; ++j) {
        const auto& n = snn.layers[lifs[j]].neuron;
        CHECK(n.decay == std::vector<float>{1.0f});
        CHECK(n.threshold == std::vector<float>{lam[j]});
        CHECK(n.reset == "soft");
        CHECK(n.v_init == std::vector<float>{0.5f * lam[j]});
        CHECK(n.levels.empty());
    }
    // conv 0 reads the image: unscaled; conv 3 reads lif 2 (θ 0.7); linear 7 reads lif 4
    // through maxpool and flatten (θ 1.1); the readout 9 reads lif 8 (θ 0.4).
    const std::pair<int, float> scaled[] = {{0, 1.0f}, {3, 0.7f}, {7, 1.1f}, {9, 0.4f}};
    for (const auto& [i, f] : scaled) {
        INFO("layer " << i);
        for (std::size_t k = 0; k < ann.layers[i].weight.size(); ++k)
            CHECK(snn.layers[i].weight[k] == ann.layers[i].weight[k] * f);
        CHECK(snn.layers[i].bias == ann.layers[i].bias);
    }
    const std::string path = "convert_test_snn.h5";
    save_model(snn, path);
    const model r = load_model(path);
    std::remove(path.c_str());
    for (int j = 0; j < 3; ++j) {
        CHECK(r.layers[lifs[j]].neuron.v_init == snn.layers[lifs[j]].neuron.v_init);
        CHECK(r.layers[lifs[j]].neuron.threshold == snn.layers[lifs[j]].neuron.threshold);
        CHECK(r.layers[lifs[j]].neuron.reset == "soft");
    }
    CHECK(r.metadata.at("conversion_thresholds") == "0.7 1.1 0.4");
}

TEST_CASE("convert refuses checkpoints, SNNs, other layers and T < 1 with one-line messages") {
    convert_params p;
    model ann = ann_model("flatten, linear:4, lif, linear:2", {1, 1, 3}, 3);
    ann.layers[2].neuron.threshold = {1.0f};
    ann.layers[2].neuron.levels = {4.0f};

    p.timesteps = 0;
    CHECK_THROWS_WITH_AS(check_convertible(ann, p), "convert --timesteps 0: must be >= 1 [steps]",
                         spikebar::config_error);
    p.timesteps = 8;
    CHECK_NOTHROW(check_convertible(ann, p));

    model bn = ann_model("conv:2:3, bn, lif, flatten, linear:2", {1, 4, 4}, 3);
    CHECK_THROWS_WITH_AS(check_convertible(bn, convert_params{}),
                         "convert: the model has BatchNorm layers that are not folded (a training "
                         "checkpoint); convert the deployed model that spikebar train --out writes",
                         spikebar::config_error);

    model snn = ann;
    snn.net.kind = "snn";
    CHECK_THROWS_WITH_AS(check_convertible(snn, p),
                         "convert: the model is an SNN (network.kind = snn); convert takes an ANN "
                         "(network.kind = ann) with ReLU or QCFS activations",
                         spikebar::config_error);

    model relu = ann_model("flatten, linear:4, relu, linear:2", {1, 1, 3}, 3);
    convert_params pp;
    pp.method = "percentile";
    CHECK_THROWS_WITH_AS(check_convertible(relu, pp),
                         "convert: layer 2 (relu) cannot be converted: an ANN for conversion has "
                         "conv, linear, lif (its activations), avgpool, maxpool and flatten layers only",
                         spikebar::config_error);

    model plain = ann_model("flatten, linear:4, lif, linear:2", {1, 1, 3}, 3);
    CHECK_THROWS_WITH_AS(check_convertible(plain, p),
                         "convert --method qcfs: layer 2 (lif) has no trained threshold (a ReLU "
                         "ANN); train with train.ann_activation = qcfs or convert with --method "
                         "percentile",
                         spikebar::config_error);
    CHECK_NOTHROW(check_convertible(plain, pp));
}
