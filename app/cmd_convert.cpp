// spikebar convert: an ANN (network.kind = ann, ReLU or QCFS activations) as an IF SNN with
// soft reset and per-layer thresholds (snn/convert.hpp; docs/decisions.md).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>

#include "app/cli.hpp"
#include "app/commands.hpp"
#include "common/errors.hpp"
#include "common/version.hpp"
#include "experiments/config/config.hpp"
#include "experiments/io/dataset_io.hpp"
#include "snn/convert.hpp"
#include "snn/model_io.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace experiments {

namespace {

const char* const usage =
    "usage: spikebar convert --model ANN.h5 --timesteps T --out SNN.h5 [--method qcfs|percentile]\n"
    "                        [--percentile P] [--samples N] [--config FILE]\n"
    "                        [--encoding direct|rate] [--v-init F]\n"
    "\n"
    "  --model FILE     a deployed ANN (network.kind = ann; BatchNorm folded)\n"
    "  --timesteps T    steps of the SNN (>= 1)\n"
    "  --out FILE       the SNN model file: IF neurons (decay 1), soft reset, one threshold\n"
    "                   per layer, weights after a layer scaled by its threshold\n"
    "  --method         qcfs (default): thresholds = the trained QCFS lambdas;\n"
    "                   percentile: the P-th percentile of each layer's positive activations\n"
    "                   on the first N training images (threshold balancing)\n"
    "  --percentile P   (percentile) in (0, 100], default 99.99\n"
    "  --samples N      (percentile) calibration images, default 1000\n"
    "  --config FILE    (percentile) its [data] names the training set; default: the config\n"
    "                   stored in the model\n"
    "  --encoding       direct (default: the analog image every step) or rate\n"
    "  --v-init F       initial membrane as a fraction of the threshold, in [0, 1);\n"
    "                   default 0.5 (qcfs) or 0 (percentile)\n";

double number(const std::string& flag, const std::string& v) {
    try {
        std::size_t used = 0;
        const double x = std::stod(v, &used);
        if (used == v.size() && std::isfinite(x)) return x;
    } catch (const std::exception&) {
    }
    throw spikebar::config_error("convert " + flag + " " + v + ": expected a number");
}

int integer(const std::string& flag, const std::string& v) {
    const double x = number(flag, v);
    if (x != std::floor(x) || std::abs(x) > 1e9)
        throw spikebar::config_error("convert " + flag + " " + v + ": expected an integer");
    return static_cast<int>(x);
}

}  // namespace

int cmd_convert(const args& a) {
    std::string model_path, out_path, T, method = "qcfs", pct = "99.99", samples = "1000",
                config_path, encoding = "direct", v_init;
    cli_parser cli("convert", usage);
    cli.value("--model", &model_path).output("--out", &out_path).value("--timesteps", &T)
        .value("--method", &method).value("--percentile", &pct).value("--samples", &samples)
        .value("--config", &config_path).value("--encoding", &encoding).value("--v-init", &v_init);
    if (!cli.parse(a)) return 0;
    cli.require("--model", model_path);
    cli.require("--timesteps", T);
    cli.require("--out", out_path);
    snn::convert_params p;
    p.timesteps = integer("--timesteps", T);
    p.method = method;
    p.percentile = number("--percentile", pct);
    p.encoding = encoding;
    if (!v_init.empty()) {
        p.v_init = number("--v-init", v_init);
        if (p.v_init < 0)
            throw spikebar::config_error("convert --v-init " + v_init + ": must be in [0, 1) [threshold]");
    }
    const int n_samples = integer("--samples", samples);
    if (n_samples < 1)
        throw spikebar::config_error("convert --samples " + samples + ": must be >= 1");
    p.validate();

    const auto t0 = std::chrono::steady_clock::now();
    const snn::model ann = snn::load_model(model_path);
    snn::check_convertible(ann, p);
    std::vector<float> th;
    std::string calibration;
    if (p.method == "qcfs") {
        th = snn::qcfs_thresholds(ann);
    } else {
        const auto it = ann.metadata.find("config");
        if (config_path.empty() && it == ann.metadata.end())
            throw spikebar::config_error("convert --method percentile: " + model_path +
                                         " stores no config; name the training data with --config");
        const run_config cfg = config_path.empty()
                                   ? parse_config(it->second, model_path + " /metadata/config")
                                   : load_config(config_path);
        const snn::dataset train = load_dataset(cfg.data, "train");
        const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(n_samples), train.size());
        if (train.image_size() != static_cast<std::size_t>(ann.arch.input.size()))
            throw spikebar::config_error("convert: " + train.name + " images do not fit the model's input");
        th = snn::activation_percentiles(ann, train.images.data(), n, p.percentile);
        calibration = train.name + ", first " + std::to_string(n) + " images";
    }
    snn::model snn = snn::convert(ann, p, th);
    if (!calibration.empty()) snn.metadata["conversion_calibration"] = calibration;
    snn.metadata["converted_from"] = model_path;
    snn.metadata["command"] = command_line("convert", a);
    snn.metadata["spikebar_version"] =
        std::string(SPIKEBAR_VERSION) + " (git " + spikebar::git_revision() + ")";
    if (auto dir = std::filesystem::path(out_path).parent_path(); !dir.empty())
        std::filesystem::create_directories(dir);
    snn::save_model(snn, out_path);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "convert  %s -> %s  T=%d  %s  thresholds %s  (%.1f s)\n", model_path.c_str(),
                 out_path.c_str(), p.timesteps, p.method.c_str(),
                 snn.metadata["conversion_thresholds"].c_str(), s);
    return 0;
}

}  // namespace experiments
