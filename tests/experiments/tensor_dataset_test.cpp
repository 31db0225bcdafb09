// The HDF5 tensor dataset (docs/datasets.md) against small files written here: values come
// back element by element, every kind of bad file gives its one exact io_error line, and
// eval drives step t with frame t exactly as the network's equations written out as loops.
#include "experiments/io/tensor_dataset.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "common/errors.hpp"
#include "experiments/evaluate.hpp"
#include "experiments/io/dataset_io.hpp"
#include "experiments/run_eval.hpp"
#include "h5_fixture.hpp"
#include "snn/model.hpp"
#include "snn/model_io.hpp"
#include "snn/synapse.hpp"

using experiments::frame_inputs;
using experiments::load_tensor;
using h5_fixture::temp_dir;
using h5_fixture::writer;

namespace {

// Value k of a pattern with negatives, fractions and large counts, all exact in float.
float value(std::size_t k) {
    return float(int(k * 7 % 23) - 5) * 0.25f;
}

std::vector<float> pattern(std::size_t n) {
    std::vector<float> v(n);
    for (std::size_t k = 0; k < n; ++k) v[k] = value(k);
    return v;
}

}  // namespace

TEST_CASE("a static tensor file [N, C, H, W] loads element by element") {
    temp_dir dir;
    const std::string path = dir / "static.h5";
    {
        writer w(path);
        w.floats("/inputs", {3, 2, 2, 3}, pattern(36));
        w.ints("/labels", {4, 0, 2});
    }
    for (const char* split : {"train", "test"}) {  // one set serves every split
        const snn::dataset d = load_tensor(path, split);
        CHECK(d.name == std::string("tensor/") + split);
        CHECK(d.size() == 3);
        CHECK(d.channels == 2);
        CHECK(d.height == 2);
        CHECK(d.width == 3);
        CHECK(d.frames == 1);
        CHECK(d.num_classes == 5);  // 1 + the largest label
        REQUIRE(d.images.size() == 36);
        for (std::size_t k = 0; k < 36; ++k) CHECK(d.images[k] == value(k));
        CHECK(d.labels == std::vector<std::uint8_t>{4, 0, 2});
        CHECK(d.image(2) == d.images.data() + 24);
    }
}

TEST_CASE("an event tensor file [N, T, C, H, W] with /train and /test loads each split") {
    temp_dir dir;
    const std::string path = dir / "frames.h5";
    {
        writer w(path);
        w.floats("/train/inputs", {2, 3, 2, 1, 2}, pattern(24));
        w.ints("/train/labels", {1, 0}, H5T_STD_U8LE);
        std::vector<float> test(1 * 3 * 2 * 1 * 2);
        for (std::size_t k = 0; k < test.size(); ++k) test[k] = float(k);
        w.floats("/test/inputs", {1, 3, 2, 1, 2}, test);
        w.ints("/test/labels", {0}, H5T_STD_I64LE);
        w.int_attr("num_classes", 10);
    }
    const snn::dataset tr = load_tensor(path, "train", frame_inputs::accept);
    CHECK(tr.size() == 2);
    CHECK(tr.frames == 3);
    CHECK(tr.channels == 2);
    CHECK(tr.height == 1);
    CHECK(tr.width == 2);
    CHECK(tr.num_classes == 10);  // the attribute, not 1 + the largest label
    CHECK(tr.sample_size() == 12);
    for (std::size_t k = 0; k < 24; ++k) CHECK(tr.images[k] == value(k));
    CHECK(tr.image(1)[0] == value(12));
    CHECK(tr.labels == std::vector<std::uint8_t>{1, 0});
    const snn::dataset te = load_tensor(path, "test", frame_inputs::accept);
    CHECK(te.size() == 1);
    for (std::size_t k = 0; k < 12; ++k) CHECK(te.images[k] == float(k));
    CHECK_THROWS_WITH_AS(load_tensor(path, "test"),
                         ("tensor dataset " + path +
                          ": /test/inputs holds 3 frames per sample [N, T, C, H, W]; this command "
                          "takes static images [N, C, H, W] (eval and sweep take frames)")
                             .c_str(),
                         spikebar::io_error);
}

TEST_CASE("uint8 inputs scale to byte / 255 and one frame [N, 1, C, H, W] is static") {
    temp_dir dir;
    const std::string path = dir / "bytes.h5";
    std::vector<std::uint8_t> b(256);
    for (int k = 0; k < 256; ++k) b[std::size_t(k)] = std::uint8_t(255 - k);
    {
        writer w(path);
        w.dataset("/inputs", H5T_STD_U8LE, H5T_NATIVE_UINT8, {4, 1, 1, 8, 8}, b.data());
        w.ints("/labels", {0, 1, 2, 3});
    }
    const snn::dataset d = load_tensor(path, "test");  // static: no frames to refuse
    CHECK(d.frames == 1);
    CHECK(d.channels == 1);
    CHECK(d.height == 8);
    for (int k = 0; k < 256; ++k) CHECK(d.images[std::size_t(k)] == float(255 - k) / 255.0f);
}

