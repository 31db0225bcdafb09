// INI config loading: every kind of bad input gives one exact line naming section.key,
// the value and what was expected; good input, overrides and defaults give the documented
// values; the effective config and the --dump template read back to the same config.
#include "experiments/config/config.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "common/errors.hpp"

using experiments::default_config;
using experiments::effective_config;
using experiments::load_config;
using experiments::parse_config;
using experiments::run_config;

namespace {

// The config_error message of parse_config(text, "config x.ini", overrides), or "" if none.
std::string error_of(const std::string& text, const std::vector<std::string>& overrides = {}) {
    try {
        parse_config(text, "config x.ini", overrides);
    } catch (const spikebar::config_error& e) {
        return e.what();
    }
    return "";
}

std::string source_dir() {
    const char* d = std::getenv("SPIKEBAR_SOURCE_DIR");
    return d ? d : SPIKEBAR_SOURCE_DIR;
}

}  // namespace

TEST_CASE("defaults come from the param structs when the file is empty") {
    const run_config c = parse_config("", "config empty.ini");
    const run_config d;
    CHECK(effective_config(c) == effective_config(d));
    CHECK(c.network.timesteps == 4);
    CHECK(c.lif.decay == 0.5);
    CHECK(c.lif.reset == "hard");
    CHECK(c.data.dataset == "fashion-mnist");
    CHECK(c.data.dir == "/usr/share/datasets/fashion-mnist");
    CHECK(c.output.dir == "out");
    CHECK(c.eval.threads == 0);
}

TEST_CASE("Windows line endings read like Unix ones") {
    const run_config c = parse_config("[lif]\r\ndecay = 0.25\r\nreset = soft\r\n", "config x.ini");
    CHECK(c.lif.decay == 0.25);
    CHECK(c.lif.reset == "soft");
}

TEST_CASE("file values are typed and land in their section's struct") {
    const run_config c = parse_config(
        "# comment\n"
        "[network]\n"
        "timesteps = 8\n"
        "encoding = rate   # trailing comment\n"
        "layers = flatten, linear:10\n"
        "[lif]\n"
        "decay = 0.25\n"
        "reset = soft\n"
        "[train]\n"
        "hflip = true\n"
        "seed = 18446744073709551615\n"
        "lr = 1e-3\n"
        "[data]\n"
        "train_limit = 1000\n"
        "[wires]\n"
        "r_row_ohm = 1.5\n"
        "[crossbar]\n"
        "bias = row\n"
        "[earlyexit]\n"
        "policy = entropy\n",
        "config x.ini");
    CHECK(c.network.timesteps == 8);
    CHECK(c.network.encoding == "rate");
    CHECK(c.network.layers == "flatten, linear:10");
    CHECK(c.lif.decay == 0.25);
    CHECK(c.lif.reset == "soft");
    CHECK(c.train.hflip);
    CHECK(c.train.seed == 18446744073709551615ULL);
    CHECK(c.train.lr == 1e-3);
    CHECK(c.data.train_limit == 1000);
    CHECK(c.wires.r_row_ohm == 1.5);
    CHECK(c.crossbar.bias == crossbar::bias_mode::row);
    CHECK(c.earlyexit.policy == "entropy");
}

TEST_CASE("overrides apply after the file and a later override wins") {
    const run_config c = parse_config("[lif]\ndecay = 0.25\n[train]\nepochs = 3\n", "config x.ini",
                                      {"lif.decay=0.75", "train.epochs = 5", "train.epochs=7"});
    CHECK(c.lif.decay == 0.75);
    CHECK(c.train.epochs == 7);
    CHECK(default_config({"network.timesteps=2"}).network.timesteps == 2);
}

TEST_CASE("unknown keys are rejected with the file or --set as source") {
    CHECK(error_of("[lif]\ndecya = 0.5\n") == "config x.ini: unknown key 'lif.decya'");
    CHECK(error_of("[lfi]\ndecay = 0.5\n") == "config x.ini: unknown key 'lfi.decay'");
    CHECK(error_of("decay = 0.5\n") == "config x.ini: unknown key 'decay'");
    CHECK(error_of("", {"lif.decya=0.5"}) == "--set: unknown key 'lif.decya'");
    CHECK(error_of("", {"lif.decay"}) == "--set: 'lif.decay': expected section.key=value");
    CHECK(error_of("", {"=3"}) == "--set: '=3': expected section.key=value");
}

TEST_CASE("malformed lines and repeated keys are rejected") {
    CHECK(error_of("[lif]\ndecay\n") ==
          "config x.ini: line 'decay' is neither a [section] nor key = value");
    CHECK(error_of("[lif]\ndecay = 0.5\ndecay = 0.6\n") ==
          "config x.ini: key 'lif.decay' is set twice");
}

