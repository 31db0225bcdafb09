// Checks the BPTT trainer (snn/trainer.hpp): its whole-network gradient against a finite
// difference of its own loss, determinism across thread counts, and that training learns
// a small separable problem; and the external output-loss hook (set_output_loss) against
// finite differences and against built-in TET. Layer-by-layer gradients are in
// gradient_test.cpp.
#include "snn/trainer.hpp"

#include <doctest/doctest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "helpers.hpp"
#include "same_bits.hpp"
#include "synthetic_images.hpp"

using namespace snn;

namespace {

// Two classes on 1 x 8 x 8 images: class 0 lights the top half, class 1 the bottom half,
// on top of uniform noise in [0, 0.4) (synthetic_images.hpp).
const synthetic::image_spec halves{2, 1, 8, 8};

model make(const std::string& layers, const std::string& kind, int T, std::uint64_t seed) {
    network_params net;
    net.layers = layers;
    net.kind = kind;
    net.timesteps = T;
    return make_model(net, neuron_params{}, {1, 8, 8}, seed);
}

using test_support::same_bits;

}  // namespace

TEST_CASE("training on a separable problem reduces the loss and reaches high accuracy") {
    const std::uint64_t seed = snn_test::base_seed();
    INFO("seed " << seed);
    const dataset train = synthetic::images(128, halves, seed),
                  test = synthetic::images(64, halves, seed + 1);
    train_params p;
    p.epochs = 3;
    p.batch_size = 16;
    p.lr = 5e-3;
    p.crop_pad = 1;
    p.seed = seed;
    trainer tr(
        make("conv:4:3, bn, lif, maxpool:2, flatten, linear:16, lif, linear:2", "snn", 2, seed), p,
        train.size() / p.batch_size);
    std::vector<std::size_t> all(test.size());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    const double before = tr.loss_and_gradients(test, all);
    epoch_report last;
    for (int e = 0; e < p.epochs; ++e) last = tr.train_epoch(train, e);
    const double after = tr.loss_and_gradients(test, all);
    MESSAGE("test loss " << before << " -> " << after << ", final train accuracy "
                         << last.accuracy);
    CHECK(after < 0.5 * before);
    CHECK(last.accuracy > 0.9);
    CHECK(tr.optimizer().step == p.epochs * 8);  // 128 / 16 batches per epoch
    // The cosine schedule ends at lr_min.
    CHECK(std::abs(tr.learning_rate(p.epochs * 8) - p.lr_min) <= 1e-12);
    CHECK(tr.learning_rate(0) == p.lr);
}

TEST_CASE(
    "training with 1 and 2 threads gives bit-identical weights, statistics and optimizer state") {
    const std::uint64_t seed = snn_test::base_seed() + 1;
    INFO("seed " << seed);
    const dataset train = synthetic::images(60, halves, seed);
    train_params p;
    p.epochs = 2;
    p.batch_size = 20;  // not a multiple of the 16 reduction chunks
    p.seed = seed;
    const std::string layers =
        "conv:5:3, bn, lif, maxpool:2, conv:16:3:2:1, bn, lif, flatten, linear:17, bn, lif, "
        "linear:2";
    const int saved = omp_get_max_threads();
    auto run = [&](int threads) {
        omp_set_num_threads(threads);
        trainer tr(make(layers, "snn", 3, seed), p, train.size() / p.batch_size);
        tr.train_epoch(train, 0);
        tr.train_epoch(train, 1);
        omp_set_num_threads(saved);
        return tr;
    };
    trainer one = run(1), two = run(2);
    const auto& m1 = one.net().layers;
    const auto& m2 = two.net().layers;
    int differ = 0;
    for (std::size_t i = 0; i < m1.size(); ++i) {
        differ += !same_bits(m1[i].weight, m2[i].weight) + !same_bits(m1[i].bias, m2[i].bias);
        differ += !same_bits(m1[i].gamma, m2[i].gamma) + !same_bits(m1[i].beta, m2[i].beta);
        differ += !same_bits(m1[i].running_mean, m2[i].running_mean);
        differ += !same_bits(m1[i].running_var, m2[i].running_var);
    }
    for (std::size_t q = 0; q < one.optimizer().m.size(); ++q)
        differ += !same_bits(one.optimizer().m[q], two.optimizer().m[q]) +
                  !same_bits(one.optimizer().v[q], two.optimizer().v[q]);
    CHECK(differ == 0);
    CHECK(one.optimizer().step == 6);
    // The weights did move.
    const model fresh = make(layers, "snn", 3, seed);
    CHECK_FALSE(same_bits(fresh.layers[0].weight, m1[0].weight));
}

