#include "experiments/run_eval.hpp"

#include <algorithm>
#include <chrono>
#include <memory>

#include "common/clock.hpp"
#include "common/errors.hpp"
#include "experiments/config/config_model.hpp"
#include "experiments/counting_synapse.hpp"
#include "experiments/crossbar_synapse.hpp"
#include "experiments/energy/energy.hpp"
#include "experiments/io/run_file.hpp"
#include "experiments/seenn2_net.hpp"
#include "snn/model_io.hpp"
#include "snn/synapse.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace experiments {

namespace {

// The dataset against the model (docs/datasets.md): the image shape must match, and F = 1
// drives every step with the image, F = T drives step t with frame t; anything else is
// refused rather than cut or repeated.
void check_fits(const snn::model& m, const std::string& model_path, const run_config& cfg,
                const snn::dataset& d) {
    const auto& in = m.arch.input;
    const int T = m.steps();
    if (in.c != d.channels || in.h != d.height || in.w != d.width)
        throw spikebar::io_error(model_path + ": /network@input_shape is [" +
                                 std::to_string(in.c) + ", " + std::to_string(in.h) + ", " +
                                 std::to_string(in.w) + "], the dataset's images are [" +
                                 std::to_string(d.channels) + ", " + std::to_string(d.height) +
                                 ", " + std::to_string(d.width) + "]");
    if (d.frames == 1) return;
    const std::string source = cfg.data.path + " (" + d.name + ")";
    if (d.frames != T)
        throw spikebar::io_error(source + ": " + std::to_string(d.frames) +
                                 " frames per sample, " + model_path + " runs T = " +
                                 std::to_string(T) +
                                 " steps: frames must number 1 or T (one per step)");
    if (m.net.encoding == "rate")
        throw spikebar::io_error(source + ": " + std::to_string(d.frames) +
                                 " frames per sample, " + model_path +
                                 " uses rate encoding, which takes static images");
}

// SEENN-II: the step count the policy net picks for every test sample before the SNN runs,
// and the net's MACs per sample (for the energy model). Empty for every other policy.
struct policy_choices {
    std::vector<std::int32_t> steps;
    std::uint64_t macs = 0;
};
policy_choices choose_with_policy_net(const run_config& cfg, int T, const snn::dataset& test) {
    policy_choices c;
    if (cfg.earlyexit.kind() != earlyexit::policy_kind::seenn2) return c;
    if (cfg.earlyexit.seenn2_model.empty())
        throw spikebar::config_error(
            "earlyexit.seenn2_model = '': policy seenn2 needs the policy net that "
            "spikebar train-policy wrote");
    const snn::model net = load_policy_net(cfg.earlyexit.seenn2_model, T);
    if (test.frames > 1)
        throw spikebar::config_error(
            "earlyexit.policy = seenn2: the policy net reads one static image per sample, " +
            cfg.data.path + " holds " + std::to_string(test.frames) + " frames per sample");
    c.steps = choose_timesteps(net, test, cfg.eval.batch_size);
    c.macs = policy_net_macs(net);
    return c;
}

// The synapses an evaluation runs: the ideal one with op counters, or C chips with work
// counters, programmed and (with eval.calibration_samples) ADC-calibrated. Without
// eval.record_energy neither counts: the counters feed only the energy model; spike counts,
// exits and shadow errors come from the engines.
struct run_lanes {
    std::vector<std::unique_ptr<crossbar_synapse>> chips;
    std::unique_ptr<counting_synapse> counted_ideal;
    std::vector<eval_lane> lanes;
    std::vector<double> chip_build_s;  // [C] [s]
    std::size_t calibration_samples = 0;
    double calibration_s = 0;  // [s]
};
run_lanes build_lanes(const snn::model& m, const std::string& model_path, const run_config& cfg,
                      const snn::ideal_synapse& ideal) {
    run_lanes r;
    const bool energy = cfg.eval.record_energy;
    if (!cfg.crossbar.enabled) {
        if (energy) {
            r.counted_ideal = std::make_unique<counting_synapse>(m, ideal);
            r.lanes.push_back({r.counted_ideal.get(), nullptr, r.counted_ideal.get()});
        } else {
            r.lanes.push_back({&ideal});
        }
        return r;
    }
    const crossbar::chip_params cp{cfg.crossbar, cfg.device, cfg.wires, cfg.adc};
    std::vector<crossbar_synapse*> chip_ptrs;
    for (int k = 0; k < cfg.crossbar.chips; ++k) {
        const auto t0 = std::chrono::steady_clock::now();
        r.chips.push_back(
            std::make_unique<crossbar_synapse>(m, cp, cfg.eval.chip_seed, std::uint64_t(k)));
        r.chip_build_s.push_back(spikebar::seconds_since(t0));
        chip_ptrs.push_back(r.chips.back().get());
        r.lanes.push_back({r.chips.back().get(), energy ? r.chips.back().get() : nullptr, nullptr});
    }
    if (cfg.eval.calibration_samples > 0) {
        const auto t0 = std::chrono::steady_clock::now();
        const snn::dataset train = load_dataset(cfg.data, "train", frame_inputs::accept);
        check_fits(m, model_path, cfg, train);
        r.calibration_samples = std::min(std::size_t(cfg.eval.calibration_samples), train.size());
        calibrate_chips(m, train, r.calibration_samples, cfg.train.seed, chip_ptrs);
        r.calibration_s = spikebar::seconds_since(t0);
    }
    return r;
}

// What the run file records about the run before its first sample.
run_header make_header(const snn::model& m, const std::string& model_path,
                       const std::string& command, const run_config& cfg, const run_lanes& l,
                       const energy_model& em, const snn::dataset& test,
                       const std::vector<std::int32_t>& policy_t) {
    const bool xbar = cfg.crossbar.enabled, energy = cfg.eval.record_energy;
    run_header h;
    h.model_path = model_path;
    h.command = command;
    h.config_text = effective_config(cfg);
    h.crossbar = xbar;
    h.lanes = static_cast<int>(l.lanes.size());
    h.seed = cfg.train.seed;
    h.chip_seed = xbar ? cfg.eval.chip_seed : 0;
    h.calibration_samples = l.calibration_samples;
    h.policy = cfg.earlyexit.policy;
    h.online_exit = cfg.eval.online_exit;
    h.timesteps = m.steps();
    h.classes = m.num_classes();
    h.lif_layers = static_cast<int>(
        std::count_if(m.arch.layers.begin(), m.arch.layers.end(),
                      [](const snn::layer_spec& s) { return s.kind == snn::layer_kind::lif; }));
    h.weighted_layers = energy ? em.weighted_layers() : 0;
    if (energy) h.energy_rows = em.row_names();
    h.energy_recorded = energy;
    for (std::size_t i = 0; i < test.size(); ++i) h.index.push_back(i);
    h.labels.assign(test.labels.begin(), test.labels.end());
    h.policy_t = policy_t;
#ifdef _OPENMP
    h.host_threads = omp_get_max_threads();
#endif
    return h;
}

}  // namespace