TEST_CASE("values that do not parse as their type name key, value and expected type") {
    CHECK(error_of("[train]\nepochs = abc\n") ==
          "config x.ini: train.epochs = abc: expected an integer");
    CHECK(error_of("[train]\nepochs = 3.5\n") ==
          "config x.ini: train.epochs = 3.5: expected an integer");
    CHECK(error_of("[train]\nepochs =\n") ==
          "config x.ini: train.epochs = '': expected an integer");
    CHECK(error_of("[train]\nepochs = 99999999999\n") ==
          "config x.ini: train.epochs = 99999999999: expected an integer in [-2147483648, "
          "2147483647]");
    CHECK(error_of("[train]\nseed = -1\n") ==
          "config x.ini: train.seed = -1: expected a non-negative integer");
    CHECK(error_of("[lif]\ndecay = fast\n") == "config x.ini: lif.decay = fast: expected a number");
    CHECK(error_of("[lif]\ndecay = 0.5x\n") == "config x.ini: lif.decay = 0.5x: expected a number");
    CHECK(error_of("[lif]\ndecay = inf\n") ==
          "config x.ini: lif.decay = inf: expected a finite number");
    CHECK(error_of("[lif]\ndecay = nan\n") ==
          "config x.ini: lif.decay = nan: expected a finite number");
    CHECK(error_of("[train]\nhflip = maybe\n") ==
          "config x.ini: train.hflip = maybe: expected true or false");
    CHECK(error_of("", {"train.epochs=abc"}) == "--set: train.epochs = abc: expected an integer");
    // The file parser drops '#...' as a comment; an override must not sneak one in either.
    CHECK(error_of("", {"output.dir=a#b"}) ==
          "--set: output.dir = a#b: '#' starts a comment in INI files and cannot be part of a "
          "value");
    CHECK(parse_config("[output]\ndir = a#b\n", "config x.ini").output.dir == "a");
}

TEST_CASE("enum-like strings list their allowed values") {
    CHECK(error_of("[lif]\nreset = medium\n") ==
          "config x.ini: lif.reset = medium: expected one of hard, soft");
    CHECK(error_of("[network]\nencoding = poisson\n") ==
          "config x.ini: network.encoding = poisson: expected one of direct, rate");
    CHECK(error_of("[data]\ndataset = imagenet\n") ==
          "config x.ini: data.dataset = imagenet: expected one of fashion-mnist, mnist, cifar10, tensor");
    CHECK(error_of("[device]\nd2d_kind = uniform\n") ==
          "config x.ini: device.d2d_kind = uniform: expected one of gaussian, lognormal");
    CHECK(error_of("", {"crossbar.bias=analog"}) ==
          "--set: crossbar.bias = analog: expected one of digital, row");
    // Case matters: values are written exactly as listed.
    CHECK(error_of("[lif]\nreset = Hard\n") ==
          "config x.ini: lif.reset = Hard: expected one of hard, soft");
}

TEST_CASE("out-of-range values fail their section's validate() with the value's source") {
    CHECK(error_of("[eval]\nbatch_size = 0\n") ==
          "config x.ini: eval.batch_size = 0: must be >= 1 [samples]");
    CHECK(error_of("", {"eval.batch_size=0"}) ==
          "--set: eval.batch_size = 0: must be >= 1 [samples]");
    CHECK(error_of("[data]\ntest_limit = -5\n") ==
          "config x.ini: data.test_limit = -5: must be >= 0 [samples]");
    CHECK(error_of("[output]\ndir =\n") == "config x.ini: output.dir = '': must not be empty");
    // The snn and crossbar libraries' own validate(), reached through the same path.
    CHECK(error_of("[lif]\ndecay = 1.5\n") ==
          "config x.ini: lif.decay = 1.5: must be in (0, 1] [1]");
    CHECK(error_of("", {"lif.decay=0"}) == "--set: lif.decay = 0: must be in (0, 1] [1]");
    const std::string wires = error_of("[wires]\nr_row_ohm = -1\n");
    CHECK(wires.rfind("config x.ini: wires.r_row_ohm = -1: ", 0) == 0);
    CHECK(wires.find('\n') == std::string::npos);
    // A file value that is fine, overridden by one that is not: --set is to blame.
    CHECK(error_of("[eval]\nbatch_size = 4\n", {"eval.batch_size=-2"}) ==
          "--set: eval.batch_size = -2: must be >= 1 [samples]");
}

TEST_CASE("a missing config file is an io_error naming the path") {
    const std::string path = "/nonexistent/spikebar/none.ini";
    try {
        load_config(path);
        FAIL("load_config should throw");
    } catch (const spikebar::io_error& e) {
        CHECK(std::string(e.what()) == "config /nonexistent/spikebar/none.ini: cannot open file");
    }
}