// The loss is evaluated in float (double only inside tet_loss), so it carries a rounding
// error of ~1e-7 (u_float times O(1) logits); divided by 2h >= 5e-4 that stays below
// 2e-4. The softmax curvature adds h^2 |L'''| / 6 <~ 1e-5. ReLU and maxpool kinks make L
// only piecewise smooth, and a bias moves every position of its channel, so some kink
// often lies within h: an entry passes when the central difference at one of
// h = 4e-3, 1e-3, 2.5e-4 agrees (a wrong gradient disagrees at every h).
// Tolerance: 1e-3 + 2e-2 |g|.
TEST_CASE("loss_and_gradients matches a whole-network finite difference for a tiny ANN") {
    const std::uint64_t seed = snn_test::base_seed() + 2;
    INFO("seed " << seed);
    const dataset d = synthetic::images(12, halves, seed);
    train_params p;
    p.tet_lambda = 0.2;
    trainer tr(make("conv:3:3, relu, maxpool:2, flatten, linear:8, lif, linear:2", "ann", 1, seed),
               p, 1);
    const std::vector<std::size_t> idx = {0, 3, 5, 6, 8, 11, 2};
    tr.loss_and_gradients(d, idx);
    const auto grads = tr.gradients();
    const auto params = tr.parameters();
    REQUIRE(params.size() == 6);
    spikebar::counter_stream s{seed, 0xFD};
    int bad = 0;
    double max_g = 0;
    for (std::size_t q = 0; q < params.size(); ++q) {
        auto& w = *params[q];
        for (int trial = 0; trial < 8; ++trial) {
            const std::size_t j = s.below(w.size());
            const float keep = w[j];
            auto fd = [&](float h) {
                w[j] = keep + h;
                const double up = tr.loss_and_gradients(d, idx);
                w[j] = keep - h;
                const double down = tr.loss_and_gradients(d, idx);
                w[j] = keep;
                return (up - down) / (double(keep + h) - double(keep - h));
            };
            const double g = grads[q][j];
            const double tol = 1e-3 + 2e-2 * std::abs(g);
            max_g = std::max(max_g, std::abs(g));
            bool ok = false;
            double f = 0;
            for (float h : {4e-3f, 1e-3f, 2.5e-4f}) {
                f = fd(h);
                if (std::abs(f - g) <= tol) {
                    ok = true;
                    break;
                }
            }
            if (!ok) {
                MESSAGE("tensor " << q << " entry " << j << ": gradient " << g
                                  << ", finite difference " << f);
                ++bad;
            }
        }
    }
    CHECK(bad == 0);
    CHECK(max_g > 1e-2);  // not a dead network
}

