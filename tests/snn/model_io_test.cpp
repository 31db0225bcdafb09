// Checks the model file (snn/model_io.hpp): exact round trips of models and checkpoints,
// the PyTorch weight layouts read back with the HDF5 C API, and the io_error messages for
// broken files, each corrupted here with the HDF5 C API and asserted verbatim.
#include "snn/model_io.hpp"

#include <doctest/doctest.h>
#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "common/errors.hpp"
#include "helpers.hpp"

using namespace snn;
namespace fs = std::filesystem;

namespace {

struct temp_dir {
    fs::path path;
    temp_dir() {
        path = fs::temp_directory_path() / ("spikebar_model_io_test_" + std::to_string(::getpid()));
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~temp_dir() { fs::remove_all(path); }
    std::string file(const std::string& name) const { return (path / name).string(); }
};

// conv 3 -> 4 (k 3, stride 2, pad 1) on 3 x 7 x 6, bn, lif, maxpool, flatten (4 x 2 x 1),
// linear 8 -> 5, lif, linear 3.
model sample_model() {
    network_params net;
    net.layers = "conv:4:3:2:1, bn, lif, maxpool:2, flatten, linear:5, lif, linear:3";
    net.timesteps = 6;
    net.encoding = "rate";
    neuron_params lif;
    lif.decay = 0.8125;
    lif.threshold = 0.75;
    lif.reset = "soft";
    lif.v_reset = -0.125;
    model m = make_model(net, lif, {3, 7, 6}, 99);
    auto& bn = m.layers[1];
    bn.gamma = {1.5f, -0.5f, 2.0f, 0.25f};
    bn.beta = {0.1f, 0.2f, 0.3f, 0.4f};
    bn.running_mean = {-1, 0, 1, 2};
    bn.running_var = {0.5f, 1, 2, 4};
    bn.bn_eps = 1e-3f;
    m.metadata = {{"dataset", "fashion-mnist"},
                  {"epochs", "30"},
                  {"command", "spikebar train --config x.ini"}};
    return m;
}

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const spikebar::io_error& e) {
        return e.what();
    }
    return "(no io_error)";
}

std::vector<float> read_dataset(const std::string& path, const char* name,
                                std::vector<hsize_t>& dims) {
    const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    const hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    const hid_t sp = H5Dget_space(d);
    dims.assign(H5Sget_simple_extent_ndims(sp), 0);
    H5Sget_simple_extent_dims(sp, dims.data(), nullptr);
    std::size_t n = 1;
    for (auto x : dims) n *= x;
    std::vector<float> v(n);
    H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
    H5Sclose(sp);
    H5Dclose(d);
    H5Fclose(f);
    return v;
}

// Opens a saved file read-write for corruption.
struct rw_file {
    hid_t f;
    explicit rw_file(const std::string& p) : f(H5Fopen(p.c_str(), H5F_ACC_RDWR, H5P_DEFAULT)) {
        REQUIRE(f >= 0);
    }
    ~rw_file() { H5Fclose(f); }
    void set_string_attr(const char* obj, const char* name, const std::string& v) {
        const hid_t o = H5Oopen(f, obj, H5P_DEFAULT);
        H5Adelete(o, name);
        const hid_t t = H5Tcopy(H5T_C_S1);
        H5Tset_size(t, v.size());
        const hid_t sp = H5Screate(H5S_SCALAR);
        const hid_t a = H5Acreate2(o, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
        H5Awrite(a, t, v.data());
        H5Aclose(a);
        H5Sclose(sp);
        H5Tclose(t);
        H5Oclose(o);
    }
};

}  // namespace

TEST_CASE("save and load round-trip architecture, neuron params, weights and metadata exactly") {
    temp_dir dir;
    const model m = sample_model();
    const std::string path = dir.file("model.h5");
    save_model(m, path);
    CHECK_FALSE(fs::exists(path + ".tmp"));
    const model r = load_model(path);
    CHECK(r.arch.to_string() == m.arch.to_string());
    CHECK(r.arch.input == m.arch.input);
    CHECK(r.net.timesteps == 6);
    CHECK(r.net.encoding == "rate");
    CHECK(r.net.kind == "snn");
    CHECK(r.lif.decay == 0.8125);
    CHECK(r.lif.threshold == 0.75);
    CHECK(r.lif.reset == "soft");
    CHECK(r.lif.v_reset == -0.125);
    CHECK(r.metadata == m.metadata);
    REQUIRE(r.layers.size() == m.layers.size());
    for (std::size_t i = 0; i < m.layers.size(); ++i) {
        INFO("layer " << i);
        CHECK(r.arch.layers[i].out == m.arch.layers[i].out);
        CHECK(r.layers[i].weight == m.layers[i].weight);
        CHECK(r.layers[i].bias == m.layers[i].bias);
        CHECK(r.layers[i].gamma == m.layers[i].gamma);
        CHECK(r.layers[i].beta == m.layers[i].beta);
        CHECK(r.layers[i].running_mean == m.layers[i].running_mean);
        CHECK(r.layers[i].running_var == m.layers[i].running_var);
        CHECK(r.layers[i].bn_eps == m.layers[i].bn_eps);
    }
    // A plain model file is not a checkpoint.
    CHECK(error_of([&] { load_checkpoint(path); }) ==
          path + ": /optimizer is missing (a model file, not a training checkpoint)");
}

