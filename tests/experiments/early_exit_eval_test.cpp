// Checks early exit inside the evaluation (experiments/evaluate.hpp) and the run file
// writer (experiments/io/run_file.hpp):
//  - online exit (exited samples leave the batch) against the full log of the same run and
//    against offline replay (earlyexit::replay) of that log: exits, predictions and
//    energies bit for bit, on ideal hardware and on noisy crossbar chips;
//  - energy bookkeeping: a sample's energy is the in-order cumulative sum of its step
//    totals up to its exit, and each step total the in-order sum of its parts;
//  - the run file holds what the library computed, and an unfinished writer leaves nothing.
#include <doctest/doctest.h>
#include <omp.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/h5.hpp"
#include "earlyexit/controller.hpp"
#include "earlyexit/replay.hpp"
#include "experiments/counting_synapse.hpp"
#include "experiments/crossbar_synapse.hpp"
#include "experiments/energy/energy.hpp"
#include "experiments/evaluate.hpp"
#include "experiments/io/run_file.hpp"
#include "fixtures.hpp"
#include "snn/synapse.hpp"

using namespace experiments;

namespace {

std::unique_ptr<earlyexit::policy> confidence(double alpha, int t_max) {
    earlyexit::earlyexit_params p;
    p.policy = "confidence";
    p.alpha = alpha;
    p.t_max = t_max;
    return earlyexit::make_policy(p);
}

template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

// Offline replay of a full log with the same policy.
earlyexit::replay_result replay_log(const earlyexit::policy& pol, const eval_result& r) {
    const int N = int(r.samples), T = r.timesteps;
    std::vector<std::int32_t> labels(r.labels.begin(), r.labels.end());
    std::vector<double> cum(std::size_t(N) * T);
    for (int i = 0; i < N; ++i)
        earlyexit::cumulate_energy(r.energy_step.data() + std::size_t(i) * T, T,
                                   cum.data() + std::size_t(i) * T);
    earlyexit::run_view v;
    v.n = N;
    v.t_max = T;
    v.k = r.classes;
    v.outputs = r.logits.data();
    v.labels = labels.data();
    v.energy_cum = cum.data();
    return earlyexit::replay(pol, v, nullptr, 7);
}

// Online against full log against replay, for one lane.
void check_lane(const eval_result& full, const eval_result& online, const earlyexit::policy& pol) {
    const std::size_t N = full.samples;
    const int T = full.timesteps, K = full.classes, E = full.energy_values;
    REQUIRE(E > 0);
    CHECK(full.exit_t == online.exit_t);
    CHECK(full.exit_prediction == online.exit_prediction);
    CHECK(same_bits(full.exit_energy, online.exit_energy));
    const earlyexit::replay_result rep = replay_log(pol, full);
    for (std::size_t i = 0; i < N; ++i) {
        CAPTURE(i);
        REQUIRE(rep.exit_t[i] == full.exit_t[i]);
        REQUIRE(rep.prediction[i] == full.exit_prediction[i]);
        REQUIRE(std::memcmp(&rep.energy[i], &full.exit_energy[i], sizeof(double)) == 0);
        const int et = full.exit_t[i];
        for (int t = 0; t < T; ++t) {
            const std::size_t at = i * T + t;
            if (t < et) {  // ran in both: identical outputs and energies
                REQUIRE(std::memcmp(&full.logits[at * K], &online.logits[at * K], K * sizeof(float)) == 0);
                REQUIRE(std::memcmp(&full.energy[at * E], &online.energy[at * E], E * sizeof(double)) == 0);
            } else {  // never computed online
                REQUIRE(std::isnan(online.logits[at * K]));
                REQUIRE(online.predictions[at] == 255);
                REQUIRE(online.energy_step[at] == 0);
            }
            double parts = 0;
            for (int c = 0; c < E; ++c) parts += full.energy[at * E + c];
            REQUIRE(parts == full.energy_step[at]);
        }
        double e = 0;
        for (int t = 0; t < et; ++t) e += full.energy_step[i * T + t];
        REQUIRE(e == full.exit_energy[i]);
    }
    CHECK(full.exit_accuracy() == online.exit_accuracy());
    CHECK(full.mean_timesteps() == online.mean_timesteps());
    CHECK(full.exit_energy_sum == online.exit_energy_sum);
}

// Exits must spread over several steps, or the comparison proves little.
void check_spread(const eval_result& r) {
    std::size_t early = 0, late = 0;
    for (std::uint8_t t : r.exit_t) (t < r.timesteps ? early : late) += 1;
    CHECK(early > 0);
    CHECK(late > 0);
}

}  // namespace

