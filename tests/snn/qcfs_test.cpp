// Checks the QCFS activation (Bu et al., ICLR 2022; snn/neuron.hpp kernels::qcfs, snn/backprop.hpp
// qcfs_forward / qcfs_backward) and its training:
//   forward against values worked out by hand; the straight-through backward against central
//   finite differences of the function with the floor's offset frozen at the base point (the
//   function whose exact gradient the straight-through estimator is); the trainer's λ gradient
//   against finite differences of its whole loss where the floor is locally constant; and
//   the QCFS ANN round-tripping its λ and L through a model file.
#include <doctest/doctest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "helpers.hpp"
#include "snn/backprop.hpp"
#include "snn/dataset.hpp"
#include "snn/model.hpp"
#include "snn/model_io.hpp"
#include "snn/trainer.hpp"

using namespace snn;

TEST_CASE("qcfs forward equals lambda clip(floor(x L / lambda + 1/2) / L, 0, 1) on hand values") {
    // λ = 2, L = 4: steps of λ/L = 0.5, rounded at the half step.
    //   x = 0.3:  floor(0.6 + 0.5) = 1 -> 0.5     x = 0.24: floor(0.98) = 0 -> 0
    //   x = 0.26: floor(1.02) = 1 -> 0.5           x = -0.2: floor(0.1) = 0 -> 0
    //   x = 1.8:  floor(4.1) = 4 -> 2 (= λ)         x = 2.5: floor(5.5) = 5 -> clipped to λ
    //   x = 1.2:  floor(2.9) = 2 -> 1
    const std::vector<double> x = {0.3, 0.24, 0.26, -0.2, 1.8, 2.5, 1.2};
    const std::vector<double> want = {0.5, 0.0, 0.5, 0.0, 2.0, 2.0, 1.0};
    std::vector<double> y(x.size());
    backprop::qcfs_forward<double>(static_cast<std::int64_t>(x.size()), 2.0, 4.0, x.data(), y.data());
    for (std::size_t i = 0; i < x.size(); ++i) {
        INFO("x = " << x[i]);
        CHECK(y[i] == want[i]);  // exact: every value is a multiple of 0.5
        CHECK(kernels::qcfs(float(x[i]), 2.0f, 4.0f) == float(want[i]));
    }
}

