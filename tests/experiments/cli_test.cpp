// The CLI layer: `spikebar config` (run in-process, its stdout captured) and the progress
// line that long runs print on stderr. The binary itself, with main()'s one-line errors and
// exit codes, is checked by cli_test.sh.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "app/commands.hpp"
#include "app/progress.hpp"
#include "common/errors.hpp"
#include "experiments/config/config.hpp"

namespace {

// Runs f with stdout redirected to a temporary file; returns what it printed.
std::string capture_stdout(const std::function<void()>& f) {
    std::fflush(stdout);
    std::FILE* tmp = std::tmpfile();
    REQUIRE(tmp != nullptr);
    const int saved = ::dup(::fileno(stdout));
    ::dup2(::fileno(tmp), ::fileno(stdout));
    try {
        f();
    } catch (...) {
        std::fflush(stdout);
        ::dup2(saved, ::fileno(stdout));
        ::close(saved);
        std::fclose(tmp);
        throw;
    }
    std::fflush(stdout);
    ::dup2(saved, ::fileno(stdout));
    ::close(saved);
    std::rewind(tmp);
    std::string out;
    for (int c; (c = std::fgetc(tmp)) != EOF;) out += static_cast<char>(c);
    std::fclose(tmp);
    return out;
}

std::string config_error_of(const experiments::args& a) {
    try {
        capture_stdout([&] { experiments::cmd_config(a); });
    } catch (const spikebar::config_error& e) {
        return e.what();
    }
    return "";
}

// Everything written to a FILE* so far.
std::string contents(std::FILE* f) {
    std::fflush(f);
    std::rewind(f);
    std::string out;
    for (int c; (c = std::fgetc(f)) != EOF;) out += static_cast<char>(c);
    return out;
}

struct temp_ini {
    std::string path;
    explicit temp_ini(const std::string& text) {
        static int n = 0;
        path = (std::filesystem::temp_directory_path() /
                ("spikebar_cli_test_" + std::to_string(::getpid()) + "_" + std::to_string(n++) +
                 ".ini"))
                   .string();
        std::ofstream(path) << text;
    }
    ~temp_ini() { std::filesystem::remove(path); }
};

}  // namespace

TEST_CASE("config --dump prints the template, which --check accepts") {
    const std::string dump =
        capture_stdout([] { CHECK(experiments::cmd_config({"--dump"}) == 0); });
    CHECK(dump == experiments::dump_config_template());
    temp_ini f(dump);
    CHECK(capture_stdout([&] {
              CHECK(experiments::cmd_config({"--check", f.path}) == 0);
          }) == "config " + f.path + ": ok\n");
}

TEST_CASE("config --show prints the effective config with overrides applied") {
    temp_ini f("[lif]\ndecay = 0.25\n");
    const std::string out = capture_stdout([&] {
        experiments::cmd_config(
            {"--show", f.path, "--set", "train.epochs=3", "--set=lif.threshold=2"});
    });
    CHECK(out.find("[lif]\ndecay = 0.25\nthreshold = 2\n") != std::string::npos);
    CHECK(out.find("\nepochs = 3\n") != std::string::npos);
    CHECK(out == experiments::effective_config(
                     experiments::load_config(f.path, {"train.epochs=3", "lif.threshold=2"})));
}

TEST_CASE("config --check reports the first bad key on one line") {
    temp_ini f("[lif]\ndecya = 0.5\n");
    CHECK(config_error_of({"--check", f.path}) == "config " + f.path + ": unknown key 'lif.decya'");
    temp_ini g("[train]\nepochs = abc\n");
    CHECK(config_error_of({"--check", g.path}) ==
          "config " + g.path + ": train.epochs = abc: expected an integer");
    temp_ini ok("");
    CHECK(config_error_of({"--check", ok.path, "--set", "lif.reset=medium"}) ==
          "--set: lif.reset = medium: expected one of hard, soft");
}

