// NIR import and export (experiments/nir/nir_import.hpp, nir_export.hpp): the real files other
// frameworks' exporters wrote (tests/data/nir, from /work/shared/nir-fixtures) against
// their node lists and against traces solved by hand from NIR's equations and docs/nir.md;
// every rejection against its exact message; and the round trip of spikebar's models.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <unistd.h>
#include <vector>

#include "common/errors.hpp"
#include "experiments/nir/nir_export.hpp"
#include "experiments/nir/nir_file.hpp"
#include "experiments/nir/nir_import.hpp"
#include "fixtures.hpp"
#include "snn/engine.hpp"
#include "snn/model_io.hpp"

using experiments::import_nir;
using experiments::nir_import_options;

namespace {

std::string fixture(const std::string& name) {
    const char* src = std::getenv("SPIKEBAR_SOURCE_DIR");
    return std::string(src ? src : ".") + "/tests/data/nir/" + name;
}

std::string tmp_path(const std::string& name) {
    return "/tmp/spikebar_nir_test_" + std::to_string(getpid()) + "_" + name;
}

nir_import_options with_dt(double dt, const std::string& reset = "", const std::string& test = "") {
    nir_import_options o;
    o.dt = dt;
    o.timesteps = 20;
    o.reset = reset;
    o.spike_test = test;
    return o;
}

// Steps (1-based) at which output neuron 0 of lif layer j spikes under a constant input.
std::vector<int> spike_steps(const snn::model& m, float input, int steps, int j) {
    const snn::ideal_synapse syn(m);
    snn::engine e(m, syn);
    std::vector<float> x(std::size_t(m.arch.input.size()), input);
    e.start(x.data(), 1, 0);
    std::vector<int> at;
    for (int t = 1; t <= steps; ++t) {
        e.step();
        if (e.spikes(0, j)[0] == 1.0f) at.push_back(t);
    }
    return at;
}

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "(no error)";
}

// A small graph: input [n] -> nodes... -> output, chained in the order given.
experiments::nir::graph chain(std::vector<experiments::nir::node> nodes, std::int64_t n_in,
                              std::int64_t n_out) {
    using experiments::nir::array;
    experiments::nir::graph g;
    g.version = "0.2.0";
    auto ints = [](std::vector<std::int64_t> v) {
        array a;
        a.is_integer = true;
        a.shape = {std::int64_t(v.size())};
        a.values.assign(v.begin(), v.end());
        return a;
    };
    experiments::nir::node in, out;
    in.name = "input", in.type = "Input", in.params["shape"] = ints({n_in});
    out.name = "output", out.type = "Output", out.params["shape"] = ints({n_out});
    g.nodes.push_back(in);
    std::string prev = "input";
    for (auto& n : nodes) {
        g.edges.emplace_back(prev, n.name);
        prev = n.name;
        g.nodes.push_back(n);
    }
    g.edges.emplace_back(prev, "output");
    g.nodes.push_back(out);
    return g;
}

experiments::nir::array values(std::vector<double> v, std::vector<std::int64_t> shape = {}) {
    experiments::nir::array a;
    a.shape = shape.empty() ? std::vector<std::int64_t>{std::int64_t(v.size())} : shape;
    a.values = std::move(v);
    return a;
}

experiments::nir::node affine(const std::string& name, int out, int in) {
    experiments::nir::node n;
    n.name = name, n.type = "Affine";
    n.params["weight"] = values(std::vector<double>(std::size_t(out * in), 1.0), {out, in});
    n.params["bias"] = values(std::vector<double>(std::size_t(out), 0.0));
    return n;
}

experiments::nir::node lif(const std::string& name, int n, double v_reset = 0) {
    experiments::nir::node l;
    l.name = name, l.type = "LIF";
    for (const char* k : {"tau", "r", "v_leak", "v_threshold", "v_reset"})
        l.params[k] = values(std::vector<double>(std::size_t(n), 1.0));
    l.params["tau"] = values(std::vector<double>(std::size_t(n), 0.01));
    l.params["v_leak"] = values(std::vector<double>(std::size_t(n), 0.0));
    l.params["v_reset"] = values(std::vector<double>(std::size_t(n), v_reset));
    return l;
}

std::string written(const experiments::nir::graph& g, const std::string& name) {
    const std::string p = tmp_path(name);
    experiments::nir::write_graph(g, p);
    return p;
}

}  // namespace

