// spikebar eval: accuracy of a model at every timestep 1..T on the test set; with
// --out, a run file holding every sample's readout at every step (docs/output-format.md).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <unistd.h>

#include "common/errors.hpp"
#include "experiments/cli.hpp"
#include "experiments/commands.hpp"
#include "experiments/config.hpp"
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
    "  --config FILE  the run config ([data], [eval], ...)\n"
    "  --model M      a model file written by spikebar train\n"
    "  --out PATH     write the run file: per-sample labels, O_t, predictions, spike counts\n"
    "  --set K=V      override key K (section.key) after the file; repeatable\n";

void write_run(const std::string& path, const eval_result& r, const std::string& model_path,
               const std::string& config_text, const std::string& cmd) {
    const std::string tmp = path + ".tmp";
    {
        const h5::file f = h5::file::create(tmp);
        h5::write_attr(f, "/", "format", std::string("spikebar-run"));
        h5::write_attr(f, "/", "format_version", std::int64_t{0});
        h5::write_attr(f, "/", "spikebar_version", std::string(SPIKEBAR_VERSION));
        h5::write_attr(f, "/", "git_revision", std::string(SPIKEBAR_GIT_REV));
        h5::write_attr(f, "/", "model", model_path);
        h5::write_attr(f, "/", "command", cmd);
        h5::write_attr(f, "/", "config", config_text);
        h5::write_attr(f, "/", "hardware", std::string("ideal"));
        const hsize_t N = r.samples, T = r.timesteps, K = r.classes, L = r.lif_layers;
        h5::write_uint8s(f, "/samples/label", {N}, r.labels.data());
        h5::write_uint8s(f, "/samples/prediction_by_timestep", {N, T}, r.predictions.data());
        h5::write_floats(f, "/timesteps/logits", {N, T, K}, r.logits.data());
        h5::write_uint32s(f, "/timesteps/spike_count", {N, T, L}, r.spikes.data());
        std::vector<double> acc(T);
        for (hsize_t t = 0; t < T; ++t) acc[t] = r.accuracy(static_cast<int>(t + 1));
        h5::write_doubles(f, "/summary/accuracy_by_timestep", {T}, acc.data());
    }
    if (FILE* fp = std::fopen(tmp.c_str(), "rb")) {
        fsync(fileno(fp));
        std::fclose(fp);
    }
    std::filesystem::rename(tmp, path);
}

}  // namespace

int cmd_eval(const args& a) {
    std::string config_path, model_path, out_path;
    std::vector<std::string> overrides;
    cli_parser cli("eval", usage);
    cli.value("--config", &config_path).value("--model", &model_path).value("--out", &out_path)
        .repeated("--set", &overrides);
    if (!cli.parse(a)) return 0;
    cli.require("--config", config_path);
    cli.require("--model", model_path);
    const run_config cfg = load_config(config_path, overrides);
    if (cfg.eval.threads > 0) omp_set_num_threads(cfg.eval.threads);
    const snn::model m = snn::load_model(model_path);
    if (m.has_batchnorm())
        throw spikebar::io_error(model_path + ": holds BatchNorm layers (a training checkpoint?); "
                                 "evaluate the model file spikebar train wrote");
    const snn::dataset test = load_dataset(cfg.data, "test");
    const auto& in = m.arch.input;
    if (in.c != test.channels || in.h != test.height || in.w != test.width)
        throw spikebar::io_error(model_path + ": /network@input_shape is [" + std::to_string(in.c) + ", " +
                                 std::to_string(in.h) + ", " + std::to_string(in.w) + "], the dataset's images are [" +
                                 std::to_string(test.channels) + ", " + std::to_string(test.height) + ", " +
                                 std::to_string(test.width) + "]");

    const snn::ideal_synapse syn(m);
    progress_options po;
    po.unit = "img";
    po.summary = false;
    progress bar("eval", test.size(), po);
    const auto t0 = std::chrono::steady_clock::now();
    const eval_result r = evaluate(m, syn, test, cfg.eval.batch_size, cfg.train.seed,
                                   [&](std::size_t done) { bar.update(done); });
    bar.finish();
    const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("eval  %s  ideal  %zu images", model_path.c_str(), r.samples);
    for (int t = 1; t <= r.timesteps; ++t) std::printf("  T=%d %.2f %%", t, 100.0 * r.accuracy(t));
    std::printf("  (%.0f img/s)\n", r.samples / sec);
    if (!out_path.empty()) {
        if (auto dir = std::filesystem::path(out_path).parent_path(); !dir.empty())
            std::filesystem::create_directories(dir);
        write_run(out_path, r, model_path, effective_config(cfg), command_line("eval", a));
        std::printf("wrote  %s\n", out_path.c_str());
    }
    return 0;
}

}  // namespace experiments