TEST_CASE("config rejects unknown flags, missing values and missing modes") {
    CHECK(config_error_of({"--frobnicate"}) ==
          "config: unknown option '--frobnicate' (see spikebar config --help)");
    CHECK(config_error_of({}) ==
          "config: expected --dump, --check FILE or --show FILE (see spikebar config --help)");
    CHECK(config_error_of({"--check"}) == "config --check: missing value");
    CHECK(config_error_of({"--dump", "--check", "x"}) ==
          "config: --dump and --check cannot be combined");
    CHECK(config_error_of({"--dump", "--set", "lif.decay=1"}) == "config --dump: takes no --set");
    const std::string help =
        capture_stdout([] { CHECK(experiments::cmd_config({"--help"}) == 0); });
    CHECK(help.rfind("usage: spikebar config --dump\n", 0) == 0);
}

TEST_CASE("progress on a terminal redraws at most max_rate_hz times a second") {
    double clock = 0;
    experiments::progress_options o;
    o.unit = "img";
    o.tty = 1;
    o.clock = [&] { return clock; };
    std::FILE* f = std::tmpfile();
    REQUIRE(f != nullptr);
    {
        experiments::progress p("eval", 1000, o, f);
        CHECK(p.is_terminal());
        clock = 1.0;
        p.update(100, "acc 90%");
        clock = 1.1;  // 0.1 s after the last draw: under 1/5 s, skipped
        p.update(150, "acc 80%");
        clock = 1.5;
        p.update(300);
        clock = 2.0;
        p.update(1000);
        p.finish("acc 91%");
    }
    const std::string l1 = "eval  100/1000  10%  100 img/s  ETA 9.0s  acc 90%";
    const std::string l2 = "eval  300/1000  30%  200 img/s  ETA 3.5s";
    const std::string l3 = "eval  1000/1000  100%  500 img/s";
    const std::string l4 = "eval  1000/1000  500 img/s  done in 2.0s  acc 91%";
    // Each redraw pads with blanks to the widest line drawn so far, wiping its leftovers.
    REQUIRE(l1.size() > l2.size());
    REQUIRE(l2.size() > l3.size());
    REQUIRE(l4.size() >= l1.size());
    CHECK(contents(f) == "\r" + l1 + "\r" + l2 + std::string(l1.size() - l2.size(), ' ') + "\r" +
                             l3 + std::string(l1.size() - l3.size(), ' ') + "\r" + l4 + "\n");
    std::fclose(f);
}

TEST_CASE("progress off a terminal prints only the final summary, or nothing") {
    double clock = 0;
    experiments::progress_options o;
    o.unit = "samples";
    o.tty = 0;
    o.clock = [&] { return clock; };
    std::FILE* f = std::tmpfile();
    {
        experiments::progress p("train epoch 1/2", 60000, o, f);
        for (int i = 1; i <= 10; ++i) {
            clock = i;
            p.update(6000 * static_cast<std::size_t>(i), "loss 0.5");
        }
        clock = 75;
        // finish() on destruction
    }
    CHECK(contents(f) == "train epoch 1/2  60000/60000  800 samples/s  done in 1m15s\n");
    std::fclose(f);

    o.summary = false;
    f = std::tmpfile();
    {
        experiments::progress p("quiet", 10, o, f);
        p.update(10);
        p.finish("x");
    }
    CHECK(contents(f).empty());
    std::fclose(f);
}

TEST_CASE("durations print as seconds, minutes or hours") {
    CHECK(experiments::format_duration(0.04) == "0.0s");
    CHECK(experiments::format_duration(9.96) == "10.0s");
    CHECK(experiments::format_duration(42.7) == "42s");
    CHECK(experiments::format_duration(77) == "1m17s");
    CHECK(experiments::format_duration(3599) == "59m59s");
    CHECK(experiments::format_duration(7500) == "2h05m");
    CHECK(experiments::format_duration(-1) == "?");
}