TEST_CASE("cnn_sinabs.nir imports with Sinabs' semantics: layers, shapes, parameter count") {
    // Reference: the node list of the fixture's README and h5dump: 5 weighted layers,
    // 16*2*5*5+16 + 16*16*3*3+16 + 8*16*3*3+8 + 256*128+256 + 10*256+10 = 39890 parameters.
    const auto r = import_nir(fixture("cnn_sinabs.nir"), with_dt(1, "subtract", "ge"));
    const snn::model& m = r.model;
    using K = snn::layer_kind;
    const std::vector<K> kinds{K::conv, K::lif, K::conv,    K::lif,    K::sumpool, K::conv,   K::lif,
                               K::sumpool, K::flatten, K::linear, K::lif, K::linear, K::lif};
    REQUIRE(m.arch.layers.size() == kinds.size());
    for (std::size_t i = 0; i < kinds.size(); ++i) CHECK(m.arch.layers[i].kind == kinds[i]);
    CHECK(m.arch.input == snn::shape3{2, 34, 34});
    CHECK(m.arch.layers[0].out == snn::shape3{16, 16, 16});  // 5x5, stride 2, pad 1
    CHECK(m.arch.layers[4].out == snn::shape3{16, 8, 8});
    CHECK(m.arch.layers[7].out == snn::shape3{8, 4, 4});
    CHECK(m.arch.layers[8].out == snn::shape3{128, 1, 1});
    CHECK(m.num_classes() == 10);
    CHECK(m.parameter_count() == 39890);
    // IF with r = 1 at dt = 1: v += I, threshold 1 (one value for all neurons).
    const auto& n1 = m.layers[1].neuron;
    CHECK(n1.decay == std::vector<float>{1.0f});
    CHECK(n1.gain == std::vector<float>{1.0f});
    CHECK(n1.threshold == std::vector<float>{1.0f});
    CHECK(n1.reset == "soft");
    CHECK_FALSE(n1.fire_above);
    CHECK(m.metadata.at("nir_version") == "0.2.0");
    CHECK(r.report.size() == kinds.size());
    // The first conv weight as h5dump shows /node/nodes/0/weight[0, 0, 0, 0..1] and the
    // internal layout [(ky * 5 + kx) * 2 + ci][co]:
    const auto g = experiments::nir::read_graph(fixture("cnn_sinabs.nir"));
    for (const auto& n : g.nodes)
        if (n.name == "0") {
            const auto& w = n.params.at("weight").values;
            CHECK(m.layers[0].weight[0] == float(w[0]));              // (co 0, ci 0, ky 0, kx 0)
            CHECK(m.layers[0].weight[1 * 2 * 16] == float(w[1]));     // kx 1
            CHECK(m.layers[0].weight[1 * 16] == float(w[25]));        // ci 1
        }
}

