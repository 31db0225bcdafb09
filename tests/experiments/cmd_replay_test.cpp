// spikebar replay, run in-process on run files built by hand (run_fixture.hpp). References:
// the exits, accuracies, energies and oracle bounds of run_fixture::hand_built_run worked out
// by hand in its comment; the run's own /samples/* (a replay of the logged policy must give
// them bit for bit, docs/output-format.md); range values written out by hand; the exact
// messages of docs/replay.md.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "app/commands.hpp"
#include "common/errors.hpp"
#include "earlyexit/replay.hpp"
#include "run_fixture.hpp"

using run_fixture::read_doubles;
using run_fixture::read_int64s;
using run_fixture::read_uint8s;

namespace {

// --force: the test cases replay to one output path in turn.
std::string replay(experiments::args a) {
    a.push_back("--force");
    return run_fixture::capture_stdout([&] { experiments::cmd_replay(a); });
}

template <class E>
std::string error_of(const experiments::args& a) {
    try {
        replay(a);
    } catch (const E& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST_CASE("replay of the logged policy gives the hand-worked exits and the run's samples") {
    const run_fixture::temp_dir dir("replay_own");
    const run_fixture::fake_run r = run_fixture::hand_built_run();
    const std::string run = dir / "run.h5", out = dir / "p.h5";
    run_fixture::write_run(run, r);
    replay({"--run", run, "--out", out});  // the run's policy: confidence, alpha = 0.9

    CHECK(read_uint8s(out, "/samples/exit_t") == r.exit_t);
    CHECK(read_uint8s(out, "/samples/prediction") == r.prediction);
    CHECK(read_uint8s(out, "/samples/correct") == r.correct);
    CHECK(read_doubles(out, "/samples/energy_pj") == r.energy_pj);  // bit for bit
    CHECK(read_doubles(out, "/samples/energy_pj") ==
          std::vector<double>{run_fixture::hand_energy(0, 0, 1), run_fixture::hand_energy(0, 1, 3),
                              run_fixture::hand_energy(0, 2, 3), run_fixture::hand_energy(1, 0, 4),
                              run_fixture::hand_energy(1, 1, 4),
                              run_fixture::hand_energy(1, 2, 4)});
    CHECK(read_int64s(out, "/lane") == std::vector<std::int64_t>{0, 1});
    CHECK(read_doubles(out, "/pareto/threshold") == std::vector<double>{0.9});
    CHECK(read_doubles(out, "/pareto/accuracy") == std::vector<double>{2.0 / 3, 1.0 / 3});
    CHECK(read_doubles(out, "/pareto/mean_timesteps") == std::vector<double>{7.0 / 3, 4.0});
    // (120 + 472.5 + 562.5) / 3 and (300 + 330 + 360 + 3 * 30 * 4 ... ) by the closed form.
    const double lane1 = (run_fixture::hand_energy(1, 0, 4) + run_fixture::hand_energy(1, 1, 4) +
                          run_fixture::hand_energy(1, 2, 4)) /
                         3;
    CHECK(read_doubles(out, "/pareto/mean_energy_pj") == std::vector<double>{385.0, lane1});
    CHECK(read_int64s(out, "/pareto/p50_t") == std::vector<std::int64_t>{3, 4});
    CHECK(read_uint8s(out, "/pareto/pareto_timesteps") == std::vector<std::uint8_t>{1, 1});

    // Fixed T on lane 0: right at t = 1 only sample 0; from t = 2 samples 0 and 1.
    const std::vector<double> acc = read_doubles(out, "/fixed_t/accuracy");
    REQUIRE(acc.size() == 8u);
    CHECK(acc[0] == 1.0 / 3);
    CHECK(acc[1] == 2.0 / 3);
    CHECK(acc[3] == 2.0 / 3);
    CHECK(read_doubles(out, "/fixed_t/threshold") == std::vector<double>{1, 2, 3, 4});
    // Same accuracy at t = 3, 4 as at t = 2, more steps and energy: dominated.
    CHECK(read_uint8s(out, "/fixed_t/pareto_timesteps") ==
          std::vector<std::uint8_t>{1, 1, 0, 0, 1, 0, 0, 0});
    CHECK(read_uint8s(out, "/fixed_t/pareto_energy") ==
          std::vector<std::uint8_t>{1, 1, 0, 0, 1, 0, 0, 0});

    // Oracle on lane 0: exits {1, 2, 1} (sample 1 right from t = 2 on, sample 2 never).
    CHECK(read_doubles(out, "/oracle/accuracy")[0] == 2.0 / 3);
    CHECK(read_doubles(out, "/oracle/mean_timesteps")[0] == 4.0 / 3);
    // Frontier on lane 0: first right steps f = {1, 2, -}: total steps 3, 3, 4 for m = 0, 1, 2;
    // energies sum E_i(1) = 120 + 150 + 180, then + 0, then + E_1(2) - E_1(1) = 157.5.
    const std::vector<std::int64_t> ft = read_int64s(out, "/oracle/frontier_total_t");
    REQUIRE(ft.size() == 8u);
    CHECK(std::vector<std::int64_t>(ft.begin(), ft.begin() + 4) ==
          std::vector<std::int64_t>{3, 3, 4, -1});
    const std::vector<double> fe = read_doubles(out, "/oracle/frontier_total_energy_pj");
    CHECK(fe[0] == 450.0);
    CHECK(fe[1] == 450.0);
    CHECK(fe[2] == 607.5);
    CHECK(std::isnan(fe[3]));
    CHECK(read_int64s(out, "/oracle/frontier_max_correct") == std::vector<std::int64_t>{2, 1});
}

TEST_CASE("a confidence sweep: hand-worked rows, Pareto flags, ties all optimal") {
    const run_fixture::temp_dir dir("replay_sweep");
    const std::string run = dir / "run.h5", out = dir / "p.h5";
    run_fixture::write_run(run, run_fixture::hand_built_run());
    // Lane 0: alpha 0.5 exits {1, 2, 1} (2/3 right, 4/3 steps), alpha 0.9 {1, 3, 3} (2/3, 7/3),
    // alpha 0.99 runs every sample to 4 (2/3, 4). The two 0.5 rows tie and are both optimal.
    replay({"--run", run, "--lane", "0", "--sweep", "alpha=0.5,0.9,0.99,0.5", "--out", out});
    CHECK(read_doubles(out, "/pareto/threshold") == std::vector<double>{0.5, 0.9, 0.99, 0.5});
    CHECK(read_doubles(out, "/pareto/accuracy") ==
          std::vector<double>{2.0 / 3, 2.0 / 3, 2.0 / 3, 2.0 / 3});
    CHECK(read_doubles(out, "/pareto/mean_timesteps") ==
          std::vector<double>{4.0 / 3, 7.0 / 3, 4.0, 4.0 / 3});
    CHECK(read_uint8s(out, "/pareto/pareto_timesteps") == std::vector<std::uint8_t>{1, 0, 0, 1});
    CHECK(read_uint8s(out, "/pareto/pareto_energy") == std::vector<std::uint8_t>{1, 0, 0, 1});
    CHECK(read_int64s(out, "/lane") == std::vector<std::int64_t>{0});
    // A sweep writes no per-sample results.
    CHECK(read_uint8s(out, "/samples/exit_t").empty());
}

TEST_CASE("sweep values parse as lists and as start:step:stop ranges, as in [sweep]") {
    const run_fixture::temp_dir dir("replay_values");
    const std::string run = dir / "run.h5", out = dir / "p.h5";
    run_fixture::write_run(run, run_fixture::hand_built_run());
    // Printed short, as a [sweep] point would set them: 0.3, not 0.1 + 2 * 0.1.
    replay({"--run", run, "--sweep=alpha=0.1:0.1:0.5", "--out", out});
    CHECK(read_doubles(out, "/pareto/threshold") == std::vector<double>{0.1, 0.2, 0.3, 0.4, 0.5});
    // The fixed policy over its whole range is the fixed-T table.
    replay({"--run", run, "--policy", "fixed", "--sweep", "earlyexit.fixed_t=1:1:4", "--out", out});
    CHECK(read_doubles(out, "/pareto/threshold") == std::vector<double>{1, 2, 3, 4});
    CHECK(read_doubles(out, "/pareto/accuracy") == read_doubles(out, "/fixed_t/accuracy"));
    CHECK(read_doubles(out, "/pareto/mean_energy_pj") ==
          read_doubles(out, "/fixed_t/mean_energy_pj"));
    replay({"--run", run, "--policy", "patience", "--sweep", "patience_k=3", "--out", out});
    CHECK(read_doubles(out, "/pareto/threshold") == std::vector<double>{3});
}

TEST_CASE("bad --sweep and flags give exact one-line config errors") {
    const run_fixture::temp_dir dir("replay_errors");
    const std::string run = dir / "run.h5";
    run_fixture::write_run(run, run_fixture::hand_built_run());
    using E = spikebar::config_error;
    const auto sweep = [&](const std::string& s, const std::string& policy = "confidence") {
        return error_of<E>({"--run", run, "--policy", policy, "--sweep", s});
    };
    CHECK(sweep("alpha") ==
          "replay: --sweep 'alpha': expected KEY=START:STEP:STOP or KEY=v1,v2,...");
    CHECK(sweep("=0.5") == "replay: --sweep '=0.5': expected KEY=START:STEP:STOP or KEY=v1,v2,...");
    CHECK(sweep("alpha=0.5,abc") ==
          "replay: --sweep 'alpha=0.5,abc': 'abc' is not a finite number");
    CHECK(sweep("alpha=0.5,,0.9") == "replay: --sweep 'alpha=0.5,,0.9': empty value in the list");
    CHECK(sweep("alpha=0.1:0.5") ==
          "replay: --sweep 'alpha=0.1:0.5': expected a range start:step:stop");
    CHECK(sweep("alpha=0.5:0.1:0.1") ==
          "replay: --sweep 'alpha=0.5:0.1:0.1': the step leads away from stop");
    CHECK(sweep("alpha=0.1:0:0.5") == "replay: --sweep 'alpha=0.1:0:0.5': the step must not be 0");
    CHECK(sweep("alpha=0:1e-9:1") == "replay: --sweep 'alpha=0:1e-9:1': more than 100000 values");
    // The former order LO:HI:STEP, refused with the new spelling.
    CHECK(sweep("alpha=0.5:0.99:0.01") ==
          "replay: --sweep 'alpha=0.5:0.99:0.01': ranges are "
          "start:step:stop; did you mean 0.5:0.01:0.99?");
    CHECK(sweep("fixed_t=1:4:1", "fixed") ==
          "replay: --sweep 'fixed_t=1:4:1': ranges are start:step:stop; did you mean 1:1:4?");
    CHECK(sweep("threshold=0.5") ==
          "replay: --sweep threshold=0.5: the threshold of policy confidence is "
          "earlyexit.alpha, not threshold");
    CHECK(sweep("alpha=0.5", "entropy") ==
          "replay: --sweep alpha=0.5: the threshold of policy entropy is "
          "earlyexit.entropy_threshold, not alpha");
    CHECK(sweep("alpha=0.5", "oracle") ==
          "replay: --sweep: policy oracle has no threshold to sweep");
    // Out-of-range values: the parameter's own message (earlyexit::with_threshold).
    CHECK(sweep("alpha=0.5,1.5") == "earlyexit.alpha = 1.5: must be in (0, 1]");
    CHECK(sweep("patience_k=1.5", "patience") == "earlyexit.patience_k = 1.5: must be an integer");

    CHECK(error_of<E>({"--run", run, "--set", "lif.decay=0.5"}) ==
          "replay: --set lif.decay=0.5: only earlyexit.* keys apply to a replay");
    CHECK(error_of<E>({"--run", run, "--policy", "best"}) ==
          "earlyexit.policy = \"best\": must be one of fixed, confidence, entropy, margin, "
          "patience, oracle, seenn2");
    CHECK(error_of<E>({"--run", run, "--lane", "2"}) ==
          "replay: --lane 2: expected a lane in 0..1");
    CHECK(error_of<E>({"--run", run, "--set", "earlyexit.alpha=2"}) ==
          "--set: earlyexit.alpha = 2: must be in (0, 1]");
    CHECK(error_of<E>({"--policy", "fixed"}) ==
          "replay: --run is required (see spikebar replay --help)");
    CHECK(
        error_of<E>({"--run", run, "--policy", "seenn2"}) ==
        "replay: policy seenn2 replays the steps its policy net chose, /samples/policy_t, which " +
            run + " does not hold (a run logged with earlyexit.policy = confidence)");
}

TEST_CASE("replay refuses a run logged with online exit, and bad files") {
    const run_fixture::temp_dir dir("replay_online");
    run_fixture::fake_run r = run_fixture::hand_built_run();
    r.online_exit = 1;
    const std::string run = dir / "run.h5";
    run_fixture::write_run(run, r);
    CHECK(error_of<spikebar::io_error>({"--run", run}) ==
          run +
              ": logged with eval.online_exit = true (no outputs after each exit); replay needs "
              "a run logged with eval.online_exit = false");
    CHECK(error_of<spikebar::io_error>({"--run", dir / "none.h5"}) ==
          dir / "none.h5" + ": cannot open (missing or unreadable)");
}

TEST_CASE("seenn2 replays the logged policy_t; oracle reports the per-sample bound") {
    const run_fixture::temp_dir dir("replay_preset");
    run_fixture::fake_run r = run_fixture::hand_built_run();
    r.policy_t = {2, 4, 1};
    const std::string run = dir / "run.h5", out = dir / "p.h5";
    run_fixture::write_run(run, r);
    replay({"--run", run, "--policy", "seenn2", "--out", out});
    // Exits at the chosen steps; lane 0 predictions argmax S_2 = 0, S_4 = 1, S_1 = 0.
    CHECK(read_uint8s(out, "/samples/exit_t") == std::vector<std::uint8_t>{2, 4, 1, 2, 4, 1});
    CHECK(read_uint8s(out, "/samples/correct") == std::vector<std::uint8_t>{1, 1, 0, 1, 0, 0});
    CHECK(std::isnan(read_doubles(out, "/pareto/threshold")[0]));

    replay({"--run", run, "--policy", "oracle", "--out", out});
    CHECK(read_uint8s(out, "/samples/exit_t") == std::vector<std::uint8_t>{1, 2, 1, 1, 1, 1});
    CHECK(read_doubles(out, "/pareto/accuracy") == read_doubles(out, "/oracle/accuracy"));
}

TEST_CASE("the CSV has a header and one row per lane and threshold, fixed T and oracle") {
    const run_fixture::temp_dir dir("replay_csv");
    const std::string run = dir / "run.h5", csv = dir / "p.csv";
    run_fixture::write_run(run, run_fixture::hand_built_run());
    const std::string printed =
        replay({"--run", run, "--sweep", "alpha=0.5,0.9,0.99", "--csv", csv});
    const std::vector<std::string> lines = run_fixture::read_lines(csv);
    // Per lane: 3 thresholds + 4 fixed T + 1 oracle + frontier (lane 0: m = 0..2, lane 1:
    // m = 0..1).
    REQUIRE(lines.size() == 1u + (3 + 4 + 1 + 3) + (3 + 4 + 1 + 2));
    CHECK(lines[0] ==
          "kind,lane,policy,threshold,accuracy,mean_timesteps,mean_energy_pj,p50_t,p90_t,p99_t,"
          "pareto_timesteps,pareto_energy");
    // Lane 0, alpha = 0.9: exits {1, 3, 3}, energy (120 + 472.5 + 562.5) / 3 = 385.
    CHECK(lines[2] ==
          "policy,0,confidence,0.9,0.6666666666666666,2.3333333333333335,385,3,3,3,0,0");
    // Lane 0, fixed t = 2: E(0, i, 2) = 247.5 + 60 i, mean 307.5.
    CHECK(lines[5] == "fixed_t,0,fixed,2,0.6666666666666666,2,307.5,2,2,2,1,1");
    // Lane 0 oracle: exits {1, 2, 1}, energy (120 + 307.5 + 180) / 3 = 202.5.
    CHECK(lines[8] == "oracle,0,oracle,,0.6666666666666666,1.3333333333333333,202.5,1,2,2,,");
    CHECK(lines[9] == "oracle_frontier,0,oracle,,0,1,150,,,,,");
    CHECK(lines[11] ==
          "oracle_frontier,0,oracle,,0.6666666666666666,1.3333333333333333,202.5,,,,,");
    CHECK(lines[12].rfind("policy,1,confidence,0.5,", 0) == 0);
    // The terminal gets a short table, not the CSV.
    CHECK(printed.find("replay  " + run + "  lane 0  policy confidence over alpha") !=
          std::string::npos);
}

TEST_CASE("a long sweep prints a few rows and keeps every row in the files") {
    const run_fixture::temp_dir dir("replay_long");
    const std::string run = dir / "run.h5", csv = dir / "p.csv";
    run_fixture::write_run(run, run_fixture::hand_built_run());
    const std::string printed =
        replay({"--run", run, "--lane", "0", "--sweep", "alpha=0.001:0.001:0.999", "--csv", csv});
    int lines = 0;
    for (char ch : printed) lines += ch == '\n';
    CHECK(lines < 25);
    const std::size_t rows = 999;  // 0.001, 0.002, ..., 0.999
    CHECK(run_fixture::read_lines(csv).size() == 1 + rows + 4 + 1 + 3);
}
