// experiments::run_evaluation (spikebar eval) with eval.record_energy = false, the
// counter-free mode of issue 14. Reference: the same run with record_energy = true, whose
// per-sample outputs, exits and shadow errors it must equal bit for bit (the work counters
// and the energy model feed nothing else), and docs/output-format.md, which says that such
// a run file has energy_recorded = 0 and none of the energy or counter datasets.
#include "experiments/run_eval.hpp"

#include <doctest/doctest.h>
#include <hdf5.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/errors.hpp"
#include "common/h5.hpp"
#include "experiments/config/config.hpp"
#include "experiments/io/run_reader.hpp"
#include "experiments/sweep/sweep_file.hpp"
#include "fixtures.hpp"
#include "snn/model_io.hpp"

namespace fs = std::filesystem;

namespace {

struct temp_dir {
    fs::path path;
    explicit temp_dir(const std::string& name)
        : path(fs::temp_directory_path() / (name + "_" + std::to_string(::getpid()))) {
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~temp_dir() { fs::remove_all(path); }
    std::string operator/(const std::string& f) const { return (path / f).string(); }
};

// A dataset's bytes in its native memory type: equal bytes are equal bits.
std::vector<unsigned char> raw(const h5::file& f, const std::string& path) {
    const h5::id d(H5Dopen2(f.h.get(), path.c_str(), H5P_DEFAULT), H5Dclose);
    REQUIRE_MESSAGE(d.ok(), path);
    const h5::id type(H5Dget_type(d.get()), H5Tclose);
    const h5::id mem(H5Tget_native_type(type.get(), H5T_DIR_ASCEND), H5Tclose);
    const h5::id space(H5Dget_space(d.get()), H5Sclose);
    std::vector<unsigned char> v(H5Tget_size(mem.get()) *
                                 std::size_t(H5Sget_simple_extent_npoints(space.get())));
    REQUIRE(H5Dread(d.get(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) >= 0);
    return v;
}

bool has_attr(const h5::file& f, const std::string& name) {
    const std::vector<std::string> a = h5::attr_names(f, "/");
    return std::find(a.begin(), a.end(), name) != a.end();
}

}  // namespace

TEST_CASE("eval.record_energy = false changes no bit of outputs, exits or shadow errors") {
    const temp_dir dir("spikebar_record_energy");
    const snn::dataset train = fixtures::test_data(24, 11), test = fixtures::test_data(30, 12);
    synthetic::write_idx(dir / "train-images-idx3-ubyte", dir / "train-labels-idx1-ubyte", train);
    synthetic::write_idx(dir / "t10k-images-idx3-ubyte", dir / "t10k-labels-idx1-ubyte", test);
    const snn::model m = fixtures::test_model();
    const std::string model = dir / "m.h5";
    snn::save_model(m, model);
    // Confidence exits spread over the steps, so that the exits are a real check.
    const std::vector<std::string> base{
        "network.layers=" + m.net.layers, "data.dir=" + dir.path.string(),
        "earlyexit.policy=confidence", "earlyexit.alpha=0.5", "eval.batch_size=7"};
    // Ideal hardware (the counting synapse is left out), and two noisy chips with the shadow
    // network and the first layer's read cache, logging all steps and exiting online.
    const std::vector<std::vector<std::string>> hardware{
        {"crossbar.enabled=false"},
        {"crossbar.enabled=true", "crossbar.tile_rows=32", "crossbar.tile_cols=16",
         "crossbar.chips=2", "crossbar.dac_bits=6", "device.level_bits=5", "device.d2d_sigma=0.05",
         "device.read_noise_sigma=0.1", "wires.r_row_ohm=2.5", "wires.r_col_ohm=2.5", "adc.bits=6",
         "eval.calibration_samples=10"},
        {"crossbar.enabled=true", "crossbar.chips=2", "device.read_noise_sigma=0.1",
         "eval.online_exit=true", "eval.calibration_samples=10"}};
    for (std::size_t k = 0; k < hardware.size(); ++k) {
        CAPTURE(k);
        std::vector<std::string> set = base;
        set.insert(set.end(), hardware[k].begin(), hardware[k].end());
        const bool xbar = k > 0, online = k == 2;
        std::vector<experiments::evaluation> ev;
        for (const bool record : {true, false}) {
            std::vector<std::string> s = set;
            s.push_back(std::string("eval.record_energy=") + (record ? "true" : "false"));
            ev.push_back(experiments::run_evaluation(experiments::default_config(s), model,
                                                     dir / (record ? "on.h5" : "off.h5"), "test"));
        }
        const h5::file on = h5::file::open_read(dir / "on.h5"),
                       off = h5::file::open_read(dir / "off.h5");
        std::vector<std::string> same{
            "/samples/index",      "/samples/label",          "/samples/exit_t",
            "/samples/prediction", "/samples/correct",        "/samples/prediction_by_timestep",
            "/timesteps/logits",   "/timesteps/spike_count",  "/summary/accuracy_by_timestep",
            "/summary/accuracy",   "/summary/mean_timesteps", "/summary/exit_histogram"};
        if (xbar) same.insert(same.end(), {"/shadow/membrane_rmse", "/shadow/spike_mismatch"});
        for (const std::string& d : same) {
            CAPTURE(d);
            CHECK(raw(on, d) == raw(off, d));
        }
        for (const char* a : {"accuracy", "mean_timesteps"})
            CHECK(h5::read_attr_double(on, "/", a) == h5::read_attr_double(off, "/", a));
        CHECK(h5::read_attr_int(on, "/", "energy_recorded") == 1);
        CHECK(h5::read_attr_int(off, "/", "energy_recorded") == 0);
        // No energy, no counters, no placeholders.
        CHECK(has_attr(on, "mean_energy_pj"));
        CHECK(!has_attr(off, "mean_energy_pj"));
        for (const char* d :
             {"/samples/energy_pj", "/timesteps/energy_pj", "/timesteps/energy_step_pj",
              "/summary/mean_energy_pj", xbar ? "/timesteps/crossbar" : "/timesteps/ops"}) {
            CAPTURE(d);
            CHECK(h5::exists(on, d));
            CHECK(!h5::exists(off, d));
        }
        // The summaries in memory, lane by lane.
        REQUIRE(ev[0].lanes.size() == ev[1].lanes.size());
        for (std::size_t c = 0; c < ev[0].lanes.size(); ++c) {
            const experiments::eval_result &a = ev[0].lanes[c], &b = ev[1].lanes[c];
            CHECK(a.exit_histogram == b.exit_histogram);
            CHECK(a.correct_at == b.correct_at);
            CHECK(a.correct_at_exit == b.correct_at_exit);
            CHECK(a.membrane_rmse == b.membrane_rmse);
            CHECK(a.spike_mismatch == b.spike_mismatch);
            CHECK(a.exit_energy_sum > 0);
            CHECK(b.exit_energy_sum == 0);
            std::size_t early = 0;  // the exits must spread, or they prove little
            for (std::size_t t = 0; t + 1 < a.exit_histogram.size(); ++t)
                early += a.exit_histogram[t];
            CHECK(early > 0);
            CHECK(early < a.samples);
        }

        // The reader opens the file, and refuses what needs energy with one line.
        const experiments::run_reader r(dir / "off.h5");
        CHECK(!r.header().energy_recorded);
        CHECK(r.header().rows.empty());
        CHECK(r.read_samples(0).exit_t ==
              experiments::run_reader(dir / "on.h5").read_samples(0).exit_t);
        CHECK(r.read_samples(0).energy_pj.empty());
        const std::string refusal =
            dir / "off.h5" +
            ": written with eval.record_energy = false, so it holds no "
            "energy; replay needs a run written with eval.record_energy = true";
        CHECK_THROWS_WITH_AS(r.require_energy("replay"), refusal.c_str(), spikebar::io_error);
        CHECK_THROWS_AS(r.read_lane(0), spikebar::io_error);
        CHECK_THROWS_AS(r.read_energy(0, 0, 1), spikebar::io_error);
        // A sweep point without energy claims none in the sweep table.
        const experiments::point_summary p_on =
            experiments::summarize_point({0, dir / "on.h5", "/"});
        const experiments::point_summary p_off =
            experiments::summarize_point({0, dir / "off.h5", "/"});
        CHECK(p_on.energy_recorded);
        CHECK(p_on.mean_energy_pj > 0);
        CHECK(!p_off.energy_recorded);
        CHECK(std::isnan(p_off.mean_energy_pj));
        CHECK(p_off.accuracy_mean == p_on.accuracy_mean);
        CHECK(p_off.mean_timesteps == p_on.mean_timesteps);
        if (!online) CHECK(p_off.accuracy_fixed_t == p_on.accuracy_fixed_t);
    }
}
