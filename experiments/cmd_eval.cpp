// spikebar eval: accuracy of a model at every timestep 1..T on the test set, ideal or on
// crossbar.chips simulated chips ([crossbar] enabled = true) with an ideal shadow network
// for error accumulation; with --out, a run file (docs/output-format.md).
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "common/errors.hpp"
#include "experiments/cli.hpp"
#include "experiments/commands.hpp"
#include "experiments/config.hpp"
#include "experiments/crossbar_synapse.hpp"
#include "experiments/evaluate.hpp"
#include "experiments/progress.hpp"
#include "snn/h5.hpp"
#include "snn/model_io.hpp"
#include "snn/synapse.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace experiments {

namespace {

const char* const usage =
    "usage: spikebar eval --config FILE --model M [--out run.h5] [--set section.key=value]...\n"
    "\n"
    "  --config FILE  the run config ([data], [eval], [crossbar], ...)\n"
    "  --model M      a model file written by spikebar train\n"
    "  --out PATH     write the run file: per-sample labels, O_t, predictions, spike counts;\n"
    "                 on the crossbar also work counters and the shadow-network errors\n"
    "  --set K=V      override key K (section.key) after the file; repeatable\n";

void write_uint64s(const h5::file& f, const std::string& path, const std::vector<hsize_t>& dims,
                   const std::uint64_t* data) {
    const h5::id space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                       H5Sclose);
    const h5::id lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
    H5Pset_create_intermediate_group(lcpl.get(), 1);
    const h5::id d(H5Dcreate2(f.h.get(), path.c_str(), H5T_STD_U64LE, space.get(), lcpl.get(),
                              H5P_DEFAULT, H5P_DEFAULT),
                   H5Dclose);
    if (!d.ok() || H5Dwrite(d.get(), H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
        throw spikebar::io_error(f.path + ": cannot write dataset " + path);
}

// Mean and sample standard deviation (n - 1; 0 for one value).
void mean_std(const std::vector<double>& v, double* mean, double* sd) {
    double m = 0;
    for (double x : v) m += x;
    m /= double(v.size());
    double s = 0;
    for (double x : v) s += (x - m) * (x - m);
    *mean = m;
    *sd = v.size() > 1 ? std::sqrt(s / double(v.size() - 1)) : 0.0;
}

struct run_info {
    std::string model_path, config_text, cmd;
    bool crossbar = false;
    std::uint64_t chip_seed = 0;
    std::size_t calibration_samples = 0;
    std::vector<double> chip_build_s;  // [C] chip programming (transfer matrices) [s]
};

// Writes `lanes` (one result for an ideal run, one per chip for a crossbar run) to
// `path` through a temporary file that is fsynced and renamed.
void write_run(const std::string& path, const std::vector<eval_result>& lanes,
               const run_info& info) {
    const std::string tmp = path + ".tmp";
    {
        const h5::file f = h5::file::create(tmp);
        const eval_result& r0 = lanes.front();
        h5::write_attr(f, "/", "format", std::string("spikebar-run"));
        h5::write_attr(f, "/", "format_version", std::int64_t{1});
        h5::write_attr(f, "/", "spikebar_version", std::string(SPIKEBAR_VERSION));
        h5::write_attr(f, "/", "git_revision", std::string(SPIKEBAR_GIT_REV));
        h5::write_attr(f, "/", "model", info.model_path);
        h5::write_attr(f, "/", "command", info.cmd);
        h5::write_attr(f, "/", "config", info.config_text);
        h5::write_attr(f, "/", "hardware", std::string(info.crossbar ? "crossbar" : "ideal"));
        const hsize_t C = lanes.size(), N = r0.samples, T = r0.timesteps, K = r0.classes,
                      L = r0.lif_layers;
        h5::write_uint8s(f, "/samples/label", {N}, r0.labels.data());
        std::vector<double> acc(C * T);
        for (hsize_t c = 0; c < C; ++c)
            for (hsize_t t = 0; t < T; ++t) acc[c * T + t] = lanes[c].accuracy(int(t + 1));
        if (!info.crossbar) {
            h5::write_uint8s(f, "/samples/prediction_by_timestep", {N, T}, r0.predictions.data());
            h5::write_floats(f, "/timesteps/logits", {N, T, K}, r0.logits.data());
            h5::write_uint32s(f, "/timesteps/spike_count", {N, T, L}, r0.spikes.data());
            h5::write_doubles(f, "/summary/accuracy_by_timestep", {T}, acc.data());
        } else {
            h5::write_attr(f, "/", "chips", std::int64_t(C));
            h5::write_attr(f, "/", "chip_seed", std::int64_t(info.chip_seed));
            h5::write_attr(f, "/", "calibration_samples", std::int64_t(info.calibration_samples));
            std::vector<std::uint8_t> pred;
            std::vector<float> logits;
            std::vector<std::uint32_t> spikes;
            std::vector<double> rmse, mism;
            for (const eval_result& r : lanes) {
                pred.insert(pred.end(), r.predictions.begin(), r.predictions.end());
                logits.insert(logits.end(), r.logits.begin(), r.logits.end());
                spikes.insert(spikes.end(), r.spikes.begin(), r.spikes.end());
                rmse.insert(rmse.end(), r.membrane_rmse.begin(), r.membrane_rmse.end());
                mism.insert(mism.end(), r.spike_mismatch.begin(), r.spike_mismatch.end());
            }
            h5::write_uint8s(f, "/samples/prediction_by_timestep", {C, N, T}, pred.data());
            h5::write_floats(f, "/timesteps/logits", {C, N, T, K}, logits.data());
            h5::write_uint32s(f, "/timesteps/spike_count", {C, N, T, L}, spikes.data());
            const hsize_t W = r0.crossbar_layers;
            std::vector<std::uint64_t> reads, rows, dacs, adcs;
            std::vector<double> energy;
            for (const eval_result& r : lanes)
                for (const crossbar::mvm_counts& m : r.mvm) {
                    reads.push_back(m.tile_reads);
                    rows.push_back(m.row_activations);
                    dacs.push_back(m.dac_conversions);
                    adcs.push_back(m.adc_conversions);
                    energy.push_back(m.read_energy_j);
                }
            write_uint64s(f, "/timesteps/crossbar/tile_reads", {C, N, T, W}, reads.data());
            write_uint64s(f, "/timesteps/crossbar/row_activations", {C, N, T, W}, rows.data());
            write_uint64s(f, "/timesteps/crossbar/dac_conversions", {C, N, T, W}, dacs.data());
            write_uint64s(f, "/timesteps/crossbar/adc_conversions", {C, N, T, W}, adcs.data());
            h5::write_doubles(f, "/timesteps/crossbar/read_energy_j", {C, N, T, W}, energy.data());
            h5::write_doubles(f, "/shadow/membrane_rmse", {C, T, L}, rmse.data());
            h5::write_doubles(f, "/shadow/spike_mismatch", {C, T, L}, mism.data());
            h5::write_doubles(f, "/summary/accuracy_by_timestep", {C, T}, acc.data());
            std::vector<double> mean(T), sd(T);
            for (hsize_t t = 0; t < T; ++t) {
                std::vector<double> v(C);
                for (hsize_t c = 0; c < C; ++c) v[c] = acc[c * T + t];
                mean_std(v, &mean[t], &sd[t]);
            }
            h5::write_doubles(f, "/summary/accuracy_mean_by_timestep", {T}, mean.data());
            h5::write_doubles(f, "/summary/accuracy_std_by_timestep", {T}, sd.data());
            h5::write_doubles(f, "/summary/chip_build_s", {C}, info.chip_build_s.data());
        }
    }
    if (FILE* fp = std::fopen(tmp.c_str(), "rb")) {
        fsync(fileno(fp));
        std::fclose(fp);
    }
    std::filesystem::rename(tmp, path);
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// "64x64 tiles, 2.5 ohm wires, d2d 5 %, read noise 5 %, 6-bit ADC, 8-bit DAC"
std::string describe_chip(const run_config& c) {
    char buf[512];
    const auto bits = [](int b) {
        return b == 0 ? std::string("ideal") : std::to_string(b) + "-bit";
    };
    std::snprintf(
        buf, sizeof buf,
        "%dx%d tiles, wires %g/%g ohm, d2d %g %%, read noise %g %%, levels %s, %s ADC, %s DAC",
        c.crossbar.tile_rows, c.crossbar.tile_cols, c.wires.r_row_ohm, c.wires.r_col_ohm,
        100 * c.device.d2d_sigma, 100 * c.device.read_noise_sigma,
        c.device.level_bits ? (std::to_string(c.device.level_bits) + "-bit").c_str() : "continuous",
        bits(c.adc.bits).c_str(), bits(c.crossbar.dac_bits).c_str());
    return buf;
}

}  // namespace

int cmd_eval(const args& a) {
    std::string config_path, model_path, out_path;
    std::vector<std::string> overrides;
    cli_parser cli("eval", usage);
    cli.value("--config", &config_path)
        .value("--model", &model_path)
        .value("--out", &out_path)
        .repeated("--set", &overrides);
    if (!cli.parse(a)) return 0;
    cli.require("--config", config_path);
    cli.require("--model", model_path);
    const run_config cfg = load_config(config_path, overrides);
    if (cfg.eval.threads > 0) omp_set_num_threads(cfg.eval.threads);
    const snn::model m = snn::load_model(model_path);
    if (m.has_batchnorm())
        throw spikebar::io_error(model_path +
                                 ": holds BatchNorm layers (a training checkpoint?); "
                                 "evaluate the model file spikebar train wrote");
    const snn::dataset test = load_dataset(cfg.data, "test");
    const auto& in = m.arch.input;
    if (in.c != test.channels || in.h != test.height || in.w != test.width)
        throw spikebar::io_error(model_path + ": /network@input_shape is [" + std::to_string(in.c) +
                                 ", " + std::to_string(in.h) + ", " + std::to_string(in.w) +
                                 "], the dataset's images are [" + std::to_string(test.channels) +
                                 ", " + std::to_string(test.height) + ", " +
                                 std::to_string(test.width) + "]");

    const snn::ideal_synapse ideal(m);
    run_info info;
    info.model_path = model_path;
    info.config_text = effective_config(cfg);
    info.cmd = command_line("eval", a);
    info.crossbar = cfg.crossbar.enabled;
    progress_options po;
    po.unit = "img";
    po.summary = false;

    std::vector<eval_result> results;
    if (!cfg.crossbar.enabled) {
        progress bar("eval", test.size(), po);
        const auto t0 = std::chrono::steady_clock::now();
        results.push_back(evaluate(m, ideal, test, cfg.eval.batch_size, cfg.train.seed,
                                   [&](std::size_t done) { bar.update(done); }));
        bar.finish();
        const double sec = seconds_since(t0);
        const eval_result& r = results.front();
        std::printf("eval  %s  ideal  %zu images", model_path.c_str(), r.samples);
        for (int t = 1; t <= r.timesteps; ++t)
            std::printf("  T=%d %.2f %%", t, 100.0 * r.accuracy(t));
        std::printf("  (%.0f img/s)\n", r.samples / sec);
    } else {
        const crossbar::chip_params cp{cfg.crossbar, cfg.device, cfg.wires, cfg.adc};
        const int C = cfg.crossbar.chips;
        info.chip_seed = cfg.eval.chip_seed;
        std::vector<std::unique_ptr<crossbar_synapse>> chips;
        std::vector<crossbar_synapse*> chip_ptrs;
        std::vector<eval_lane> lanes;
        for (int k = 0; k < C; ++k) {
            const auto t0 = std::chrono::steady_clock::now();
            chips.push_back(
                std::make_unique<crossbar_synapse>(m, cp, cfg.eval.chip_seed, std::uint64_t(k)));
            info.chip_build_s.push_back(seconds_since(t0));
            chip_ptrs.push_back(chips.back().get());
            // Work counters cost time (the read-energy quadratic form) and only go to the run
            // file: collect them only when there is one.
            lanes.push_back({chips.back().get(), out_path.empty() ? nullptr : chips.back().get()});
        }
        double calibration_s = 0;
        if (cfg.eval.calibration_samples > 0) {
            const auto t0 = std::chrono::steady_clock::now();
            const snn::dataset train = load_dataset(cfg.data, "train");
            info.calibration_samples =
                std::min(std::size_t(cfg.eval.calibration_samples), train.size());
            calibrate_chips(m, train, info.calibration_samples, cfg.train.seed, chip_ptrs);
            calibration_s = seconds_since(t0);
        }
        progress bar("eval", test.size(), po);
        const auto t0 = std::chrono::steady_clock::now();
        results = evaluate_lockstep(m, lanes, &ideal, test, cfg.eval.batch_size, cfg.train.seed,
                                    [&](std::size_t done) { bar.update(done); });
        bar.finish();
        const double sec = seconds_since(t0);
        const eval_result& r0 = results.front();
        const int T = r0.timesteps, L = r0.lif_layers;
        double build = 0;
        for (double s : info.chip_build_s) build += s;
        std::printf("eval  %s  chip %s, %d chip%s, %zu images\n", model_path.c_str(),
                    describe_chip(cfg).c_str(), C, C == 1 ? "" : "s", r0.samples);
        std::printf("      accuracy (mean ± std over chips)");
        for (int t = 1; t <= T; ++t) {
            std::vector<double> v;
            for (const eval_result& r : results) v.push_back(100.0 * r.accuracy(t));
            double mean, sd;
            mean_std(v, &mean, &sd);
            std::printf("  T=%d %.2f ± %.2f %%", t, mean, sd);
        }
        std::printf("\n      membrane RMSE at t=%d, lif layer 1..%d:", T, L);
        for (int j = 0; j < L; ++j) {
            double s = 0;
            for (const eval_result& r : results) s += r.membrane_rmse[(T - 1) * L + j];
            std::printf(" %.4g", s / C);
        }
        std::printf("   spike mismatch:");
        for (int j = 0; j < L; ++j) {
            double s = 0;
            for (const eval_result& r : results) s += r.spike_mismatch[(T - 1) * L + j];
            std::printf(" %.4g", s / C);
        }
        std::printf(
            "\n      %.0f img/s per chip with the shadow network; chip build %.2f s per chip; "
            "ADC calibration on %zu training samples %.2f s\n",
            double(r0.samples) * C / sec, build / C, info.calibration_samples, calibration_s);
    }
    if (!out_path.empty()) {
        if (auto dir = std::filesystem::path(out_path).parent_path(); !dir.empty())
            std::filesystem::create_directories(dir);
        write_run(out_path, results, info);
        std::printf("wrote  %s\n", out_path.c_str());
    }
    return 0;
}

}  // namespace experiments
