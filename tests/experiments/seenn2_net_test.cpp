// The SEENN-II policy net (experiments/seenn2_net.hpp): REINFORCE training reaches the
// optimal policy on a synthetic task whose best timestep is a function of the image;
// choose_timesteps against the trainer's forward pass and across batch sizes and threads;
// exact load_policy_net and seenn2_layers messages; MAC counts against hand counts;
// score_timesteps against earlyexit::replay with a preset policy.
#include "experiments/seenn2_net.hpp"

#include <doctest/doctest.h>
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "common/errors.hpp"
#include "common/rng.hpp"
#include "earlyexit/preset.hpp"
#include "earlyexit/replay.hpp"
#include "same_bits.hpp"
#include "snn/model_io.hpp"
#include "synthetic_images.hpp"

namespace fs = std::filesystem;
using experiments::choose_timesteps;
using experiments::make_policy_net;

namespace {

std::uint64_t base_seed() {
    const char* s = std::getenv("SPIKEBAR_TEST_SEED");
    return s ? std::strtoull(s, nullptr, 10) : 20240611u;
}

// 1 x 8 x 8 images of 4 types: type k lights quadrant k (0.6 + 0.4 u) over noise 0.4 u
// (synthetic_images.hpp). The label is the type.
const synthetic::image_spec quadrants{4, 1, 8, 8};

// The SNN of the synthetic task is right from step f = type + 1 on: [N x 4].
std::vector<std::uint8_t> first_right_at_type(const snn::dataset& d) {
    std::vector<std::uint8_t> c;
    for (std::size_t i = 0; i < d.size(); ++i)
        for (int t = 1; t <= 4; ++t) c.push_back(t >= d.labels[i] + 1 ? 1 : 0);
    return c;
}

// Random images (uniform, the quarter of the pixels below 0.25 zero) of any shape, 2 labels.
snn::dataset noise_images(std::size_t n, snn::shape3 in, std::uint64_t seed) {
    snn::dataset d = synthetic::images(n, {2, in.c, in.h, in.w, 1.0, 0.0, 0.25}, seed);
    d.name = "noise";
    return d;
}

using test_support::same_bits;

struct temp_dir {
    fs::path path;
    temp_dir() {
        path = fs::temp_directory_path() / ("spikebar_seenn2_test_" + std::to_string(::getpid()));
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~temp_dir() { fs::remove_all(path); }
    std::string operator/(const std::string& name) const { return (path / name).string(); }
};

std::string load_error(const std::string& path, int t_max) {
    try {
        experiments::load_policy_net(path, t_max);
    } catch (const spikebar::io_error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

// Optimal policy: T_i = f_i = type + 1 (reward 2^-type > -beta = -1 at any other choice
// that is wrong, and the largest of the right ones), so the optimal mean reward is the mean
// of 2^-type over the held-out samples (~0.47). Tolerance: at least 98 % of held-out
// samples at their optimal step and a mean reward within 0.02 of the optimum; a policy
// that ignores the image (the best constant T = 4 earns 0.125) is far outside both.
TEST_CASE("REINFORCE training finds the input-dependent optimal timesteps") {
    const std::uint64_t seed = base_seed();
    INFO("seed " << seed);
    const snn::dataset train = synthetic::images(512, quadrants, seed),
                       held = synthetic::images(256, quadrants, seed + 1);
    const auto train_c = first_right_at_type(train), held_c = first_right_at_type(held);
    experiments::policy_train_params p;
    p.t_max = 4;
    p.beta = 1.0;
    p.seed = seed;
    // Policy gradient can settle in a local optimum: once a type's policy is nearly certain
    // of the always-safe T = 4, the gradient toward its better step vanishes with pi. lr 1e-2
    // does that at once; with lr 3e-3, batch 16 and 64 hidden units the default seed and
    // seeds 1-4 reach the optimum, seed 5 leaves one type at T = 4 (so other seeds set
    // through SPIKEBAR_TEST_SEED may fail this case without a bug).
    p.train.epochs = 40;
    p.train.batch_size = 16;
    p.train.lr = 3e-3;
    p.train.crop_pad = 0;
    p.train.seed = seed;
    double optimum = 0;
    for (std::size_t i = 0; i < held.size(); ++i) optimum += std::ldexp(1.0, -held.labels[i]);
    optimum /= double(held.size());

    const int saved = omp_get_max_threads();
    auto run = [&](int threads, int epochs, std::vector<experiments::policy_epoch_report>* log) {
        omp_set_num_threads(threads);
        experiments::policy_train_params q = p;
        q.train.epochs = epochs;
        snn::model m = experiments::train_policy_net(
            make_policy_net("flatten, linear:64, relu", 4, {1, 8, 8}, seed), train, train_c, &held,
            &held_c, q, [&](const experiments::policy_epoch_report& r) {
                if (log) log->push_back(r);
            });
        omp_set_num_threads(saved);
        return m;
    };
    std::vector<experiments::policy_epoch_report> log;
    const snn::model trained = run(1, p.train.epochs, &log);
    REQUIRE(log.size() == 40);
    for (const auto& r : log)
        if (r.epoch % 10 == 9)
            MESSAGE("epoch " << r.epoch + 1 << ": E[r] " << r.expected_reward
                             << ", held-out reward " << r.held_out.mean_reward << ", mean T "
                             << r.held_out.mean_t);
    const auto t = choose_timesteps(trained, held, 16);
    int at_optimum = 0;
    for (std::size_t i = 0; i < held.size(); ++i) at_optimum += t[i] == held.labels[i] + 1;
    const auto score = experiments::score_timesteps(t, held_c, 4, 1.0);
    CHECK(at_optimum >= 0.98 * double(held.size()));
    CHECK(score.mean_reward >= optimum - 0.02);
    CHECK(score.mean_reward == log.back().held_out.mean_reward);
    CHECK(score.accuracy == log.back().held_out.accuracy);
    CHECK(log.back().samples == 512);  // 32 full batches of 16
    // Learning happened: the first epoch's expected reward is below the last one's.
    CHECK(log.front().expected_reward < log.back().expected_reward);

    // Two threads give the same net bit for bit (a few epochs suffice to show it).
    const snn::model one = run(1, 4, nullptr), two = run(2, 4, nullptr);
    int differ = 0;
    for (std::size_t i = 0; i < one.layers.size(); ++i)
        differ += !same_bits(one.layers[i].weight, two.layers[i].weight) +
                  !same_bits(one.layers[i].bias, two.layers[i].bias);
    CHECK(differ == 0);
}

// Reference: the trainer's layer-major forward pass (snn::trainer with an output-loss hook
// that records O), an implementation separate from the time-major engine, on a net without
// BatchNorm so both use the same weights; then T = 1 + argmax. Then batch sizes 1, 7, 64
// and 1 or 2 threads must give the identical vector.
// Reference: the trainer's layer-major forward pass (snn::trainer with an output-loss hook
// that records O), an implementation separate from the time-major engine, on nets without
// BatchNorm so both use the same weights; then T = 1 + argmax. Batch sizes 1, 7, 64 and 1 or
// 2 threads must give the identical vector. The second net starts with flatten, which the
// trainer once read as zeros.
TEST_CASE(
    "choose_timesteps equals the trainer's forward argmax for every batch size and thread count") {
    const std::uint64_t seed = base_seed() + 1;
    INFO("seed " << seed);
    const snn::shape3 in{2, 9, 7};
    const snn::dataset d = noise_images(100, in, seed);
    for (const char* body :
         {"conv:4:3:2, relu, maxpool:2, flatten, linear:8, lif", "flatten, linear:8, relu"}) {
        CAPTURE(body);
        const snn::model net = make_policy_net(body, 5, in, seed);
        REQUIRE_FALSE(net.has_batchnorm());

        snn::trainer tr(net, snn::train_params{}, 1);
        std::vector<float> O;
        tr.set_output_loss([&](snn::output_batch& b) {
            O.assign(b.outputs, b.outputs + std::size_t(b.batch) * b.width);
            return 0.0;
        });
        std::vector<std::size_t> all(d.size());
        for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
        tr.loss_and_gradients(d, all);
        std::vector<std::int32_t> expect(d.size());
        int spread[5] = {0, 0, 0, 0, 0};
        for (std::size_t i = 0; i < d.size(); ++i) {
            int best = 0;
            for (int j = 1; j < 5; ++j)
                if (O[i * 5 + j] > O[i * 5 + best]) best = j;
            expect[i] = best + 1;
            ++spread[best];
        }
        // The choice depends on the input: at least two different steps occur.
        CHECK(std::count_if(spread, spread + 5, [](int c) { return c > 0; }) >= 2);

        const int saved = omp_get_max_threads();
        for (int threads : {1, 2})
            for (int batch : {1, 7, 64}) {
                CAPTURE(threads);
                CAPTURE(batch);
                omp_set_num_threads(threads);
                CHECK(choose_timesteps(net, d, batch) == expect);
            }
        omp_set_num_threads(saved);

        // A dataset of another shape is refused.
        const snn::dataset other = noise_images(3, {1, 9, 7}, seed);
        CHECK_THROWS_WITH_AS(choose_timesteps(net, other, 4),
                             "SEENN-II policy net: /network@input_shape is [2, 9, 7], noise "
                             "images are [1, 9, 7]",
                             spikebar::io_error);
    }
}

TEST_CASE("load_policy_net accepts what train-policy writes and names what is wrong otherwise") {
    const temp_dir dir;
    const std::uint64_t seed = base_seed() + 2;
    const snn::shape3 in{1, 8, 8};
    const snn::model trained = make_policy_net("conv:4:3:2, bn, relu, flatten", 4, in, seed);
    const snn::model deployed = snn::fold_batchnorm(trained);
    snn::save_model(deployed, dir / "ok.h5");
    snn::save_model(trained, dir / "bn.h5");
    snn::network_params snn_net;
    snn_net.layers = "flatten, linear:4";
    snn::save_model(snn::make_model(snn_net, snn::neuron_params{}, in, seed), dir / "snn.h5");

    const snn::model back = experiments::load_policy_net(dir / "ok.h5", 4);
    CHECK(same_bits(back.layers[0].weight, deployed.layers[0].weight));
    CHECK(back.num_classes() == 4);
    CHECK(load_error(dir / "ok.h5", 3) ==
          dir / "ok.h5" +
              ": the policy net has 4 outputs, earlyexit.t_max = 3 needs one per "
              "timestep");
    CHECK(load_error(dir / "bn.h5", 4) ==
          dir / "bn.h5" +
              ": holds BatchNorm layers (a training checkpoint?); use the policy net "
              "spikebar train-policy wrote");
    CHECK(load_error(dir / "snn.h5", 4) ==
          dir / "snn.h5" +
              ": /network@kind = 'snn', a SEENN-II policy net is an ann "
              "(spikebar train-policy writes one)");
    CHECK(load_error(dir / "none.h5", 4) ==
          dir / "none.h5" + ": cannot open (missing or unreadable)");
    CHECK_THROWS_WITH_AS(experiments::load_policy_net("", 4),
                         "earlyexit.seenn2_model = '': policy seenn2 needs the policy net that "
                         "spikebar train-policy --out wrote",
                         spikebar::config_error);
}

TEST_CASE("make_policy_net appends the head and names earlyexit.seenn2_layers in errors") {
    const snn::model m =
        make_policy_net("conv:8:3:2, bn, relu, flatten, linear:16, relu", 4, {1, 28, 28}, 1);
    CHECK(m.net.kind == "ann");
    CHECK(m.num_classes() == 4);
    CHECK(m.arch.layers.back().kind == snn::layer_kind::linear);
    CHECK_THROWS_WITH_AS(make_policy_net("conv:8:3:2, relu", 4, {1, 28, 28}, 1),
                         "earlyexit.seenn2_layers = \"conv:8:3:2, relu\": layer 'linear:4' needs "
                         "flatten before it (with the head linear:4 appended)",
                         spikebar::config_error);
    CHECK_THROWS_WITH_AS(make_policy_net("flatten, dense:3", 2, {1, 4, 4}, 1),
                         "earlyexit.seenn2_layers = \"flatten, dense:3\": layer 'dense:3' has "
                         "unknown type 'dense': expected conv, linear, bn, lif, relu, avgpool, "
                         "maxpool or flatten (with the head linear:2 appended)",
                         spikebar::config_error);
}

// Hand counts: conv 1->8, k 3, stride 2, pad 1 on 28x28 gives 14x14 outputs:
// 14*14*9*1*8 = 14112; conv 8->16 on 14x14, stride 2: 7*7*9*8*16 = 56448; linear 784->32:
// 25088; head 32->4: 128. BatchNorm, ReLU, pooling and flatten add nothing.
TEST_CASE("policy_net_macs counts conv and linear multiply-accumulates") {
    const snn::model m = make_policy_net(
        "conv:8:3:2, bn, relu, conv:16:3:2, relu, flatten, linear:32, relu", 4, {1, 28, 28}, 1);
    CHECK(experiments::policy_net_macs(m) == 14112u + 56448u + 25088u + 128u);
    CHECK(experiments::policy_net_macs(snn::fold_batchnorm(m)) == experiments::policy_net_macs(m));
}

// score_timesteps reads the correctness table at T_i; earlyexit::replay runs the exit
// controller with a preset policy on the logged outputs: the two must agree exactly.
TEST_CASE("score_timesteps agrees with replaying a preset policy at the chosen steps") {
    const std::uint64_t seed = base_seed() + 3;
    INFO("seed " << seed);
    const int n = 300, tm = 4, k = 5;
    spikebar::counter_stream s{seed, 0x53};
    std::vector<float> o(std::size_t(n) * tm * k);
    std::vector<std::int32_t> labels(n), t(n);
    for (auto& x : o) x = static_cast<float>(s.uniform() * 2 - 1);
    for (int i = 0; i < n; ++i) {
        labels[i] = static_cast<std::int32_t>(s.below(k));
        t[i] = static_cast<std::int32_t>(1 + s.below(tm));
    }
    earlyexit::run_view v;
    v.n = n;
    v.t_max = tm;
    v.k = k;
    v.outputs = o.data();
    v.labels = labels.data();
    const auto correct = earlyexit::correctness_table(v);
    const auto score = experiments::score_timesteps(t, correct, tm, 0.5);
    const earlyexit::preset_policy preset(earlyexit::policy_kind::seenn2);
    const auto sum = earlyexit::summarize(earlyexit::replay(preset, v, t.data()));
    CHECK(score.accuracy == sum.accuracy);
    CHECK(score.mean_t == sum.mean_t);
    double shares = 0;
    for (double x : score.share) shares += x;
    CHECK(std::abs(shares - 1) <= 1e-12);
}