TEST_CASE("[data] dataset = tensor reads data.path with the limits and the validation tail") {
    temp_dir dir;
    const std::string path = dir / "set.h5";
    {
        writer w(path);
        w.floats("/train/inputs", {6, 1, 1, 2}, pattern(12));
        w.ints("/train/labels", {0, 1, 2, 3, 4, 5});
        w.floats("/test/inputs", {3, 1, 1, 2}, pattern(6));
        w.ints("/test/labels", {2, 1, 0});
    }
    experiments::data_params p;
    p.dataset = "tensor";
    CHECK_THROWS_WITH_AS(p.validate(),
                         "data.path = '': data.dataset = tensor needs the HDF5 tensor file "
                         "(docs/datasets.md)",
                         spikebar::config_error);
    p.path = path;
    p.validate();
    p.validation = 2;
    p.train_limit = 3;
    p.test_limit = 2;
    const std::vector<float> all = pattern(12);
    const snn::dataset tr = experiments::load_dataset(p, "train");
    CHECK(tr.labels == std::vector<std::uint8_t>{0, 1, 2});
    CHECK(tr.images == std::vector<float>(all.begin(), all.begin() + 6));
    const snn::dataset va = experiments::load_dataset(p, "validation");
    CHECK(va.labels == std::vector<std::uint8_t>{4, 5});
    CHECK(va.images == std::vector<float>(all.begin() + 8, all.end()));
    const snn::dataset te = experiments::load_dataset(p, "test");
    CHECK(te.labels == std::vector<std::uint8_t>{2, 1});
    p.validation = 6;
    CHECK_THROWS_WITH_AS(
        experiments::load_dataset(p, "train"),
        ("data.validation = 6: must be less than the 6 training samples in " + path).c_str(),
        spikebar::config_error);
}

