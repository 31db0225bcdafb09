// A run config against its model (experiments/config/config_model.hpp, docs/config.md "Config and
// model"): the model's /network and /neuron govern; an explicitly given key that contradicts
// them is an error naming both values; defaults take the model's values, so the effective
// config records what is simulated. Reference: the rule as docs/config.md states it.
#include "experiments/config/config_model.hpp"

#include <doctest/doctest.h>

#include <string>

#include "common/errors.hpp"
#include "experiments/sweep/sweep.hpp"
#include "fixtures.hpp"

using experiments::for_inference;
using experiments::parse_config;
using experiments::run_config;
using experiments::with_model;

namespace {

std::string inference_error(const std::string& text, const std::vector<std::string>& sets,
                            const snn::model& m) {
    try {
        for_inference(parse_config(text, "config c.ini", sets), m, "m.h5");
    } catch (const spikebar::config_error& e) {
        return e.what();
    }
    return "";
}

snn::model if_model() {
    snn::model m = fixtures::test_model();
    m.lif.decay = 1.0;
    m.lif.reset = "soft";
    return m;
}

}  // namespace

TEST_CASE("keys left at their defaults take the model's values, so the record is what ran") {
    const snn::model m = if_model();  // decay 1, soft reset, T = 4
    const run_config c = for_inference(parse_config("", "config c.ini"), m, "m.h5");
    CHECK(c.lif.decay == 1.0);
    CHECK(c.lif.reset == "soft");
    CHECK(c.network.layers == m.arch.to_string());
    CHECK(c.earlyexit.t_max == 4);
    const std::string text = experiments::effective_config(c);
    CHECK(text.find("[lif]\ndecay = 1\n") != std::string::npos);
    CHECK(text.find("reset = soft\n") != std::string::npos);
}

TEST_CASE("given keys that agree with the model are accepted, bn layers folded") {
    const snn::model m = fixtures::test_model();
    const std::string text =
        "[network]\nlayers = conv:8:3, bn, lif, maxpool:2, conv:16:3, bn, lif, maxpool:2, "
        "flatten, linear:24, lif, linear:10\ntimesteps = 4\nencoding = direct\nkind = snn\n"
        "[lif]\ndecay = 0.5\nthreshold = 1\nreset = hard\nv_reset = 0\n[earlyexit]\nt_max = 4\n";
    CHECK(inference_error(text, {}, m) == "");
}

TEST_CASE("a given key that contradicts the model names both values and its source") {
    const snn::model m = if_model();
    CHECK(inference_error("[lif]\ndecay = 0.5\n", {}, m) ==
          "config c.ini: lif.decay = 0.5 contradicts the model: m.h5 has /neuron@decay = 1 "
          "(the model governs; drop the key or give the model's value)");
    CHECK(inference_error("", {"lif.decay=0.9"}, m) ==
          "--set: lif.decay = 0.9 contradicts the model: m.h5 has /neuron@decay = 1 "
          "(the model governs; drop the key or give the model's value)");
    CHECK(inference_error("", {"lif.reset=hard"}, m) ==
          "--set: lif.reset = hard contradicts the model: m.h5 has /neuron@reset = soft "
          "(the model governs; drop the key or give the model's value)");
    CHECK(inference_error("", {"lif.threshold=2"}, m) ==
          "--set: lif.threshold = 2 contradicts the model: m.h5 has /neuron@threshold = 1 "
          "(the model governs; drop the key or give the model's value)");
    CHECK(inference_error("", {"lif.v_reset=-1"}, m) ==
          "--set: lif.v_reset = -1 contradicts the model: m.h5 has /neuron@v_reset = 0 "
          "(the model governs; drop the key or give the model's value)");
    CHECK(inference_error("", {"network.timesteps=8", "earlyexit.t_max=8"}, m) ==
          "--set: network.timesteps = 8 contradicts the model: m.h5 has /network@timesteps = 4 "
          "(the model governs; drop the key or give the model's value)");
    CHECK(inference_error("", {"network.encoding=rate"}, m) ==
          "--set: network.encoding = rate contradicts the model: m.h5 has /network@encoding = "
          "direct (the model governs; drop the key or give the model's value)");
    CHECK(inference_error("", {"network.kind=ann", "network.timesteps=1", "earlyexit.t_max=1"},
                          m)
              .rfind("--set: network.timesteps = 1 contradicts the model", 0) == 0);
    CHECK(inference_error("[network]\nlayers = conv:8:3, lif, flatten, linear:10\n", {}, m) ==
          "config c.ini: network.layers = conv:8:3, lif, flatten, linear:10 contradicts the "
          "model: m.h5 has the layers = " +
              m.arch.to_string() +
              " (the model governs; drop the key or give the model's value)");
}

