// experiments::run_reader against run files built by hand with the HDF5 C API after
// docs/output-format.md (run_fixture.hpp): what it reads must be what was written, and
// every malformed file must give one io_error line naming the file, the object and what was
// expected.
#include "experiments/io/run_reader.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>

#include "common/errors.hpp"
#include "run_fixture.hpp"

using run_fixture::breakage;

TEST_CASE("a run file v2 reads back lane by lane as written") {
    const run_fixture::temp_dir dir("run_reader_roundtrip");
    run_fixture::fake_run r = run_fixture::hand_built_run();
    r.policy_t = {2, 4, 1};
    const std::string path = dir / "run.h5";
    run_fixture::write_run(path, r);
    const experiments::run_reader run(path);
    const experiments::run_file_header& h = run.header();
    CHECK(h.format_version == 2);
    CHECK(h.lanes == 2);
    CHECK(h.samples == 3);
    CHECK(h.timesteps == 4);
    CHECK(h.classes == 3);
    CHECK(h.policy == "confidence");
    CHECK(h.hardware == "crossbar");
    CHECK_FALSE(h.online_exit);
    CHECK(h.rows == r.rows);              // written as variable-length strings
    CHECK(h.components == r.components);  // written as fixed-length strings
    CHECK(h.labels == r.labels);
    CHECK(h.index == r.index);
    CHECK(h.policy_t == r.policy_t);
    CHECK(h.config.find("policy = confidence") != std::string::npos);
    for (int c = 0; c < 2; ++c) {
        const experiments::lane_log l = run.read_lane(c);
        CHECK(l.n == 3);
        CHECK(l.t_max == 4);
        CHECK(l.k == 3);
        CHECK(std::equal(l.logits.begin(), l.logits.end(), r.logits.begin() + c * 3 * 4 * 3));
        // The cumulative energy against the closed form of the hand-built run (exact: every
        // entry is a multiple of 1/4).
        for (int i = 0; i < 3; ++i)
            for (int t = 1; t <= 4; ++t)
                CHECK(l.energy_cum_pj[i * 4 + t - 1] == run_fixture::hand_energy(c, i, t));
        const experiments::lane_samples s = run.read_samples(c);
        CHECK(std::equal(s.exit_t.begin(), s.exit_t.end(), r.exit_t.begin() + c * 3));
        CHECK(std::equal(s.energy_pj.begin(), s.energy_pj.end(), r.energy_pj.begin() + c * 3));
    }
    // A block of /timesteps/energy_pj: lane 1, samples 1..2.
    const std::vector<double> e = run.read_energy(1, 1, 2);
    REQUIRE(e.size() == 2u * 4 * 3 * 10);
    CHECK(e[0] == r.e(1, 1, 1, 0, 0));
    CHECK(e.back() == r.e(1, 2, 4, 2, 9));
    CHECK_THROWS_WITH_AS(run.read_lane(2), (path + ": lane 2 does not exist (lanes 0..1)").c_str(),
                         spikebar::io_error);
}

TEST_CASE("malformed run files give one io_error line naming file, object and expectation") {
    const run_fixture::temp_dir dir("run_reader_bad");
    const run_fixture::fake_run r = run_fixture::hand_built_run();
    const std::string path = dir / "bad.h5";
    const auto error_of = [&](const breakage& b) {
        run_fixture::write_run(path, r, b);
        try {
            experiments::run_reader run(path);
        } catch (const spikebar::io_error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };

    CHECK_THROWS_WITH_AS(experiments::run_reader(dir / "none.h5"),
                         (dir / "none.h5" + ": cannot open (missing or unreadable)").c_str(),
                         spikebar::io_error);
    std::ofstream(dir / "text.h5") << "not hdf5\n";
    CHECK_THROWS_WITH_AS(experiments::run_reader(dir / "text.h5"),
                         (dir / "text.h5" + ": not an HDF5 file").c_str(), spikebar::io_error);

    breakage b;
    b.format = "";
    CHECK(error_of(b) == path + ": not a spikebar run file (/@format is missing)");
    b.format = "spikebar-model";
    CHECK(
        error_of(b) ==
        path +
            ": not a spikebar run file (/@format = \"spikebar-model\", expected \"spikebar-run\")");
    b = {};
    b.format_version = 1;
    CHECK(error_of(b) == path +
                             ": /@format_version = 1, expected 2 (docs/output-format.md); write "
                             "the run again with spikebar eval --out");
    b = {};
    b.omit = "/timesteps/logits";
    CHECK(error_of(b) ==
          path + ": /timesteps/logits is missing (expected float32 [C, N, T, K] = [2, 3, 4, 3])");
    b = {};
    b.shorten = "/timesteps/logits";
    CHECK(error_of(b) ==
          path +
              ": /timesteps/logits has shape [2, 3, 4, 2], expected [C, N, T, K] = [2, 3, 4, 3]");
    b = {};
    b.as_integer = "/timesteps/energy_step_pj";
    CHECK(error_of(b) == path + ": /timesteps/energy_step_pj holds integers, expected float64");
    b = {};
    b.omit = "/samples/label";
    CHECK(error_of(b) == path + ": /samples/label is missing (expected uint8 [N] = [3])");
    b = {};
    b.shorten = "/samples/exit_t";
    CHECK(error_of(b) == path + ": /samples/exit_t has shape [2, 2], expected [C, N] = [2, 3]");
    b = {};
    b.omit = "/timesteps/energy_pj";
    CHECK(error_of(b) ==
          path + ": /timesteps/energy_pj is missing (expected float64 [C, N, T, W+1, P])");
    b = {};
    b.rows_named = 2;
    CHECK(error_of(b) ==
          path + ": /timesteps/energy_pj@rows names 2 rows, the dataset has W+1 = 3");
}

TEST_CASE("labels outside the classes are a file error") {
    const run_fixture::temp_dir dir("run_reader_label");
    run_fixture::fake_run r = run_fixture::hand_built_run();
    r.labels[1] = 3;
    const std::string path = dir / "run.h5";
    run_fixture::write_run(path, r);
    CHECK_THROWS_WITH_AS(experiments::run_reader{path},
                         (path + ": /samples/label[1] = 3, expected a class in 0..2").c_str(),
                         spikebar::io_error);
}