TEST_CASE("qcfs backward equals finite differences of the frozen-offset function") {
    // With δ_j = floor(u_j) - u_j frozen at the base point (u = x L / λ + 1/2), the function
    //   g(x, λ) = λ clip((x L / λ + 1/2 + δ) / L, 0, 1)
    // equals qcfs at the base point and its exact gradient is the straight-through one.
    // Entries whose f = floor(u)/L sits on a clip edge (f = 0 or f = 1) are at a kink of g
    // and are checked against the true derivative only where the floor is locally constant
    // (x well outside [-λ/(2L), λ(1 + 1/(2L))]).
    const std::uint64_t seed = snn_test::base_seed() + 71;
    INFO("seed " << seed);
    spikebar::counter_stream s{seed, 0x9CF5};
    for (int L : {2, 4, 8, 32}) {
        const double lambda = 0.5 + 2.0 * s.uniform();
        const int n = 400;
        std::vector<double> x(n), dy(n), dx(n);
        for (int j = 0; j < n; ++j) {
            x[j] = lambda * (-0.6 + 2.2 * s.uniform());
            dy[j] = -1.0 + 2.0 * s.uniform();
        }
        const double dl = backprop::qcfs_backward<double>(n, lambda, double(L), x.data(), dy.data(), dx.data());
        std::vector<double> delta(n);
        std::vector<int> interior;
        double dl_ref_outside = 0;  // the λ gradient of the entries off the clip range
        for (int j = 0; j < n; ++j) {
            const double u = x[j] * L / lambda + 0.5;
            delta[j] = std::floor(u) - u;
            const double f = std::floor(u) / L;
            if (f > 0 && f < 1) {
                interior.push_back(j);
            } else if (x[j] < -lambda / (2.0 * L) - 1e-9) {
                CHECK(dx[j] == 0.0);  // off: y = 0 near x, so dy/dx = dy/dλ = 0
            } else if (x[j] > lambda * (1 + 1.0 / (2 * L)) + 1e-9) {
                CHECK(dx[j] == 0.0);  // saturated: y = λ near x, so dy/dx = 0, dy/dλ = 1
                dl_ref_outside += dy[j];
            }
        }
        auto frozen = [&](int j, double xj, double lam) {
            const double f = (xj * L / lam + 0.5 + delta[j]) / L;
            return lam * std::min(std::max(f, 0.0), 1.0);
        };
        const double h = 1e-6;
        double dl_interior = 0, dl_fd = 0;
        for (int j : interior) {
            // 1e-7: central differences of a function that is linear near the point, in double,
            // cancel to about |y| u / h = 1e-10; the bound leaves room for the division by λ.
            const double fdx = (frozen(j, x[j] + h, lambda) - frozen(j, x[j] - h, lambda)) / (2 * h);
            CHECK(dx[j] == doctest::Approx(dy[j] * fdx).epsilon(1e-7));
            dl_fd += dy[j] * (frozen(j, x[j], lambda + h) - frozen(j, x[j], lambda - h)) / (2 * h);
            const double c = std::floor(x[j] * L / lambda + 0.5) / L;
            dl_interior += dy[j] * (c - x[j] / lambda);
        }
        INFO("L = " << L << ", " << interior.size() << " interior entries");
        CHECK(interior.size() > 50);
        CHECK(dl_interior == doctest::Approx(dl_fd).epsilon(1e-6));
        // The saturated entries add dy each; entries on a clip edge add dy (c - x/λ) too.
        double dl_edges = 0;
        for (int j = 0; j < n; ++j) {
            const double u = x[j] * L / lambda + 0.5;
            const double f = std::floor(u) / L;
            const bool edge = (f == 0 || f == 1) && !(x[j] > lambda * (1 + 1.0 / (2 * L)) + 1e-9);
            if (edge) dl_edges += dy[j] * (std::min(std::max(f, 0.0), 1.0) - x[j] / lambda);
        }
        CHECK(dl == doctest::Approx(dl_interior + dl_ref_outside + dl_edges).epsilon(1e-12));
    }
}

namespace {

// Two classes on 1 x 8 x 8 images (the top or the bottom half lit), as trainer_test.cpp.
dataset halves(std::size_t n, std::uint64_t seed) {
    dataset d;
    d.name = "halves";
    d.channels = 1;
    d.height = d.width = 8;
    d.num_classes = 2;
    spikebar::counter_stream s{seed, 0x4A1F};
    for (std::size_t i = 0; i < n; ++i) {
        const int y = static_cast<int>(s.below(2));
        d.labels.push_back(static_cast<std::uint8_t>(y));
        for (int r = 0; r < 8; ++r)
            for (int c = 0; c < 8; ++c)
                d.images.push_back(
                    static_cast<float>(0.4 * s.uniform() + ((r < 4) == (y == 0) ? 0.6 : 0.0)));
    }
    return d;
}

model qcfs_ann(std::uint64_t seed) {
    network_params net;
    net.layers = "conv:3:3, bn, lif, avgpool:2, flatten, linear:8, lif, linear:2";
    net.kind = "ann";
    net.timesteps = 1;
    return make_model(net, neuron_params{}, {1, 8, 8}, seed);
}

}  // namespace