TEST_CASE("online early exit equals the full log and its replay, ideal hardware") {
    const snn::model m = fixtures::test_model();
    const snn::dataset d = fixtures::test_data(60);
    const snn::ideal_synapse ideal(m);
    counting_synapse counted(m, ideal);
    const auto pol = confidence(0.6, 4);
    const energy_model em(m, energy_params{}, false, 0, 0, pol->kind(), 0);
    eval_options opt;
    opt.policy = pol.get();
    opt.energy = &em;
    opt.batch_size = 16;
    const eval_result full = evaluate_run(m, {{&counted, nullptr, &counted}}, d, opt).front();
    check_spread(full);
    const int saved = omp_get_max_threads();
    for (int threads : {1, 2})
        for (int batch : {1, 7, 64}) {
            CAPTURE(threads);
            CAPTURE(batch);
            omp_set_num_threads(threads);
            eval_options o = opt;
            o.online_exit = true;
            o.batch_size = batch;
            check_lane(full, evaluate_run(m, {{&counted, nullptr, &counted}}, d, o).front(), *pol);
        }
    omp_set_num_threads(saved);
    // The digital work is really counted: every step of every sample has some.
    for (std::size_t i = 0; i < full.samples; ++i)
        CHECK(full.energy_step[i * 4] > 0);
}

TEST_CASE("online early exit equals the full log and its replay, two noisy chips with a shadow") {
    const snn::model m = fixtures::test_model();
    const snn::dataset d = fixtures::test_data(40, 5);
    const snn::ideal_synapse ideal(m);
    crossbar_synapse a(m, fixtures::harsh_chip(), 3, 0), b(m, fixtures::harsh_chip(), 3, 1);
    const auto pol = confidence(0.5, 4);
    const energy_model em(m, energy_params{}, true, 6, 6, pol->kind(), 0);
    eval_options opt;
    opt.policy = pol.get();
    opt.energy = &em;
    opt.shadow = &ideal;
    opt.batch_size = 8;
    const std::vector<eval_result> full = evaluate_run(m, {{&a, &a}, {&b, &b}}, d, opt);
    opt.online_exit = true;
    opt.batch_size = 5;
    const std::vector<eval_result> online = evaluate_run(m, {{&a, &a}, {&b, &b}}, d, opt);
    for (int k = 0; k < 2; ++k) {
        CAPTURE(k);
        check_spread(full[k]);
        check_lane(full[k], online[k], *pol);
        CHECK(std::isnan(online[k].accuracy(1)));
        // Read energy is only spent while a sample runs.
        for (std::size_t i = 0; i < full[k].samples; ++i)
            for (int t = online[k].exit_t[i]; t < 4; ++t)
                for (int w = 0; w < online[k].crossbar_layers; ++w)
                    REQUIRE(online[k].mvm[(i * 4 + t) * online[k].crossbar_layers + w].tile_reads == 0);
    }
}

TEST_CASE("preset steps (SEENN-II) exit every sample at its own step") {
    // Reference: the state given per sample is the exit step.
    const snn::model m = fixtures::test_model();
    const snn::dataset d = fixtures::test_data(20);
    const snn::ideal_synapse ideal(m);
    earlyexit::earlyexit_params p;
    p.policy = "seenn2";
    const auto pol = earlyexit::make_policy(p);
    std::vector<std::int32_t> steps(d.size());
    for (std::size_t i = 0; i < steps.size(); ++i) steps[i] = std::int32_t(1 + (i * 7) % 4);
    eval_options opt;
    opt.policy = pol.get();
    opt.policy_state = steps.data();
    opt.online_exit = true;
    opt.batch_size = 6;
    const eval_result r = evaluate_run(m, {{&ideal}}, d, opt).front();
    for (std::size_t i = 0; i < steps.size(); ++i) CHECK(r.exit_t[i] == steps[i]);
}