TEST_CASE("load_config names the file in its messages and applies overrides") {
    const auto path = std::filesystem::temp_directory_path() /
                      ("spikebar_config_test_" + std::to_string(::getpid()) + ".ini");
    {
        std::ofstream f(path);
        f << "[lif]\ndecya = 0.5\n";
    }
    std::string msg;
    try {
        load_config(path.string());
    } catch (const spikebar::config_error& e) {
        msg = e.what();
    }
    CHECK(msg == "config " + path.string() + ": unknown key 'lif.decya'");
    {
        std::ofstream f(path);
        f << "[lif]\ndecay = 0.25\n";
    }
    CHECK(load_config(path.string()).lif.decay == 0.25);
    CHECK(load_config(path.string(), {"lif.decay=1"}).lif.decay == 1.0);
    std::filesystem::remove(path);
}

TEST_CASE("the effective config lists every key and reads back to the same config") {
    const run_config c = parse_config(
        "[lif]\ndecay = 0.1\nthreshold = 0.3\nreset = soft\n[train]\nlr = 2.5e-9\n"
        "weight_decay = 0.00013\nhflip = on\n[crossbar]\nmapping = offset\nenabled = yes\n"
        "[device]\nd2d_kind = lognormal\ng_on_s = 1.23456789012345e-4\n[data]\ndir = /tmp/a b\n",
        "config x.ini");
    const std::string text = effective_config(c);
    const run_config back = parse_config(text, "effective");
    CHECK(effective_config(back) == text);
    CHECK(back.lif.decay == c.lif.decay);
    CHECK(back.lif.threshold == c.lif.threshold);
    CHECK(back.train.lr == c.train.lr);
    CHECK(back.device.g_on_s == c.device.g_on_s);
    CHECK(back.device.d2d_kind == crossbar::variation_kind::lognormal);
    CHECK(back.crossbar.mapping == crossbar::mapping_scheme::offset);
    CHECK(back.crossbar.enabled);
    CHECK(back.train.hflip);
    CHECK(back.data.dir == "/tmp/a b");
    CHECK(text.find("decay = 0.1\n") != std::string::npos);
    CHECK(text.find("lr = 2.5e-09\n") != std::string::npos);
    for (const auto& k : experiments::config_keys()) {
        CAPTURE(k.section + "." + k.key);
        CHECK(text.find("[" + k.section + "]") != std::string::npos);
        CHECK(text.find("\n" + k.key + " = ") != std::string::npos);
    }
}

TEST_CASE("the schema names every section once and documents every key") {
    std::set<std::string> names;
    std::set<std::string> sections;
    for (const auto& k : experiments::config_keys()) {
        CAPTURE(k.section + "." + k.key);
        CHECK(names.insert(k.section + "." + k.key).second);
        sections.insert(k.section);
        CHECK(!k.meaning.empty());
        if (k.type == "choice") CHECK(k.choices.size() >= 2);
        if (k.type == "int" || k.type == "real" || k.type == "uint64") CHECK(!k.unit.empty());
    }
    CHECK(sections == std::set<std::string>{"network", "lif", "train", "data", "eval", "output",
                                            "crossbar", "device", "wires", "adc", "earlyexit", "energy"});
}

TEST_CASE("the --dump template is valid INI that gives the defaults, with a comment per key") {
    const std::string dump = experiments::dump_config_template();
    const run_config c = parse_config(dump, "dump");
    CHECK(effective_config(c) == effective_config(run_config{}));
    CHECK(dump.find("# firing threshold [weight units]\nthreshold = 1\n") != std::string::npos);
    CHECK(dump.find("# hard: v <- v_reset after a spike; soft: v <- v - threshold\n"
                    "# one of: hard | soft\nreset = hard\n") != std::string::npos);
    for (const auto& k : experiments::config_keys()) {
        CAPTURE(k.section + "." + k.key);
        const auto at = dump.find("\n" + k.key + " = ");
        REQUIRE(at != std::string::npos);
        // The line before the key is its comment.
        const auto prev = dump.rfind('\n', at - 1);
        CHECK(dump.compare(prev + 1, 2, "# ") == 0);
    }
}