TEST_CASE("LIF fixtures match traces solved by hand") {
    SUBCASE("lif_norse.nir: tau 0.0025, r 1, threshold 0.1, dt 1e-4, input 1") {
        // Euler: decay 1 - 0.04 = 0.96, gain 0.04; v_t = 1 - 0.96^t from rest:
        // 0.04, 0.0784, 0.1153 > 0.1 -> spikes at 3, reset to 0, again at 6, 9.
        const auto m = import_nir(fixture("lif_norse.nir"), with_dt(1e-4)).model;
        CHECK(m.layers[1].neuron.decay == std::vector<float>{0.96f});
        CHECK(spike_steps(m, 1.0f, 10, 0) == std::vector<int>{3, 6, 9});
    }
    SUBCASE("lif_rockpool.nir: Linear 0.04, tau 0.0025, r 24.0197, dt 1e-3, input 0.05") {
        // decay 0.6, gain 0.4 r = 9.60788; drive per step 9.60788 * 0.04 * 0.05 = 0.0192158;
        // v_t = 0.0480394 (1 - 0.6^t): 0.0192, 0.0307, 0.0377, 0.0418, ... < 0.1: silent.
        // Input 0.15: v_t = 0.144118 (1 - 0.6^t) = 0.0576, 0.0922, 0.1130 -> spike at 3.
        const auto m = import_nir(fixture("lif_rockpool.nir"), with_dt(1e-3)).model;
        CHECK(spike_steps(m, 0.05f, 12, 0).empty());
        CHECK(spike_steps(m, 0.15f, 3, 0) == std::vector<int>{3});
    }
    SUBCASE("two_lif_neurons.nir: v_leak 1.2 above threshold 1 fires without input") {
        // lif1: tau 0.01, dt 1e-3: decay 0.9, drive 0.12; v_t = 1.2 (1 - 0.9^t) first
        // exceeds 1 at t = 18 (0.9^17 = 0.1668 > 1/6 > 0.9^18 = 0.1501), then every 18.
        const auto m = import_nir(fixture("two_lif_neurons.nir"), with_dt(1e-3)).model;
        CHECK(spike_steps(m, 0.0f, 40, 0) == std::vector<int>{18, 36});
        // lif2 (threshold 20) integrates 0.1 per input spike: silent over these steps.
        CHECK(spike_steps(m, 0.0f, 40, 1).empty());
    }
    SUBCASE("exact discretization: decay e^(-dt/tau)") {
        nir_import_options o = with_dt(1e-4);
        o.discretization = "exact";
        const auto m = import_nir(fixture("lif_norse.nir"), o).model;
        const double a = 1e-4 / double(0.0025f);  // the file's tau is float32
        CHECK(m.layers[1].neuron.decay == std::vector<float>{float(std::exp(-a))});
        CHECK(m.layers[1].neuron.gain == std::vector<float>{float(-std::expm1(-a))});
    }
}

TEST_CASE("import refuses what it cannot run, with one line naming the node and the reason") {
    // Reference: the messages documented in docs/nir.md and nir_import.hpp.
    SUBCASE("unknown node type") {
        auto n = affine("a", 2, 2);
        n.type = "Foo";
        const auto p = written(chain({n}, 2, 2), "unknown.nir");
        CHECK(error_of([&] { import_nir(p, with_dt(1)); }) ==
              p + ": node \"a\" (Foo): is not a known NIR node type");
        std::remove(p.c_str());
    }
    SUBCASE("a shape mismatch along an edge") {
        const auto p = written(chain({affine("a", 3, 5)}, 4, 3), "shape.nir");
        CHECK(error_of([&] { import_nir(p, with_dt(1)); }) ==
              p + ": node \"a\" (Affine): weight has shape [3, 5], its input is [4]");
        std::remove(p.c_str());
    }
    SUBCASE("a parameter the chosen reset cannot represent") {
        const auto p = written(chain({affine("a", 2, 2), lif("l", 2, 0.5)}, 2, 2), "vreset.nir");
        CHECK(error_of([&] { import_nir(p, with_dt(1e-3, "subtract")); }) ==
              p + ": node \"l\" (LIF): v_reset = 0.5 is not 0, but --reset subtract ignores "
                  "v_reset; use --reset zero");
        std::remove(p.c_str());
    }
    SUBCASE("forward Euler with dt > tau") {
        const auto p = written(chain({affine("a", 2, 2), lif("l", 2)}, 2, 2), "euler.nir");
        CHECK(error_of([&] { import_nir(p, with_dt(0.02)); }) ==
              p + ": node \"l\" (LIF): dt / tau = 2 > 1: forward Euler overshoots (decay < 0); use "
                  "a smaller --dt or --discretization exact");
        std::remove(p.c_str());
    }
    SUBCASE("two inputs") {
        auto g = chain({affine("a", 2, 2)}, 2, 2);
        auto extra = g.nodes.front();
        extra.name = "input2";
        g.nodes.push_back(extra);
        const auto p = written(g, "inputs.nir");
        CHECK(error_of([&] { import_nir(p, with_dt(1)); }) ==
              p + ": the graph has 2 Input nodes; exactly one is supported");
        std::remove(p.c_str());
    }
    SUBCASE("a branch") {
        auto g = chain({affine("a", 2, 2), affine("b", 2, 2)}, 2, 2);
        g.edges.emplace_back("a", "output");
        const auto p = written(g, "branch.nir");
        CHECK(error_of([&] { import_nir(p, with_dt(1)); }) ==
              p + ": node \"a\" (Affine): has 2 outgoing edges; only a chain of nodes (one output "
                  "each) is supported");
        std::remove(p.c_str());
    }
    SUBCASE("a missing dt") {
        CHECK(error_of([&] { import_nir(fixture("lif_norse.nir"), with_dt(0)); }) ==
              fixture("lif_norse.nir") +
                  ": the file records no dt; give --dt (the step, in the graph's time unit)");
    }
    SUBCASE("a delay") {
        experiments::nir::node d;
        d.name = "d", d.type = "Delay", d.params["delay"] = values({1, 1});
        const auto p = written(chain({d}, 2, 2), "delay.nir");
        CHECK(error_of([&] { import_nir(p, with_dt(1)); }) ==
              p + ": node \"d\" (Delay): is not supported: the engine has no synaptic delays");
        std::remove(p.c_str());
    }
    SUBCASE("recurrence: the braille fixture's cycle") {
        const std::string msg =
            error_of([&] { import_nir(fixture("braille_noDelay_bias_zero.nir"), with_dt(1e-4)); });
        CHECK(msg.find("cycle") != std::string::npos);
        CHECK(msg.find("lif1.lif") != std::string::npos);
        CHECK(msg.find("lif1.w_rec") != std::string::npos);
    }
    SUBCASE("a truncated file") {
        const std::string p = tmp_path("truncated.nir");
        {
            std::FILE* in = std::fopen(fixture("cnn_sinabs.nir").c_str(), "rb");
            std::FILE* out = std::fopen(p.c_str(), "wb");
            std::vector<char> buf(20000);
            const std::size_t got = std::fread(buf.data(), 1, buf.size(), in);
            std::fwrite(buf.data(), 1, got, out);
            std::fclose(in);
            std::fclose(out);
        }
        const std::string msg = error_of([&] { import_nir(p, with_dt(1)); });
        CHECK(msg.rfind(p + ": ", 0) == 0);
        CHECK(msg.find('\n') == std::string::npos);
        std::remove(p.c_str());
    }
}

