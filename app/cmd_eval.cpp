// spikebar eval: a model on the test set, ideal or on crossbar.chips simulated chips
// ([crossbar] enabled = true, with an ideal shadow network for error accumulation): accuracy
// at every fixed timestep 1..T, each sample's early exit under [earlyexit] (online with
// eval.online_exit = true), and energy under [energy]; with --out, a run file
// (docs/output-format.md) written batch by batch.
#include <cmath>
#include <cstdio>
#include <functional>
#include <optional>

#include "app/cli.hpp"
#include "app/commands.hpp"
#include "app/progress.hpp"
#include "app/run_cli.hpp"
#include "common/errors.hpp"
#include "experiments/config/config.hpp"
#include "experiments/run_eval.hpp"

namespace experiments {

namespace {

const char* const usage =
    "usage: spikebar eval --config FILE --model M [--out run.h5] [--set section.key=value]...\n"
    "\n"
    "  --config FILE  the run config ([data], [eval], [crossbar], ...)\n"
    "  --model M      a model file written by spikebar train\n"
    "  --out PATH     write the run file (docs/output-format.md): per sample its exit,\n"
    "                 prediction and energy; per step O_t, spike counts, work counters and\n"
    "                 energy by layer and component (not with eval.record_energy = false);\n"
    "                 on the crossbar the shadow-network errors\n"
    "  --set K=V      override key K (section.key) after the file; repeatable\n";

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
    cli_parser cli("eval", usage);
    run_cli run(cli, run_cli::model_flag::required, false);
    if (!cli.parse(a)) return 0;
    const run_config cfg = run.load(cli);
    const std::string &model_path = run.model_path, &out_path = run.out_path;
    std::optional<experiments::progress> bar;
    const evaluation ev = run_evaluation(
        cfg, model_path, out_path, command_line("eval", a), [&](std::size_t done, std::size_t n) {
            if (!bar) {
                progress_options po;
                po.unit = "img";
                po.summary = false;
                bar.emplace("eval", n, po);
            }
            bar->update(done);
        });
    if (bar) bar->finish();
    const std::vector<eval_result>& results = ev.lanes;
    const double sec = ev.eval_s;
    const int T = ev.timesteps;
    const int C = static_cast<int>(results.size());
    const bool xbar = cfg.crossbar.enabled;
    const std::vector<double>& chip_build_s = ev.chip_build_s;
    const std::size_t calibration_samples = ev.calibration_samples;
    const double calibration_s = ev.calibration_s;
    const eval_result& r0 = results.front();
    const int L = r0.lif_layers;
    const auto over_lanes = [&](const std::function<double(const eval_result&)>& f) {
        std::vector<double> v;
        for (const eval_result& r : results) v.push_back(f(r));
        double mean, sd;
        mean_std(v, &mean, &sd);
        char buf[64];
        if (C > 1)
            std::snprintf(buf, sizeof buf, "%.4g ± %.2g", mean, sd);
        else
            std::snprintf(buf, sizeof buf, "%.4g", mean);
        return std::string(buf);
    };
    // Accuracy at every fixed T: the first line, as before early exit existed.
    if (!xbar) {
        std::printf("eval  %s  ideal  %zu images", model_path.c_str(), r0.samples);
        if (!cfg.eval.online_exit)
            for (int t = 1; t <= T; ++t) std::printf("  T=%d %.2f %%", t, 100.0 * r0.accuracy(t));
        std::printf("  (%.0f img/s)\n", double(r0.samples) / sec);
    } else {
        std::printf("eval  %s  chip %s, %d chip%s, %zu images\n", model_path.c_str(),
                    describe_chip(cfg).c_str(), C, C == 1 ? "" : "s", r0.samples);
        if (!cfg.eval.online_exit) {
            std::printf("      accuracy (mean ± std over chips)");
            for (int t = 1; t <= T; ++t) {
                std::vector<double> v;
                for (const eval_result& r : results) v.push_back(100.0 * r.accuracy(t));
                double mean, sd;
                mean_std(v, &mean, &sd);
                std::printf("  T=%d %.2f ± %.2f %%", t, mean, sd);
            }
            std::printf("\n");
        }
    }
    const bool energy = cfg.eval.record_energy;
    if (!cfg.eval.online_exit && energy)
        std::printf("      energy at fixed T=%d: %s nJ/img\n", T,
                    over_lanes([&](const eval_result& r) {
                        return r.samples ? r.full_energy_sum / double(r.samples) / 1000 : 0.0;
                    }).c_str());
    const auto energy_nj = [](const eval_result& r) { return r.mean_energy_pj() / 1000; };
    const std::string exit_energy = energy ? "energy " + over_lanes(energy_nj) + " nJ/img"
                                           : "energy not recorded (eval.record_energy = false)";
    std::printf("      early exit %s%s: accuracy %s %%, mean timesteps %s, %s\n",
                cfg.earlyexit.policy.c_str(), cfg.eval.online_exit ? " (online)" : "",
                over_lanes([](const eval_result& r) { return 100 * r.exit_accuracy(); }).c_str(),
                over_lanes([](const eval_result& r) { return r.mean_timesteps(); }).c_str(),
                exit_energy.c_str());
    if (xbar) {
        const int tl = T;  // error accumulation at the last step
        std::printf("      membrane RMSE at t=%d, lif layer 1..%d:", tl, L);
        for (int j = 0; j < L; ++j) {
            double s = 0;
            for (const eval_result& r : results) s += r.membrane_rmse[(tl - 1) * L + j];
            std::printf(" %.4g", s / C);
        }
        std::printf("   spike mismatch:");
        for (int j = 0; j < L; ++j) {
            double s = 0;
            for (const eval_result& r : results) s += r.spike_mismatch[(tl - 1) * L + j];
            std::printf(" %.4g", s / C);
        }
        double build = 0;
        for (double s : chip_build_s) build += s;
        std::printf(
            "\n      %.0f img/s per chip with the shadow network; chip build %.2f s per chip; "
            "ADC calibration on %zu training samples %.2f s\n",
            double(r0.samples) * C / sec, build / C, calibration_samples, calibration_s);
    }
    if (!out_path.empty()) std::printf("wrote  %s\n", out_path.c_str());
    return 0;
}

}  // namespace experiments