TEST_CASE("the run file holds the library's results; an unfinished writer leaves no file") {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / ("spikebar_runfile_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    const snn::model m = fixtures::test_model();
    const snn::dataset d = fixtures::test_data(30);
    const snn::ideal_synapse ideal(m);
    counting_synapse counted(m, ideal);
    const auto pol = confidence(0.7, 4);
    const energy_model em(m, energy_params{}, false, 0, 0, pol->kind(), 0);
    run_header h;
    h.command = "test";
    h.config_text = "[eval]\n";
    h.policy = "confidence";
    h.timesteps = 4;
    h.classes = 10;
    h.lif_layers = 3;
    h.weighted_layers = em.weighted_layers();
    h.energy_rows = em.row_names();
    for (std::size_t i = 0; i < d.size(); ++i) h.index.push_back(i);
    h.labels = d.labels;
    eval_options opt;
    opt.policy = pol.get();
    opt.energy = &em;
    opt.batch_size = 7;
    {
        run_writer w((dir / "gone.h5").string(), h);
        CHECK(fs::exists(dir / "gone.h5.tmp"));
    }
    CHECK(!fs::exists(dir / "gone.h5.tmp"));
    CHECK(!fs::exists(dir / "gone.h5"));

    run_writer w((dir / "run.h5").string(), h);
    opt.on_records = [&](int lane, const sample_records& r) { w.write(lane, r); };
    const std::vector<eval_result> res =
        evaluate_run(m, {{&counted, nullptr, &counted}}, d, opt);
    CHECK(!fs::exists(dir / "run.h5"));  // not before finish()
    w.finish(res, {});
    CHECK(!fs::exists(dir / "run.h5.tmp"));
    const eval_result& r = res.front();

    const h5::file f = h5::file::open_read((dir / "run.h5").string());
    CHECK(h5::read_attr_int(f, "/", "format_version") == 2);
    CHECK(h5::read_attr_string(f, "/", "hardware") == "ideal");
    CHECK(h5::read_attr_double(f, "/", "accuracy") == r.exit_accuracy());
    CHECK(h5::read_attr_double(f, "/", "mean_timesteps") == r.mean_timesteps());
    CHECK(h5::read_attr_double(f, "/", "mean_energy_pj") == r.mean_energy_pj());
    const hsize_t N = 30, T = 4, K = 10, E = hsize_t(em.values_per_step());
    CHECK(h5::read_floats(f, "/timesteps/logits", {1, N, T, K}) == r.logits);
    const auto read = [&](const char* path, hid_t type, std::size_t count, void* out) {
        const h5::id ds(H5Dopen2(f.h.get(), path, H5P_DEFAULT), H5Dclose);
        REQUIRE(ds.ok());
        const h5::id space(H5Dget_space(ds.get()), H5Sclose);
        REQUIRE(std::size_t(H5Sget_simple_extent_npoints(space.get())) == count);
        REQUIRE(H5Dread(ds.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) >= 0);
    };
    std::vector<double> energy(N * T * E), exit_e(N), step(N * T);
    read("/timesteps/energy_pj", H5T_NATIVE_DOUBLE, energy.size(), energy.data());
    read("/samples/energy_pj", H5T_NATIVE_DOUBLE, exit_e.size(), exit_e.data());
    read("/timesteps/energy_step_pj", H5T_NATIVE_DOUBLE, step.size(), step.data());
    CHECK(same_bits(energy, r.energy));
    CHECK(same_bits(exit_e, r.exit_energy));
    CHECK(same_bits(step, r.energy_step));
    std::vector<std::uint8_t> exit_t(N), correct(N);
    read("/samples/exit_t", H5T_NATIVE_UINT8, N, exit_t.data());
    read("/samples/correct", H5T_NATIVE_UINT8, N, correct.data());
    CHECK(exit_t == r.exit_t);
    for (hsize_t i = 0; i < N; ++i) CHECK(correct[i] == (r.exit_prediction[i] == d.labels[i]));
    std::vector<std::uint64_t> macs(N * T * 4);
    read("/timesteps/ops/mac", H5T_NATIVE_UINT64, macs.size(), macs.data());
    for (std::size_t i = 0; i < macs.size(); ++i) REQUIRE(macs[i] == r.ops[i].macs);
    fs::remove_all(dir);
}