TEST_CASE("the trainer's lambda gradient matches finite differences of its loss") {
    // conv weights 0 and biases +1 / -1 per channel: every QCFS input is 1 (saturated,
    // y = λ = 0.05) or -1 (off), far from the clip range [-λ/(2L), λ(1 + 1/(2L))], so the
    // floor is constant near the point and the straight-through gradient is the true
    // derivative. The loss is then smooth in λ (y = λ feeds the readout), and central
    // differences with h = 1e-3 agree to 2 % of the gradient plus 1e-4 (float losses).
    const std::uint64_t seed = snn_test::base_seed() + 72;
    INFO("seed " << seed);
    const dataset d = halves(12, seed);
    train_params p;
    p.tet_lambda = 0;
    p.ann_activation = "qcfs";
    p.qcfs_levels = 4;
    p.qcfs_lambda = 0.05;
    network_params net;
    net.layers = "conv:2:3, lif, avgpool:2, flatten, linear:2";
    net.kind = "ann";
    model m = make_model(net, neuron_params{}, {1, 8, 8}, seed);
    std::fill(m.layers[0].weight.begin(), m.layers[0].weight.end(), 0.0f);
    m.layers[0].bias = {1.0f, -1.0f};
    trainer tr(m, p, 1);
    const std::vector<std::size_t> idx = {0, 1, 2, 3, 5, 8, 9, 11};
    tr.loss_and_gradients(d, idx);
    const auto grads = tr.gradients();
    const auto params = tr.parameters();
    REQUIRE(params.size() == 5);  // conv w, b; λ; readout w, b
    REQUIRE(params[2]->size() == 1);
    float& lam = (*params[2])[0];
    const float keep = lam, h = 1e-3f;
    lam = keep + h;
    const double up = tr.loss_and_gradients(d, idx);
    lam = keep - h;
    const double down = tr.loss_and_gradients(d, idx);
    lam = keep;
    const double fd = (up - down) / (double(keep + h) - double(keep - h));
    const double g = grads[2][0];
    INFO("gradient " << g << ", finite difference " << fd);
    CHECK(std::abs(fd - g) <= 1e-4 + 2e-2 * std::abs(g));
    CHECK(std::abs(g) > 1e-2);  // the check is not vacuous
}

TEST_CASE("QCFS training moves lambda, is bit-identical on 1 and 2 threads, and round-trips") {
    const std::uint64_t seed = snn_test::base_seed() + 73;
    INFO("seed " << seed);
    const dataset d = halves(64, seed);
    train_params p;
    p.epochs = 2;
    p.batch_size = 16;
    p.tet_lambda = 0;
    p.ann_activation = "qcfs";
    p.qcfs_levels = 4;
    p.qcfs_lambda = 1.0;
    auto run = [&](int threads) {
        omp_set_num_threads(threads);
        trainer tr(qcfs_ann(seed), p, d.size() / 16);
        for (int e = 0; e < 2; ++e) tr.train_epoch(d, e);
        return tr.net();
    };
    const model a = run(1), b = run(2);
    for (std::size_t i = 0; i < a.layers.size(); ++i) {
        CHECK(a.layers[i].weight == b.layers[i].weight);
        CHECK(a.layers[i].neuron.threshold == b.layers[i].neuron.threshold);
    }
    REQUIRE(a.layers[2].neuron.threshold.size() == 1);
    CHECK(a.layers[2].neuron.threshold[0] != 1.0f);
    CHECK(a.layers[2].neuron.levels == std::vector<float>{4.0f});

    const model f = fold_batchnorm(a);
    const std::string path = "qcfs_test_model.h5";
    save_model(f, path);
    const model r = load_model(path);
    std::remove(path.c_str());
    for (std::size_t i = 0; i < f.layers.size(); ++i) {
        CHECK(r.layers[i].neuron.threshold == f.layers[i].neuron.threshold);
        CHECK(r.layers[i].neuron.levels == f.layers[i].neuron.levels);
    }
    // A ReLU trainer refuses the QCFS model rather than dropping its λ.
    train_params relu = p;
    relu.ann_activation = "relu";
    CHECK_THROWS_WITH(trainer(a, relu, 1),
                      "snn::trainer: the model has QCFS activations but train.ann_activation is relu");
}
