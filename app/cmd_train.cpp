// spikebar train: BPTT training from a config; checkpoints every epoch, --resume
// continues from the last one; writes the deployed (BatchNorm-folded) model.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "app/cli.hpp"
#include "app/commands.hpp"
#include "app/progress.hpp"
#include "app/run_cli.hpp"
#include "common/errors.hpp"
#include "common/version.hpp"
#include "experiments/config/config.hpp"
#include "experiments/config/config_model.hpp"
#include "experiments/evaluate.hpp"
#include "experiments/hwa.hpp"
#include "snn/model_io.hpp"
#include "snn/synapse.hpp"
#include "snn/trainer.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace experiments {

namespace {

const char* const usage =
    "usage: spikebar train --config FILE [--out model.h5] [--resume] [--set section.key=value]...\n"
    "\n"
    "  --config FILE  the run config ([network], [lif], [train], [data], [eval])\n"
    "  --out PATH     the trained, BatchNorm-folded model (default: <output.dir>/model.h5)\n"
    "  --resume       continue from PATH.ckpt.h5, the checkpoint written after every epoch\n"
    "  --set K=V      override key K (section.key) after the file; repeatable\n"
    "\n"
    "After each epoch the deployed model is evaluated on the test set at every timestep.\n";

// The part of an effective config that decides what training computes: the sections
// train reads. Other sections ([eval], [crossbar], [energy], ...) may change, or gain keys
// in a newer spikebar, without invalidating a checkpoint.
std::string training_sections(const std::string& effective) {
    static const char* const kept[] = {"[network]", "[lif]", "[train]", "[data]"};
    std::istringstream in(effective);
    std::string out;
    bool keep = false;
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line.front() == '[')
            keep = std::find(std::begin(kept), std::end(kept), line) != std::end(kept);
        if (keep) out += line + '\n';
    }
    return out;
}

std::string percent(double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", 100.0 * x);
    return buf;
}

// The model against the dataset: its input shape and its readout's class count.
void check_model_fits(const snn::model& m, const run_config& cfg, const snn::dataset& train) {
    const snn::shape3 input{train.channels, train.height, train.width};
    if (m.arch.input.c != input.c || m.arch.input.h != input.h || m.arch.input.w != input.w)
        throw spikebar::config_error("train.init_model = " + cfg.train.init_model +
                                     ": the model takes [" + std::to_string(m.arch.input.c) + ", " +
                                     std::to_string(m.arch.input.h) + ", " +
                                     std::to_string(m.arch.input.w) + "] inputs, the dataset's are [" +
                                     std::to_string(input.c) + ", " + std::to_string(input.h) +
                                     ", " + std::to_string(input.w) + "]");
    if (m.num_classes() != train.num_classes)
        throw spikebar::config_error("network.layers: the readout has " + std::to_string(m.num_classes()) +
                                     " outputs, the dataset " + std::to_string(train.num_classes) + " classes");
}

// What --resume continues from: the checkpoint of the same training sections.
struct resumed {
    snn::model m;
    snn::optimizer_state opt;
    int epochs_done = 0;
    double seconds = 0;  // training time before [s]
};
resumed load_resume_point(const std::string& ckpt_path, const std::string& config_text) {
    if (!std::filesystem::exists(ckpt_path))
        throw spikebar::io_error(ckpt_path + ": no checkpoint to resume from");
    snn::checkpoint c = snn::load_checkpoint(ckpt_path);
    if (training_sections(c.m.metadata["config"]) != training_sections(config_text))
        throw spikebar::config_error(
            "train --resume: " + ckpt_path +
            " was written with a different [network], [lif], [train] or [data];"
            " start afresh without --resume");
    resumed r;
    r.seconds = std::stod(c.m.metadata["train_seconds"]);
    r.epochs_done = c.epochs_done;
    r.m = std::move(c.m);
    r.opt = std::move(c.opt);
    return r;
}

// Test accuracy at every fixed t of the trainer's network, deployed (BatchNorm folded).
std::vector<double> test_accuracy(const snn::trainer& tr, const snn::dataset& test,
                                  const run_config& cfg) {
    const snn::model deployed = snn::fold_batchnorm(tr.net());
    const snn::ideal_synapse syn(deployed);
    const eval_result ev = evaluate(deployed, syn, test, cfg.eval.batch_size, cfg.train.seed);
    std::vector<double> acc;
    for (int t = 1; t <= ev.timesteps; ++t) acc.push_back(ev.accuracy(t));
    return acc;
}

// "88.10 88.62 ...": accuracies as the model's metadata records them.
std::string accuracy_list(const std::vector<double>& acc) {
    std::string s;
    for (std::size_t i = 0; i < acc.size(); ++i) s += (i ? " " : "") + percent(acc[i]);
    return s;
}

}  // namespace