TEST_CASE("export then import of a spikebar model keeps its weights and its outputs bit for bit") {
    // Reference: the model itself, run on the same inputs before and after the round trip.
    const snn::model m = snn::fold_batchnorm(fixtures::test_model());
    const std::string p = tmp_path("roundtrip.nir");
    experiments::export_nir(m, p);
    nir_import_options none;  // everything from the file's metadata
    const snn::model r = import_nir(p, none).model;
    std::remove(p.c_str());
    REQUIRE(r.arch.layers.size() == m.arch.layers.size());
    for (std::size_t i = 0; i < m.arch.layers.size(); ++i) {
        INFO("layer " << i);
        CHECK(r.arch.layers[i].kind == m.arch.layers[i].kind);
        CHECK(r.arch.layers[i].out == m.arch.layers[i].out);
        CHECK(r.layers[i].weight == m.layers[i].weight);
        CHECK(r.layers[i].bias == m.layers[i].bias);
    }
    CHECK(r.net.timesteps == m.net.timesteps);
    const auto data = fixtures::test_data(8);
    const snn::ideal_synapse sm(m), sr(r);
    snn::engine em(m, sm), er(r, sr);
    em.start(data.image(0), 8, 0);
    er.start(data.image(0), 8, 0);
    int spikes = 0;
    for (int t = 0; t < m.net.timesteps; ++t) {
        em.step();
        er.step();
        for (int s = 0; s < 8; ++s) {
            const int K = m.num_classes();
            CHECK(std::vector<float>(em.logits(s), em.logits(s) + K) ==
                  std::vector<float>(er.logits(s), er.logits(s) + K));
            for (int j = 0; j < em.num_lif_layers(); ++j) {
                CHECK(em.spike_count(s, j) == er.spike_count(s, j));
                spikes += int(em.spike_count(s, j));
            }
        }
    }
    CHECK(spikes > 0);
}

TEST_CASE("export refuses what NIR cannot express") {
    // Reference: the messages documented in nir_export.hpp.
    const std::string p = tmp_path("refused.nir");
    CHECK(error_of([&] {
              experiments::export_nir(snn::fold_batchnorm(fixtures::test_model("direct", "ann")), p);
          }) == "export-nir: an ANN model (network.kind = ann) has no NIR form: NIR has no ReLU");
    CHECK(error_of([&] { experiments::export_nir(fixtures::test_model(), p, 0); }) ==
          "export-nir: --dt must be > 0");
}