TEST_CASE("the shipped Fashion-MNIST configs load and share one network but for T") {
    const std::string dir = source_dir() + "/configs/";
    const run_config base = load_config(dir + "fmnist_snn.ini");
    CHECK(base.network.timesteps == 4);
    CHECK(base.network.layers == snn::network_params{}.layers);
    CHECK(base.network.encoding == "direct");
    CHECK(base.lif.decay == 0.5);
    CHECK(base.lif.threshold == 1.0);
    CHECK(base.lif.reset == "hard");
    CHECK(base.data.dataset == "fashion-mnist");
    CHECK(base.earlyexit.t_max == 4);
    for (int t : {1, 2, 8}) {
        CAPTURE(t);
        const run_config v = load_config(dir + "fmnist_snn_t" + std::to_string(t) + ".ini");
        CHECK(v.network.timesteps == t);
        CHECK(v.earlyexit.t_max == t);
        // Everything but T and the training recipe (which may be tuned per T) is shared.
        run_config same = v;
        same.network.timesteps = base.network.timesteps;
        same.earlyexit.t_max = base.earlyexit.t_max;
        same.train = base.train;
        CHECK(effective_config(same) == effective_config(base));
    }
    // The integrate-and-fire variant: the default config with no leak, nothing else changed.
    run_config integrate_and_fire = load_config(dir + "fmnist_snn_if.ini");
    CHECK(integrate_and_fire.lif.decay == 1.0);
    integrate_and_fire.lif.decay = base.lif.decay;
    CHECK(effective_config(integrate_and_fire) == effective_config(base));
}

TEST_CASE("docs/config.md lists every key with its current default") {
    std::ifstream f(source_dir() + "/docs/config.md");
    REQUIRE(f.good());
    const std::string doc((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    const std::string defaults = effective_config(run_config{});
    for (const auto& k : experiments::config_keys()) {
        CAPTURE(k.section + "." + k.key);
        // The default as effective_config prints it: "key = value" in the section.
        const auto sec = defaults.find("[" + k.section + "]\n");
        const auto at = defaults.find("\n" + k.key + " = ", sec);
        REQUIRE(at != std::string::npos);
        const auto b = at + k.key.size() + 4;
        const std::string value = defaults.substr(b, defaults.find('\n', b) - b);
        CHECK(doc.find("| `" + k.section + "." + k.key + "` | `" + value + "` |") !=
              std::string::npos);
    }
}

TEST_CASE("the SEENN-II training keys parse and their bounds name key, value and source") {
    const run_config c = parse_config(
        "[earlyexit]\n"
        "policy = seenn2\n"
        "seenn2_layers = flatten, linear:32, relu\n"
        "seenn2_model = models/p.h5\n"
        "seenn2_epochs = 3\n"
        "seenn2_lr = 5e-4\n"
        "seenn2_batch_size = 64\n",
        "config x.ini");
    CHECK(c.earlyexit.seenn2_layers == "flatten, linear:32, relu");
    CHECK(c.earlyexit.seenn2_model == "models/p.h5");
    CHECK(c.earlyexit.seenn2_epochs == 3);
    CHECK(c.earlyexit.seenn2_lr == 5e-4);
    CHECK(c.earlyexit.seenn2_batch_size == 64);
    CHECK(error_of("[earlyexit]\nseenn2_epochs = 0\n") ==
          "config x.ini: earlyexit.seenn2_epochs = 0: must be >= 1 [epochs]");
    CHECK(error_of("", {"earlyexit.seenn2_lr=-1"}) ==
          "--set: earlyexit.seenn2_lr = -1: must be finite and > 0");
    CHECK(error_of("", {"earlyexit.seenn2_batch_size=0"}) ==
          "--set: earlyexit.seenn2_batch_size = 0: must be >= 1 [samples]");
    CHECK(error_of("[earlyexit]\nseenn2_layers =\n") ==
          "config x.ini: earlyexit.seenn2_layers = \"\": must name the policy net body (the head "
          "linear:<t_max> is appended)");
}

TEST_CASE("a bad value's config_error keeps its key and names its source as a field") {
    const auto error = [](const std::string& text, const std::vector<std::string>& overrides) {
        try {
            parse_config(text, "config x.ini", overrides);
        } catch (const spikebar::config_error& e) {
            return e;
        }
        FAIL("parse_config should throw");
        return spikebar::config_error("");
    };
    // From a library's validate(), blamed on the file.
    spikebar::config_error e = error("[wires]\nr_row_ohm = -1\n", {});
    CHECK(e.key == "wires.r_row_ohm");
    CHECK(e.value == "-1");
    CHECK(e.rule == "must be >= 0");
    CHECK(e.unit == "ohm");
    CHECK(e.source == "config x.ini");
    // From parsing, blamed on --set.
    e = error("", {"lif.reset=medium"});
    CHECK(e.key == "lif.reset");
    CHECK(e.rule == "expected one of hard, soft");
    CHECK(e.source == "--set");
    // A default that fails a cross-field check was given by nobody: no source.
    e = error("", {"network.kind=ann"});
    CHECK(std::string(e.what()) == "network.timesteps = 4: must be 1 for network.kind = ann [steps]");
    CHECK(e.key == "network.timesteps");
    CHECK(e.source.empty());
}