evaluation run_evaluation(const run_config& given, const std::string& model_path,
                          const std::string& out_path, const std::string& command,
                          const std::function<void(std::size_t, std::size_t)>& progress) {
    if (given.eval.threads > 0) omp_set_num_threads(given.eval.threads);
    const snn::model m = snn::load_model(model_path);
    if (m.has_batchnorm())
        throw spikebar::io_error(model_path +
                                 ": holds BatchNorm layers (a training checkpoint?); "
                                 "evaluate the model file spikebar train wrote");
    // The model governs [network], [lif] and T; cfg is what is simulated and recorded.
    const run_config cfg = for_inference(given, m, model_path);
    const int T = m.steps();
    const auto policy = earlyexit::make_policy(cfg.earlyexit);  // oracle: config_error
    const snn::dataset test = load_dataset(cfg.data, "test", frame_inputs::accept);
    check_fits(m, model_path, cfg, test);
    const policy_choices chosen = choose_with_policy_net(cfg, T, test);

    const bool xbar = cfg.crossbar.enabled, energy = cfg.eval.record_energy;
    const snn::ideal_synapse ideal(m);
    const energy_model em(m, cfg.energy, xbar, cfg.adc.bits, cfg.crossbar.dac_bits,
                          cfg.earlyexit.kind(), chosen.macs);
    const run_lanes l = build_lanes(m, model_path, cfg, ideal);
    std::unique_ptr<run_writer> writer;
    if (!out_path.empty())
        writer = std::make_unique<run_writer>(
            out_path, make_header(m, model_path, command, cfg, l, em, test, chosen.steps));

    eval_options opt;
    opt.batch_size = cfg.eval.batch_size;
    opt.encoding_seed = cfg.train.seed;
    opt.policy = policy.get();
    opt.policy_state = chosen.steps.empty() ? nullptr : chosen.steps.data();
    opt.online_exit = cfg.eval.online_exit;
    opt.energy = energy ? &em : nullptr;
    opt.shadow = xbar ? &ideal : nullptr;
    opt.keep_records = false;
    if (progress) opt.on_batch = [&](std::size_t done) { progress(done, test.size()); };
    if (writer)
        opt.on_records = [&](int lane, const sample_records& r) { writer->write(lane, r); };
    const auto t0 = std::chrono::steady_clock::now();
    evaluation ev;
    ev.lanes = evaluate_run(m, l.lanes, test, opt);
    ev.eval_s = spikebar::seconds_since(t0);
    ev.timesteps = T;
    ev.chip_build_s = l.chip_build_s;
    ev.calibration_samples = l.calibration_samples;
    ev.calibration_s = l.calibration_s;
    if (writer) writer->finish(ev.lanes, l.chip_build_s);
    return ev;
}

}  // namespace experiments