TEST_CASE("checkpoint round trip keeps the optimizer state and epochs done") {
    temp_dir dir;
    const model m = sample_model();
    optimizer_state opt;
    spikebar::counter_stream s{snn_test::base_seed(), 0x0B7};
    for (const auto& l : m.layers)
        for (const auto* t : {&l.weight, &l.bias, &l.gamma, &l.beta})
            if (!t->empty()) {
                opt.m.push_back(snn_test::random_values<float>(s, t->size(), -1, 1));
                opt.v.push_back(snn_test::random_values<float>(s, t->size(), 0, 1));
            }
    REQUIRE(opt.m.size() == 8);  // conv, bn, linear, linear: two tensors each
    opt.step = 1234;
    const std::string path = dir.file("ckpt.h5");
    save_model(m, path, &opt, 7);
    const checkpoint c = load_checkpoint(path);
    CHECK(c.epochs_done == 7);
    CHECK(c.opt.step == 1234);
    CHECK(c.opt.m == opt.m);
    CHECK(c.opt.v == opt.v);
    CHECK(c.m.layers[5].weight == m.layers[5].weight);
    // The order matches the trainer's parameter order, so resuming pairs state and tensors.
    trainer tr(c.m, train_params{}, 1);
    const auto params = tr.parameters();
    REQUIRE(params.size() == c.opt.m.size());
    for (std::size_t q = 0; q < params.size(); ++q) CHECK(params[q]->size() == c.opt.m[q].size());
}

TEST_CASE(
    "weights are stored in PyTorch layouts: conv [out, in, kh, kw], linear after flatten (c, y, "
    "x)") {
    temp_dir dir;
    model m = sample_model();
    // Mark single elements with values that say where they came from.
    const auto& conv = m.arch.layers[0];
    const int cin = conv.in.c, cout = conv.out.c, k = conv.kernel;
    auto& cw = m.layers[0].weight;
    const int co = 2, ci = 1, ky = 0, kx = 2;
    cw[((ky * k + kx) * cin + ci) * cout + co] = 42.0f;
    const auto& lin = m.arch.layers[5];  // linear 8 -> 5 after flatten of (4, 2, 1)
    REQUIRE(lin.in.size() == 8);
    const shape3 flat_from = m.arch.layers[4].in;
    REQUIRE(flat_from == shape3{4, 2, 1});
    auto& lw = m.layers[5].weight;
    const int o = 3, c = 2, y = 1, x = 0;
    lw[((y * flat_from.w + x) * flat_from.c + c) * lin.out.c + o] = -42.0f;
    const std::string path = dir.file("layout.h5");
    save_model(m, path);

    std::vector<hsize_t> dims;
    const auto fc = read_dataset(path, "/layers/00/weight", dims);
    CHECK(dims == std::vector<hsize_t>{hsize_t(cout), hsize_t(cin), hsize_t(k), hsize_t(k)});
    CHECK(fc[((co * cin + ci) * k + ky) * k + kx] == 42.0f);
    CHECK(std::count(fc.begin(), fc.end(), 42.0f) == 1);
    const auto fl = read_dataset(path, "/layers/05/weight", dims);
    CHECK(dims == std::vector<hsize_t>{5, 8});
    CHECK(fl[o * 8 + (c * flat_from.h + y) * flat_from.w + x] == -42.0f);
    CHECK(std::count(fl.begin(), fl.end(), -42.0f) == 1);
    // A linear layer reading a vector keeps its order: [out, in] = transpose of [in][out].
    const auto fr = read_dataset(path, "/layers/07/weight", dims);
    CHECK(dims == std::vector<hsize_t>{3, 5});
    for (int oo = 0; oo < 3; ++oo)
        for (int ii = 0; ii < 5; ++ii) CHECK(fr[oo * 5 + ii] == m.layers[7].weight[ii * 3 + oo]);
}