TEST_CASE("every bad tensor file gives one line naming the file and what was expected") {
    temp_dir dir;
    const std::string path = dir / "bad.h5";
    const std::string pre = "tensor dataset " + path + ": ";
    const auto expect = [&](const std::string& split, const std::string& msg) {
        CAPTURE(msg);
        CHECK_THROWS_WITH_AS(load_tensor(path, split, frame_inputs::accept), (pre + msg).c_str(),
                             spikebar::io_error);
    };
    SUBCASE("no file") {
        expect("test", "file does not exist");
    }
    SUBCASE("a directory") {
        CHECK_THROWS_WITH_AS(
            load_tensor(dir.path.string(), "test"),
            ("tensor dataset " + dir.path.string() + ": is a directory, expected an HDF5 file")
                .c_str(),
            spikebar::io_error);
    }
    SUBCASE("not HDF5") {
        FILE* f = std::fopen(path.c_str(), "wb");
        std::fputs("not hdf5 at all", f);
        std::fclose(f);
        expect("test", "not an HDF5 file");
    }
    SUBCASE("empty file") {
        { writer w(path); }
        expect("test",
               "holds neither /inputs and /labels nor /train and /test groups "
               "(docs/datasets.md)");
    }
    SUBCASE("both layouts") {
        {
            writer w(path);
            w.floats("/inputs", {1, 1, 1, 1}, {0});
            w.group("/test");
        }
        expect("test",
               "holds both /inputs or /labels and a /train or /test group, expected one "
               "layout (docs/datasets.md)");
    }
    SUBCASE("split missing") {
        {
            writer w(path);
            w.floats("/train/inputs", {1, 1, 1, 1}, {0});
            w.ints("/train/labels", {0});
        }
        expect("test", "has no /test group, which the test split reads");
    }
    SUBCASE("inputs missing") {
        {
            writer w(path);
            w.ints("/labels", {0});
        }
        expect("test",
               "/inputs is missing, expected float32 or uint8 [N, C, H, W] or "
               "[N, T, C, H, W]");
    }
    SUBCASE("labels missing") {
        {
            writer w(path);
            w.floats("/test/inputs", {1, 1, 1, 1}, {0});
        }
        expect("test", "/test/labels is missing, expected integer labels [N]");
    }
    SUBCASE("inputs a group") {
        {
            writer w(path);
            w.group("/inputs");
            w.ints("/labels", {0});
        }
        expect("train", "/inputs is not a dataset");
    }
    SUBCASE("inputs of int32") {
        {
            writer w(path);
            const std::vector<std::int64_t> v = {1, 2};
            w.dataset("/inputs", H5T_STD_I32LE, H5T_NATIVE_INT64, {2, 1, 1, 1}, v.data());
            w.ints("/labels", {0, 1});
        }
        expect("test", "/inputs holds int32 values, expected float32 or uint8");
    }
    SUBCASE("wrong rank") {
        {
            writer w(path);
            w.floats("/inputs", {2, 3}, pattern(6));
            w.ints("/labels", {0, 1});
        }
        expect("test", "/inputs has shape [2, 3], expected [N, C, H, W] or [N, T, C, H, W]");
    }
    SUBCASE("rank 6") {
        {
            writer w(path);
            w.floats("/inputs", {1, 1, 1, 1, 1, 2}, pattern(2));
            w.ints("/labels", {0});
        }
        expect("test",
               "/inputs has shape [1, 1, 1, 1, 1, 2], expected [N, C, H, W] or [N, T, C, H, W]");
    }
    SUBCASE("a zero dimension") {
        {
            writer w(path);
            w.floats("/inputs", {0, 1, 2, 2}, {});
            w.ints("/labels", {});
        }
        expect("test", "/inputs has shape [0, 1, 2, 2], expected every dimension >= 1");
    }
    SUBCASE("too many frames") {
        {
            writer w(path);
            w.floats("/inputs", {1, 1025, 1, 1, 1}, std::vector<float>(1025));
            w.ints("/labels", {0});
        }
        expect("test",
               "/inputs holds 1025 frames per sample, expected at most 1024 "
               "(network.timesteps' bound)");
    }
    SUBCASE("float labels") {
        {
            writer w(path);
            w.floats("/inputs", {2, 1, 1, 1}, {0, 1});
            w.floats("/labels", {2}, {0, 1});
        }
        expect("test", "/labels holds float32 values, expected integers");
    }
    SUBCASE("labels of rank 2") {
        {
            writer w(path);
            w.floats("/inputs", {2, 1, 1, 1}, {0, 1});
            const std::vector<std::int64_t> v = {0, 1};
            w.dataset("/labels", H5T_STD_I32LE, H5T_NATIVE_INT64, {2, 1}, v.data());
        }
        expect("test", "/labels has shape [2, 1], expected [N] = [2]");
    }
    SUBCASE("labels length mismatch") {
        {
            writer w(path);
            w.floats("/inputs", {4, 1, 1, 1}, {0, 1, 2, 3});
            w.ints("/labels", {0, 1, 2});
        }
        expect("test", "/labels holds 3 labels for the 4 samples of /inputs");
    }
    SUBCASE("label out of range of num_classes") {
        {
            writer w(path);
            w.floats("/train/inputs", {3, 1, 1, 1}, {0, 1, 2});
            w.ints("/train/labels", {0, 9, 10});
            w.floats("/test/inputs", {1, 1, 1, 1}, {0});
            w.ints("/test/labels", {0});
            w.int_attr("num_classes", 10);
        }
        expect("train", "/train/labels: label 10 at index 2 is not in [0, 10) (/@num_classes)");
    }
    SUBCASE("negative label") {
        {
            writer w(path);
            w.floats("/inputs", {2, 1, 1, 1}, {0, 1});
            w.ints("/labels", {0, -1});
        }
        expect("test", "/labels: label -1 at index 1 is not in [0, 256) (classes are 8-bit)");
    }
    SUBCASE("label above 255") {
        {
            writer w(path);
            w.floats("/inputs", {1, 1, 1, 1}, {0});
            w.ints("/labels", {256});
        }
        expect("test", "/labels: label 256 at index 0 is not in [0, 256) (classes are 8-bit)");
    }
    SUBCASE("bad num_classes") {
        {
            writer w(path);
            w.floats("/inputs", {1, 1, 1, 1}, {0});
            w.ints("/labels", {0});
            w.int_attr("num_classes", 0);
        }
        expect("test", "/@num_classes = 0, expected an integer in [1, 256]");
    }
    SUBCASE("nan and inf") {
        for (const bool nan : {true, false}) {
            std::vector<float> v = pattern(2 * 3 * 1 * 2 * 2);
            v[1 * 12 + 2 * 4 + 0 * 2 + 1] = nan ? std::numeric_limits<float>::quiet_NaN()
                                                : -std::numeric_limits<float>::infinity();
            {
                writer w(path);
                w.floats("/inputs", {2, 3, 1, 2, 2}, v);
                w.ints("/labels", {0, 1});
            }
            expect("test", std::string("/inputs[1, 2, 0, 0, 1] is ") + (nan ? "nan" : "-inf") +
                               ", expected finite values");
        }
    }
}