// The external-loss hook (trainer::set_output_loss) against central finite differences of the
// trainer's own forward pass. The net is "flatten, linear:6, linear:3" (no activation), so
// every output O is affine in any single weight or bias and the loss
//   L = sum_{b,k} (c_bk O_bk^2 / 2 + d_bk O_bk),   dL/dO = c O + d   (evaluated in double)
// is exactly quadratic in it: the central difference has no truncation error at any h, and
// h = 1/8 keeps the rounding of O (float32 sums of <= 70 terms of size <~ 1, ~1e-7 each,
// random-walking over the 21 outputs to ~1e-6 in L) at ~1e-5 after dividing by 2h. The
// analytic gradient itself is float32 (relative error ~1e-6). Tolerance 2e-4 * max(1, |g|);
// a wrong gradient (a dropped term, a wrong index) is off by O(|g|) with |g| up to ~1.
TEST_CASE("an external output loss back-propagates dL/dO: gradients equal finite differences") {
    const std::uint64_t seed = snn_test::base_seed() + 3;
    INFO("seed " << seed);
    const dataset d = synthetic::images(12, halves, seed);
    trainer tr(make("flatten, linear:6, linear:3", "ann", 1, seed), train_params{}, 1);
    const std::vector<std::size_t> idx = {0, 3, 5, 6, 8, 11, 2};
    const int B = static_cast<int>(idx.size()), K = 3;
    spikebar::counter_stream cs{seed, 0xC0};
    const std::vector<double> c = snn_test::random_values<double>(cs, std::size_t(B) * K, -1, 1);
    const std::vector<double> dd = snn_test::random_values<double>(cs, std::size_t(B) * K, -1, 1);
    int calls = 0, bad_batch = 0;
    tr.set_output_loss([&](output_batch& b) {
        ++calls;
        bad_batch += b.steps != 1 || b.batch != B || b.width != K || b.epoch != 0;
        for (int r = 0; r < B; ++r)
            bad_batch += b.indices[r] != idx[r] || b.labels[r] != d.labels[idx[r]];
        double L = 0;
        for (int j = 0; j < B * K; ++j) {
            bad_batch += b.grad[j] != 0.0f;  // zero on entry
            const double o = b.outputs[j];
            L += c[j] * o * o / 2 + dd[j] * o;
            b.grad[j] = static_cast<float>(c[j] * o + dd[j]);
        }
        return L;
    });
    tr.loss_and_gradients(d, idx);
    CHECK(calls == 1);
    CHECK(bad_batch == 0);
    const auto grads = tr.gradients();
    const auto params = tr.parameters();
    REQUIRE(params.size() == 4);
    int bad = 0;
    double max_g = 0;
    for (std::size_t q = 0; q < params.size(); ++q) {
        auto& w = *params[q];
        for (std::size_t j = 0; j < w.size(); ++j) {
            const float keep = w[j], h = 0.125f;
            w[j] = keep + h;
            const double up = tr.loss_and_gradients(d, idx);
            w[j] = keep - h;
            const double down = tr.loss_and_gradients(d, idx);
            w[j] = keep;
            const double fd = (up - down) / (double(keep + h) - double(keep - h));
            const double g = grads[q][j];
            max_g = std::max(max_g, std::abs(g));
            if (!(std::abs(fd - g) <= 2e-4 * std::max(1.0, std::abs(g)))) {
                MESSAGE("tensor " << q << " entry " << j << ": gradient " << g
                                  << ", finite difference " << fd);
                ++bad;
            }
        }
    }
    CHECK(bad == 0);
    CHECK(max_g > 0.05);
}

// Fast path against slow path: the built-in TET loss and the same loss supplied through the
// hook (snn::backprop::tet_loss on what the hook hands over) must train bit for bit alike,
// on an SNN (steps = T = 3 rows per sample) with augmentation, over two epochs.
TEST_CASE("TET supplied through the output-loss hook trains bit-identically to built-in TET") {
    const std::uint64_t seed = snn_test::base_seed() + 4;
    INFO("seed " << seed);
    const dataset train = synthetic::images(48, halves, seed);
    train_params p;
    p.epochs = 2;
    p.batch_size = 16;
    p.seed = seed;
    const std::string layers = "conv:4:3, bn, lif, maxpool:2, flatten, linear:12, lif, linear:2";
    trainer builtin(make(layers, "snn", 3, seed), p, train.size() / p.batch_size);
    trainer hooked(make(layers, "snn", 3, seed), p, train.size() / p.batch_size);
    int epoch_now = 0, bad = 0;
    hooked.set_output_loss([&](output_batch& b) {
        bad += b.steps != 3 || b.width != 2 || b.batch != 16 || b.epoch != epoch_now;
        for (int r = 0; r < b.batch; ++r) bad += b.labels[r] != train.labels[b.indices[r]];
        return backprop::tet_loss(b.steps, b.batch, b.width, b.outputs, b.labels, p.tet_lambda,
                                  p.tet_phi, b.grad, &b.correct);
    });
    for (epoch_now = 0; epoch_now < p.epochs; ++epoch_now) {
        const epoch_report a = builtin.train_epoch(train, epoch_now);
        const epoch_report h = hooked.train_epoch(train, epoch_now);
        CHECK(a.loss == h.loss);
        CHECK(a.accuracy == h.accuracy);
    }
    CHECK(bad == 0);
    int differ = 0;
    for (std::size_t i = 0; i < builtin.net().layers.size(); ++i) {
        const auto& x = builtin.net().layers[i];
        const auto& y = hooked.net().layers[i];
        differ += !same_bits(x.weight, y.weight) + !same_bits(x.bias, y.bias) +
                  !same_bits(x.gamma, y.gamma) + !same_bits(x.running_var, y.running_var);
    }
    CHECK(differ == 0);
    // An empty function restores TET.
    hooked.set_output_loss({});
    std::vector<std::size_t> all(train.size());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    CHECK(hooked.loss_and_gradients(train, all) == builtin.loss_and_gradients(train, all));
}
