// spikebar train-policy: trains the SEENN-II policy net (experiments/seenn2_net.hpp) for a
// trained SNN. The ideal SNN runs over the training, held-out and test images for T_max
// steps; its correctness tables (argmax S_t == label) give the rewards; REINFORCE trains
// the policy net; the held-out part is scored after every epoch and the test set at the
// end, where the SNN exits at the chosen T_i (earlyexit::replay with a preset policy).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "app/cli.hpp"
#include "app/commands.hpp"
#include "app/progress.hpp"
#include "app/run_cli.hpp"
#include "common/clock.hpp"
#include "common/errors.hpp"
#include "common/version.hpp"
#include "earlyexit/preset.hpp"
#include "earlyexit/replay.hpp"
#include "experiments/config/config.hpp"
#include "experiments/config/config_model.hpp"
#include "experiments/evaluate.hpp"
#include "experiments/seenn2_net.hpp"
#include "snn/model_io.hpp"
#include "snn/synapse.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace experiments {

namespace {

const char* const usage =
    "usage: spikebar train-policy --config FILE --model SNN.h5 --out POLICY.h5\n"
    "                             [--set section.key=value]...\n"
    "\n"
    "  --config FILE  the run config: [earlyexit] t_max, seenn2_* keys; [data] with\n"
    "                 validation > 0 (the held-out tail of the training set); [train] AdamW,\n"
    "                 schedule and augmentation knobs; [eval] batch_size and threads\n"
    "  --model PATH   the trained SNN (spikebar train --out)\n"
    "  --out PATH     the SEENN-II policy net (an ann with t_max outputs)\n"
    "  --set K=V      override key K (section.key) after the file; repeatable\n"
    "\n"
    "Runs the ideal SNN over the training, held-out and test images, trains the policy net\n"
    "with REINFORCE on its correctness (reward 2^-(t-1) when right at t, -beta when wrong),\n"
    "prints the held-out reward, mean T and accuracy after each epoch and the test-set\n"
    "operating point at the end (stdout).\n";

std::string percent(double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", 100.0 * x);
    return buf;
}

std::string num(double x, const char* f = "%.4f") {
    char buf[32];
    std::snprintf(buf, sizeof buf, f, x);
    return buf;
}

std::string shares(const std::vector<double>& s) {
    std::string out;
    for (std::size_t j = 0; j < s.size(); ++j)
        out += (j ? " " : "") + std::string("T=") + std::to_string(j + 1) + " " +
               num(100.0 * s[j], "%.1f") + "%";
    return out;
}

// The ideal SNN over `data` for all of its steps, with a progress line; the correctness
// table [N x T] comes from earlyexit::correctness_table on the logged O_t.
struct snn_run {
    eval_result ev;
    std::vector<std::int32_t> labels;
    std::vector<std::uint8_t> correct;
    earlyexit::run_view view() const {
        earlyexit::run_view v;
        v.n = static_cast<int>(ev.samples);
        v.t_max = ev.timesteps;
        v.k = ev.classes;
        v.outputs = ev.logits.data();
        v.labels = labels.data();
        return v;
    }
};

snn_run run_snn(const snn::model& m, const snn::dataset& data, const run_config& cfg,
                const char* what) {
    progress_options po;
    po.unit = "img";
    const snn::ideal_synapse syn(m);
    progress bar(std::string("snn ") + what, data.size(), po);
    snn_run r;
    r.ev = evaluate(m, syn, data, cfg.eval.batch_size, cfg.train.seed,
                    [&](std::size_t done) { bar.update(done); });
    std::string tail = "accuracy";
    for (int t = 1; t <= r.ev.timesteps; ++t)
        tail += " T=" + std::to_string(t) + " " + percent(r.ev.accuracy(t)) + "%";
    bar.finish(tail);
    r.labels.assign(data.labels.begin(), data.labels.end());
    r.correct = earlyexit::correctness_table(r.view());
    return r;
}

// The SNN whose exits the policy learns, cut to T_max steps, and *cfg: the config with the
// model's [network] and [lif]. Refuses a checkpoint, T_max above the model's T, and a
// config without a held-out set.
snn::model load_snn(const std::string& model_path, const run_config& given, run_config* cfg) {
    snn::model m = snn::load_model(model_path);
    if (m.has_batchnorm())
        throw spikebar::io_error(model_path +
                                 ": holds BatchNorm layers (a training checkpoint?); use the "
                                 "model file spikebar train wrote");
    *cfg = with_model(given, m, model_path);
    const int tm = cfg->earlyexit.t_max;
    if (tm > m.steps())
        throw spikebar::config_error("earlyexit.t_max = " + std::to_string(tm) + ": the SNN " +
                                     model_path + " runs " + std::to_string(m.steps()) +
                                     " timesteps");
    m.net.timesteps = tm;  // evaluate() runs exactly T_max steps
    if (cfg->data.validation == 0)
        throw spikebar::config_error(
            "data.validation = 0: train-policy scores the policy on a held-out tail of the "
            "training set (e.g. --set data.validation=5000)");
    return m;
}

// The images the SNN takes against the dataset's.
void check_input(const snn::model& m, const std::string& model_path, const snn::dataset& d) {
    const auto& in = m.arch.input;
    if (in.c != d.channels || in.h != d.height || in.w != d.width)
        throw spikebar::io_error(model_path + ": /network@input_shape is [" + std::to_string(in.c) +
                                 ", " + std::to_string(in.h) + ", " + std::to_string(in.w) +
                                 "], the dataset's images are [" + std::to_string(d.channels) +
                                 ", " + std::to_string(d.height) + ", " +
                                 std::to_string(d.width) + "]");
}

// The policy-gradient training of [earlyexit]'s seenn2_* keys on top of [train].
policy_train_params make_policy_params(const run_config& cfg) {
    const auto& ee = cfg.earlyexit;
    policy_train_params pp;
    pp.t_max = ee.t_max;
    pp.beta = ee.seenn2_beta;
    pp.seed = ee.seenn2_seed;
    pp.train = cfg.train;
    pp.train.epochs = ee.seenn2_epochs;
    pp.train.batch_size = ee.seenn2_batch_size;
    pp.train.lr = ee.seenn2_lr;
    pp.train.seed = ee.seenn2_seed;
    pp.eval_batch_size = cfg.eval.batch_size;
    return pp;
}

// The trained policy net on the test set: the SNN exits at the chosen T_i, replayed from
// its logged outputs, against the SNN at every fixed T.
struct test_report {
    earlyexit::replay_summary sum;
    policy_score score;
    std::string fixed;  // "88.10 88.62 ..." [%] at T = 1..T_max
};
test_report score_on_test(const snn::model& net, const snn::dataset& test, const snn_run& r_test,
                          const run_config& cfg) {
    const auto& ee = cfg.earlyexit;
    const std::vector<std::int32_t> t_test = choose_timesteps(net, test, cfg.eval.batch_size);
    const earlyexit::preset_policy preset(earlyexit::policy_kind::seenn2);
    test_report r;
    r.sum = earlyexit::summarize(earlyexit::replay(preset, r_test.view(), t_test.data()));
    r.score = score_timesteps(t_test, r_test.correct, ee.t_max, ee.seenn2_beta);
    for (int t = 1; t <= ee.t_max; ++t)
        r.fixed += (t > 1 ? " " : "") + percent(r_test.ev.accuracy(t));
    return r;
}

}  // namespace