namespace {

// flatten, linear:3, lif, linear:2 on [2, 2, 2] inputs, weights in eighths (sums exact in
// float whatever the order), decay 0.5, threshold 1, hard reset to 0.
snn::model frame_model(int T) {
    snn::network_params net;
    net.layers = "flatten, linear:3, lif, linear:2";
    net.timesteps = T;
    snn::neuron_params lif;
    snn::model m = snn::make_model(net, lif, {2, 2, 2}, 3);
    for (auto& s : m.layers) {
        for (std::size_t k = 0; k < s.weight.size(); ++k)
            s.weight[k] = float(int(k * 5 % 9) - 3) / 8.0f;
        for (std::size_t k = 0; k < s.bias.size(); ++k) s.bias[k] = float(int(k % 3)) / 8.0f;
    }
    return m;
}

// The network from its equations, on one sample's frames [T][C, H, W] (channel-major, as
// the file stores them; the engine's flatten order is channel-last: (y * W + x) * C + c).
std::vector<float> slow_logits(const snn::model& m, const float* frames, int T) {
    const int C = 2, H = 2, W = 2, D = 8, J = 3, K = 2;
    const auto& w1 = m.layers[1].weight;  // [in][out]
    const auto& b1 = m.layers[1].bias;
    const auto& w2 = m.layers[3].weight;
    const auto& b2 = m.layers[3].bias;
    std::vector<float> v(J, 0.0f), out;
    for (int t = 0; t < T; ++t) {
        const float* f = frames + t * D;
        std::vector<float> x(D);
        for (int c = 0; c < C; ++c)
            for (int y = 0; y < H; ++y)
                for (int xx = 0; xx < W; ++xx) x[(y * W + xx) * C + c] = f[(c * H + y) * W + xx];
        std::vector<float> s(J);
        for (int j = 0; j < J; ++j) {
            float i = b1[j];
            for (int d = 0; d < D; ++d) i += x[d] * w1[d * J + j];
            v[j] = 0.5f * v[j] + i;  // v[t] = decay * v[t-1] + I[t]
            s[j] = v[j] >= 1.0f ? 1.0f : 0.0f;
            if (s[j] != 0) v[j] = 0.0f;  // hard reset, applied before step t + 1
        }
        for (int k = 0; k < K; ++k) {
            float o = b2[k];
            for (int j = 0; j < J; ++j) o += s[j] * w2[j * K + k];
            out.push_back(o);
        }
    }
    return out;
}

}  // namespace

TEST_CASE("eval drives step t with frame t of a tensor file, as the equations say") {
    // Reference: slow_logits, the network written out as loops (exact: eighths and counts).
    temp_dir dir;
    const int T = 4, N = 5;
    const std::string path = dir / "events.h5";
    std::vector<float> frames(std::size_t(N) * T * 8);
    for (std::size_t k = 0; k < frames.size(); ++k) frames[k] = float((k * 13 + k / 7) % 4);
    {
        writer w(path);
        w.floats("/inputs", {hsize_t(N), hsize_t(T), 2, 2, 2}, frames);
        w.ints("/labels", {0, 1, 1, 0, 1});
    }
    const snn::model m = frame_model(T);
    experiments::data_params p;
    p.dataset = "tensor";
    p.path = path;
    const snn::dataset d = experiments::load_dataset(p, "test", frame_inputs::accept);
    const snn::ideal_synapse ideal(m);
    const experiments::eval_result r = experiments::evaluate(m, ideal, d, 2, 0);
    REQUIRE(r.logits.size() == std::size_t(N) * T * 2);
    int differ = 0;  // the frames matter: a static input would give other logits
    for (int i = 0; i < N; ++i) {
        const std::vector<float> ref = slow_logits(m, frames.data() + std::size_t(i) * T * 8, T);
        const std::vector<float> got(r.logits.begin() + i * T * 2,
                                     r.logits.begin() + (i + 1) * T * 2);
        CAPTURE(i);
        CHECK(got == ref);
        for (int t = 1; t < T; ++t) differ += got[t * 2] != got[0] || got[t * 2 + 1] != got[1];
    }
    CHECK(differ > 0);

    // run_evaluation (spikebar eval) with the model file: the same accuracy, and the rule
    // that frames number 1 or T.
    const std::string model_path = dir / "m.h5";
    snn::save_model(m, model_path);
    experiments::run_config cfg = experiments::default_config(
        {"data.dataset=tensor", "data.path=" + path, "crossbar.enabled=false"});
    const experiments::evaluation ev = experiments::run_evaluation(cfg, model_path, "", "test");
    REQUIRE(ev.lanes.size() == 1);
    for (int t = 1; t <= T; ++t) CHECK(ev.lanes[0].accuracy(t) == r.accuracy(t));
    snn::save_model(frame_model(3), model_path);
    CHECK_THROWS_WITH_AS(experiments::run_evaluation(cfg, model_path, "", "test"),
                         (path + " (tensor/test): 4 frames per sample, " + model_path +
                          " runs T = 3 steps: frames must number 1 or T (one per step)")
                             .c_str(),
                         spikebar::io_error);
}