TEST_CASE("earlyexit.t_max: given, it must equal the model's T; left out, it becomes T") {
    const snn::model m = fixtures::test_model();
    CHECK(inference_error("[earlyexit]\nt_max = 8\n", {}, m) ==
          "config c.ini: earlyexit.t_max = 8: must equal the model's timesteps (m.h5 runs T = 4)");
    snn::model t2 = fixtures::test_model();
    t2.net.timesteps = 2;
    const run_config c = for_inference(parse_config("", "config c.ini"), t2, "m.h5");
    CHECK(c.earlyexit.t_max == 2);
    CHECK(c.network.timesteps == 2);
}

TEST_CASE("a model whose neuron layers carry their own parameters refuses every [lif] key") {
    snn::model m = fixtures::test_model();
    for (std::size_t i = 0; i < m.arch.layers.size(); ++i)
        if (m.arch.layers[i].kind == snn::layer_kind::lif) m.layers[i].neuron.decay = {0.8f};
    CHECK(inference_error("[lif]\ndecay = 0.5\n", {}, m) ==
          "config c.ini: lif.decay = 0.5: not applicable: m.h5 gives its neuron layers their "
          "own parameters (drop the [lif] keys)");
    CHECK(inference_error("", {"lif.reset=hard"}, m) ==
          "--set: lif.reset = hard: not applicable: m.h5 gives its neuron layers their own "
          "parameters (drop the [lif] keys)");
    CHECK(inference_error("", {}, m) == "");
}

TEST_CASE("with_model (train-policy) checks [network] and [lif] but leaves t_max alone") {
    const snn::model m = fixtures::test_model();
    const run_config c = with_model(parse_config("[earlyexit]\nt_max = 2\n", "config c.ini"), m, "m.h5");
    CHECK(c.earlyexit.t_max == 2);
    CHECK_THROWS_WITH_AS(with_model(parse_config("", "config c.ini", {"lif.decay=0.25"}), m, "m.h5"),
                         "--set: lif.decay = 0.25 contradicts the model: m.h5 has /neuron@decay "
                         "= 0.5 (the model governs; drop the key or give the model's value)",
                         spikebar::config_error);
}

TEST_CASE("a sweep over a key that cannot change a result is refused, naming why") {
    const auto error_of = [](const std::string& line) {
        try {
            experiments::plan_sweep("[sweep]\n" + line + "\n", "config s.ini", {}, "m.h5");
        } catch (const spikebar::config_error& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    CHECK(error_of("lif.decay = 0.5, 1") ==
          "config s.ini: [sweep] lif.decay: cannot change a result: the model file's /network "
          "and /neuron govern it at eval (vary model instead)");
    CHECK(error_of("network.timesteps = 1, 2") ==
          "config s.ini: [sweep] network.timesteps: cannot change a result: the model file's "
          "/network and /neuron govern it at eval (vary model instead)");
    CHECK(error_of("train.epochs = 1, 2") ==
          "config s.ini: [sweep] train.epochs: cannot change a result: eval does not train (of "
          "[train], only train.seed acts: it keys rate encoding)");
    CHECK(error_of("eval.threads = 1, 2") ==
          "config s.ini: [sweep] eval.threads: cannot change a result: results are "
          "bit-identical for any eval.threads and eval.batch_size");
    CHECK(error_of("earlyexit.seenn2_epochs = 1, 2") ==
          "config s.ini: [sweep] earlyexit.seenn2_epochs: cannot change a result: only "
          "train-policy reads it; eval reads the policy net earlyexit.seenn2_model");
    CHECK(error_of("train.seed = 1, 2") == "");
    CHECK(error_of("earlyexit.alpha = 0.5, 0.9") == "");
}