int cmd_train(const args& a) {
    bool resume = false;
    cli_parser cli("train", usage);
    run_cli run(cli, run_cli::model_flag::none, false, &resume);
    cli.toggle("--resume", &resume);
    if (!cli.parse(a)) return 0;
    run_config cfg = run.load(cli);
    std::string& out_path = run.out_path;
    const std::string& config_path = run.config_path;
    // Fine-tuning: the initial model's /network and /neuron govern, as at eval.
    snn::model init;
    if (!cfg.train.init_model.empty()) {
        init = snn::load_model(cfg.train.init_model);
        cfg = with_model(cfg, init, cfg.train.init_model);
    }
    if (out_path.empty()) out_path = cfg.output.dir + "/model.h5";
    const std::string ckpt_path = out_path + ".ckpt.h5";
    if (cfg.eval.threads > 0) omp_set_num_threads(cfg.eval.threads);
    const std::string config_text = effective_config(cfg);

    const snn::dataset train = load_dataset(cfg.data, "train");
    const snn::dataset test = load_dataset(cfg.data, "test");
    const snn::shape3 input{train.channels, train.height, train.width};

    snn::model m = cfg.train.init_model.empty()
                       ? snn::make_model(cfg.network, cfg.lif, input, cfg.train.seed)
                       : std::move(init);
    check_model_fits(m, cfg, train);
    int first_epoch = 0;
    double seconds_before = 0.0;
    snn::optimizer_state opt;
    if (resume) {
        resumed r = load_resume_point(ckpt_path, config_text);
        seconds_before = r.seconds;
        first_epoch = r.epochs_done;
        m = std::move(r.m);
        opt = std::move(r.opt);
    }
    const std::size_t steps = train.size() / static_cast<std::size_t>(cfg.train.batch_size);
    if (steps == 0)
        throw spikebar::config_error("train.batch_size = " + std::to_string(cfg.train.batch_size) +
                                     ": larger than the training set (" + std::to_string(train.size()) + " samples)");
    snn::trainer tr(std::move(m), cfg.train, steps);
    if (resume) tr.optimizer() = std::move(opt);
    enable_hardware_aware(tr, cfg, train);
    if (auto dir = std::filesystem::path(out_path).parent_path(); !dir.empty())
        std::filesystem::create_directories(dir);

    std::fprintf(stderr, "train  %s  %zu parameters  T=%d  %zu train / %zu test samples  %d threads%s\n",
                 config_path.c_str(), tr.net().parameter_count(), cfg.network.timesteps, train.size(),
                 test.size(), omp_get_max_threads(),
                 cfg.train.hwa_active() ? "  hardware-aware" : "");
    const int T = cfg.network.steps();
    double seconds = seconds_before;
    std::string last_acc;
    for (int epoch = first_epoch; epoch < cfg.train.epochs; ++epoch) {
        const auto t0 = std::chrono::steady_clock::now();
        progress_options po;
        po.unit = "img";
        progress bar("train epoch " + std::to_string(epoch + 1) + "/" + std::to_string(cfg.train.epochs),
                     steps * cfg.train.batch_size, po);
        const auto rep = tr.train_epoch(train, epoch, [&](const snn::batch_report& b) {
            char tail[96];
            std::snprintf(tail, sizeof tail, "loss %.4f acc %s%%", b.loss, percent(b.accuracy).c_str());
            bar.update(b.batch * cfg.train.batch_size, tail);
        });
        char tail[96];
        std::snprintf(tail, sizeof tail, "loss %.4f acc %s%%", rep.loss, percent(rep.accuracy).c_str());
        bar.finish(tail);
        seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

        const std::vector<double> acc = test_accuracy(tr, test, cfg);
        std::string line = "epoch " + std::to_string(epoch + 1) + " test accuracy";
        for (int t = 1; t <= T; ++t) line += "  T=" + std::to_string(t) + " " + percent(acc[t - 1]) + "%";
        last_acc = accuracy_list(acc);
        std::fprintf(stderr, "%s  (training %s so far)\n", line.c_str(), format_duration(seconds).c_str());

        snn::model& net = tr.net();
        net.metadata["config"] = config_text;
        net.metadata["train_seconds"] = std::to_string(seconds);
        snn::save_model(net, ckpt_path, &tr.optimizer(), epoch + 1);
    }
    if (first_epoch >= cfg.train.epochs) {
        std::fprintf(stderr, "train: %s already holds all %d epochs\n", ckpt_path.c_str(), cfg.train.epochs);
        last_acc = accuracy_list(test_accuracy(tr, test, cfg));
    }

    snn::model deployed = snn::fold_batchnorm(tr.net());
    deployed.metadata["config"] = config_text;
    deployed.metadata["dataset"] = train.name + " (" + std::to_string(train.size()) + " samples)";
    deployed.metadata["test_set"] = test.name + " (" + std::to_string(test.size()) + " samples)";
    deployed.metadata["epochs"] = std::to_string(cfg.train.epochs);
    deployed.metadata["test_accuracy_percent_by_timestep"] = last_acc;
    deployed.metadata["train_seconds"] = std::to_string(seconds);
    deployed.metadata["train_threads"] = std::to_string(omp_get_max_threads());
    deployed.metadata["command"] = command_line("train", a);
    deployed.metadata["spikebar_version"] = std::string(SPIKEBAR_VERSION) + " (git " + spikebar::git_revision() + ")";
    snn::save_model(deployed, out_path);
    std::fprintf(stderr, "wrote  %s  (training %s)\n", out_path.c_str(), format_duration(seconds).c_str());
    return 0;
}

}  // namespace experiments