TEST_CASE("loading a broken file throws an io_error naming the file and the path inside it") {
    temp_dir dir;
    const model m = sample_model();
    const std::string good = dir.file("good.h5");
    save_model(m, good);
    auto copy = [&](const std::string& name) {
        const std::string p = dir.file(name);
        fs::copy_file(good, p, fs::copy_options::overwrite_existing);
        return p;
    };

    SUBCASE("missing file") {
        const std::string p = dir.file("nope.h5");
        CHECK(error_of([&] { load_model(p); }) == p + ": cannot open (missing or unreadable)");
    }
    SUBCASE("not HDF5") {
        const std::string p = dir.file("text.h5");
        std::ofstream(p) << "conv:32:3\n";
        CHECK(error_of([&] { load_model(p); }) == p + ": not an HDF5 file");
    }
    SUBCASE("missing dataset") {
        const std::string p = copy("no_bias.h5");
        {
            rw_file f(p);
            REQUIRE(H5Ldelete(f.f, "/layers/05/bias", H5P_DEFAULT) >= 0);
        }
        CHECK(error_of([&] { load_model(p); }) == p + ": /layers/05/bias is missing");
    }
    SUBCASE("shape mismatch") {
        const std::string p = copy("bad_shape.h5");
        {
            rw_file f(p);
            REQUIRE(H5Ldelete(f.f, "/layers/00/weight", H5P_DEFAULT) >= 0);
            const hsize_t dims[4] = {4, 3, 2, 2};
            const hid_t sp = H5Screate_simple(4, dims, nullptr);
            const hid_t d = H5Dcreate2(f.f, "/layers/00/weight", H5T_IEEE_F32LE, sp, H5P_DEFAULT,
                                       H5P_DEFAULT, H5P_DEFAULT);
            const std::vector<float> zeros(48, 0.0f);
            H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, zeros.data());
            H5Dclose(d);
            H5Sclose(sp);
        }
        CHECK(error_of([&] { load_model(p); }) ==
              p + ": /layers/00/weight has shape [4, 3, 2, 2], expected [4, 3, 3, 3]");
    }
    SUBCASE("unknown layer type") {
        const std::string p = copy("bad_type.h5");
        rw_file(p).set_string_attr("/layers/02", "type", "dense");
        CHECK(error_of([&] { load_model(p); }) == p + ": /layers/02@type = 'dense' is not a known "
                                                      "layer type (conv, linear, bn, lif, relu, "
                                                      "avgpool, maxpool, flatten, sumpool, scale, "
                                     "threshold, li)");
    }
    SUBCASE("missing attribute") {
        const std::string p = copy("no_timesteps.h5");
        {
            rw_file f(p);
            const hid_t o = H5Oopen(f.f, "/network", H5P_DEFAULT);
            REQUIRE(H5Adelete(o, "timesteps") >= 0);
            H5Oclose(o);
        }
        CHECK(error_of([&] { load_model(p); }) == p + ": /network@timesteps is missing");
    }
    SUBCASE("invalid neuron parameter") {
        const std::string p = copy("bad_reset.h5");
        rw_file(p).set_string_attr("/neuron", "reset", "medium");
        CHECK(error_of([&] { load_model(p); }) ==
              p + ": lif.reset = medium: expected one of hard | soft");
    }
    SUBCASE("wrong format tag") {
        const std::string p = copy("bad_format.h5");
        rw_file(p).set_string_attr("/", "format", "keras");
        CHECK(error_of([&] { load_model(p); }) == p + ": /@format is not 'spikebar-model'");
    }
}

TEST_CASE("an ANN whose QCFS activation the engine cannot run is refused when loaded") {
    // Found by the model fuzz target: levels 0 or threshold <= 0 loaded, and the engine
    // then threw std::invalid_argument ("internal error", exit 1) instead of an io_error.
    // Reference: the QCFS definition (snn/neuron.hpp) needs one L >= 1 and one λ > 0.
    temp_dir dir;
    network_params net;
    net.layers = "conv:2:3, lif, flatten, linear:2";
    net.kind = "ann";
    net.timesteps = 1;
    model m = make_model(net, neuron_params{}, {1, 5, 5}, 7);
    m.layers[1].neuron.levels = {4.0f};
    m.layers[1].neuron.threshold = {0.5f};
    const std::string good = dir.file("qcfs.h5");
    save_model(m, good);
    CHECK(load_model(good).layers[1].neuron.levels == std::vector<float>{4.0f});
    const std::string expected = ": /layers/01: a QCFS activation needs one levels, an integer "
                                 "in [1, 65536], and one threshold > 0 (finite)";
    for (const auto& [levels, threshold] : std::vector<std::pair<float, float>>{
             {0.0f, 0.5f}, {2.5f, 0.5f}, {4.0f, 0.0f}, {4.0f, -1.0f},
             {4.0f, std::numeric_limits<float>::infinity()}}) {
        m.layers[1].neuron.levels = {levels};
        m.layers[1].neuron.threshold = {threshold};
        const std::string p = dir.file("bad_qcfs.h5");
        save_model(m, p);
        INFO("levels " << levels << ", threshold " << threshold);
        CHECK(error_of([&] { load_model(p); }) == p + expected);
    }
}