int cmd_train_policy(const args& a) {
    cli_parser cli("train-policy", usage);
    run_cli run(cli, run_cli::model_flag::required, true);
    if (!cli.parse(a)) return 0;
    const run_config given = run.load(cli);
    const std::string &model_path = run.model_path, &out_path = run.out_path;
    if (given.eval.threads > 0) omp_set_num_threads(given.eval.threads);
    run_config cfg;
    snn::model m = load_snn(model_path, given, &cfg);
    const auto& ee = cfg.earlyexit;
    const int tm = ee.t_max;

    const snn::dataset train = load_dataset(cfg.data, "train");
    const snn::dataset held = load_dataset(cfg.data, "validation");
    const snn::dataset test = load_dataset(cfg.data, "test");
    check_input(m, model_path, train);
    const auto& in = m.arch.input;
    // Built before the SNN runs so that a bad seenn2_layers fails at once.
    snn::model policy = make_policy_net(ee.seenn2_layers, tm, in, ee.seenn2_seed);
    const std::size_t steps = train.size() / static_cast<std::size_t>(ee.seenn2_batch_size);
    if (steps == 0)
        throw spikebar::config_error(
            "earlyexit.seenn2_batch_size = " + std::to_string(ee.seenn2_batch_size) +
            ": larger than the training set (" + std::to_string(train.size()) + " samples)");
    if (auto dir = std::filesystem::path(out_path).parent_path(); !dir.empty())
        std::filesystem::create_directories(dir);

    std::fprintf(stderr,
                 "train-policy  %s  T_max=%d  beta=%g  policy net %zu parameters, %llu MAC/img  "
                 "%zu train / %zu held-out / %zu test samples  %d threads\n",
                 model_path.c_str(), tm, ee.seenn2_beta, policy.parameter_count(),
                 static_cast<unsigned long long>(policy_net_macs(policy)), train.size(),
                 held.size(), test.size(), omp_get_max_threads());
    const auto t_snn = std::chrono::steady_clock::now();
    const snn_run r_train = run_snn(m, train, cfg, "train");
    const snn_run r_held = run_snn(m, held, cfg, "held-out");
    const snn_run r_test = run_snn(m, test, cfg, "test");
    const double snn_seconds = spikebar::seconds_since(t_snn);

    const policy_train_params pp = make_policy_params(cfg);

    const auto t_train = std::chrono::steady_clock::now();
    auto t_epoch = t_train;
    std::unique_ptr<progress> bar;
    policy_epoch_report last;
    const snn::model net = train_policy_net(
        std::move(policy), train, r_train.correct, &held, &r_held.correct, pp,
        [&](const policy_epoch_report& rep) {
            bar->finish("E[r] " + num(rep.expected_reward) + "  drawn r " +
                        num(rep.sampled_reward));
            bar.reset();
            std::fprintf(stderr,
                         "epoch %d held-out  reward %s  mean T %s  accuracy %s%%  (%s)  "
                         "%.1f s\n",
                         rep.epoch + 1, num(rep.held_out.mean_reward).c_str(),
                         num(rep.held_out.mean_t, "%.3f").c_str(),
                         percent(rep.held_out.accuracy).c_str(), shares(rep.held_out.share).c_str(),
                         spikebar::seconds_since(t_epoch));
            last = rep;
            t_epoch = std::chrono::steady_clock::now();
        },
        [&](const snn::batch_report& b) {
            if (!bar) {
                progress_options po;
                po.unit = "img";
                bar = std::make_unique<progress>("policy epoch " + std::to_string(b.epoch + 1) +
                                                     "/" + std::to_string(ee.seenn2_epochs),
                                                 b.batches * ee.seenn2_batch_size, po);
            }
            bar->update(b.batch * ee.seenn2_batch_size, "E[r] " + num(-b.loss));
        });
    const double train_seconds = spikebar::seconds_since(t_train);

    const test_report tr = score_on_test(net, test, r_test, cfg);
    const earlyexit::replay_summary& sum = tr.sum;
    const policy_score& test_score = tr.score;
    const std::string& fixed = tr.fixed;
    std::printf(
        "test  seenn2 beta=%g  accuracy %s%% at mean T %s (p50 %d, p90 %d, p99 %d; %s)  reward "
        "%s  fixed T=1..%d: %s%%\n",
        ee.seenn2_beta, percent(sum.accuracy).c_str(), num(sum.mean_t, "%.4f").c_str(), sum.p50_t,
        sum.p90_t, sum.p99_t, shares(test_score.share).c_str(), num(test_score.mean_reward).c_str(),
        tm, fixed.c_str());

    snn::model out = net;
    out.metadata.clear();
    out.metadata["config"] = effective_config(cfg);
    out.metadata["command"] = command_line("train-policy", a);
    out.metadata["snn_model"] = model_path;
    out.metadata["seenn2_beta"] = num(ee.seenn2_beta, "%.17g");
    out.metadata["t_max"] = std::to_string(tm);
    out.metadata["epochs"] = std::to_string(ee.seenn2_epochs);
    out.metadata["dataset"] = train.name + " (" + std::to_string(train.size()) + " samples)";
    out.metadata["held_out_set"] = held.name + " (" + std::to_string(held.size()) + " samples)";
    out.metadata["test_set"] = test.name + " (" + std::to_string(test.size()) + " samples)";
    out.metadata["held_out_mean_reward"] = num(last.held_out.mean_reward, "%.6f");
    out.metadata["held_out_mean_timesteps"] = num(last.held_out.mean_t, "%.6f");
    out.metadata["held_out_accuracy_percent"] = percent(last.held_out.accuracy);
    out.metadata["test_mean_reward"] = num(test_score.mean_reward, "%.6f");
    out.metadata["test_mean_timesteps"] = num(sum.mean_t, "%.6f");
    out.metadata["test_accuracy_percent"] = percent(sum.accuracy);
    out.metadata["test_snn_accuracy_percent_by_timestep"] = fixed;
    out.metadata["policy_net_macs"] = std::to_string(policy_net_macs(out));
    out.metadata["snn_seconds"] = std::to_string(snn_seconds);
    out.metadata["train_seconds"] = std::to_string(train_seconds);
    out.metadata["train_threads"] = std::to_string(omp_get_max_threads());
    out.metadata["spikebar_version"] =
        std::string(SPIKEBAR_VERSION) + " (git " + spikebar::git_revision() + ")";
    snn::save_model(out, out_path);
    std::fprintf(stderr, "wrote  %s  (SNN runs %s, policy training %s)\n", out_path.c_str(),
                 format_duration(snn_seconds).c_str(), format_duration(train_seconds).c_str());
    return 0;
}

}  // namespace experiments
