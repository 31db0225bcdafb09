// Hardware-aware training against plain training, per epoch (issue 13, item 3: "at most
// 2x the plain trainer per epoch"). Fine-tunes a folded model (default: the shipped T = 4
// net) with the chip keys of a config (default: configs/fmnist_t4_hwa.ini, the default
// chip) on the first 128 * N training images, once plainly and once hardware-aware with
// every non-ideality, then with each switched off in turn, all in one run. Reports
// samples/s, the ratio of each to plain, and for the hardware-aware runs the share of the
// time spent building and calibrating the batch chips (the rest is the batch's reads, the
// neurons and the backward pass). JSON on stdout or to the path given.
//
// usage: hwa_train_bench [OUT.json] [--model M.h5] [--config C.ini] [--batches N] [--threads N]
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "app/progress.hpp"
#include "common/clock.hpp"
#include "experiments/config/config.hpp"
#include "experiments/hwa.hpp"
#include "experiments/io/dataset_io.hpp"
#include "snn/model_io.hpp"
#include "snn/trainer.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

int main(int argc, char** argv) {
    std::string out_path, model_path = "models/fmnist_t4.h5", config_path = "configs/fmnist_t4_hwa.ini";
    int batches = 12, threads = 2;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const bool has = i + 1 < argc;
        if (a == "--model" && has) model_path = argv[++i];
        else if (a == "--config" && has) config_path = argv[++i];
        else if (a == "--batches" && has) batches = std::stoi(argv[++i]);
        else if (a == "--threads" && has) threads = std::stoi(argv[++i]);
        else if (!a.empty() && a[0] != '-') out_path = a;
        else {
            std::fprintf(stderr, "usage: hwa_train_bench [OUT.json] [--model M.h5] [--config C.ini] "
                                 "[--batches N] [--threads N]\n");
            return 2;
        }
    }
    omp_set_num_threads(threads);
    experiments::run_config base = experiments::load_config(config_path, {});
    base.train.init_model = model_path;
    experiments::data_params dp = base.data;
    dp.train_limit = std::size_t(base.train.batch_size) * batches;
    const snn::dataset train = experiments::load_dataset(dp, "train");
    const snn::model m = snn::load_model(model_path);
    const std::size_t steps = train.size() / std::size_t(base.train.batch_size);

    struct variant {
        const char* name;
        bool hwa;
        bool snn::train_params::*off;  // switched off, or nullptr
    };
    const std::vector<variant> variants = {
        {"plain", false, nullptr},
        {"hwa_all", true, nullptr},
        {"hwa_no_ir_drop", true, &snn::train_params::hwa_ir_drop},
        {"hwa_no_read_noise", true, &snn::train_params::hwa_read_noise},
        {"hwa_no_programming", true, &snn::train_params::hwa_programming},
        {"hwa_no_adc", true, &snn::train_params::hwa_adc},
    };
    std::string json = "{\n  \"model\": \"" + model_path + "\",\n  \"config\": \"" + config_path +
                       "\",\n  \"threads\": " + std::to_string(threads) +
                       ",\n  \"batch_size\": " + std::to_string(base.train.batch_size) +
                       ",\n  \"batches\": " + std::to_string(steps);
    double plain_s = 0;
    for (const variant& v : variants) {
        experiments::run_config c = base;
        c.train.hardware_aware = v.hwa;
        if (v.off) c.train.*v.off = false;
        snn::trainer tr(m, c.train, steps);
        double chip_s = 0;
        snn::hardware_synapse f;  // outlives the epoch: the trainer's hook calls it
        if (c.train.hwa_active()) {
            // The factory of experiments/hwa.cpp, timed: chip build and ADC calibration.
            f = experiments::hwa_synapse_factory(c, train);
            const bool vary = experiments::hwa_chip_params(c).device.read_noise_sigma > 0;
            tr.set_hardware(
                [&](const snn::model& w, std::int64_t step) {
                    const auto t0 = std::chrono::steady_clock::now();
                    auto s = f(w, step);
                    chip_s += spikebar::seconds_since(t0);
                    return s;
                },
                vary);
        }
        const auto t0 = std::chrono::steady_clock::now();
        const auto rep = tr.train_epoch(train, 0);
        const double s = spikebar::seconds_since(t0);
        if (!v.hwa) plain_s = s;
        json += ",\n  \"" + std::string(v.name) + "_samples_per_s\": " + std::to_string(rep.samples / s);
        json += ",\n  \"" + std::string(v.name) + "_ratio_to_plain\": " + std::to_string(s / plain_s);
        if (v.hwa)
            json += ",\n  \"" + std::string(v.name) + "_chip_build_share\": " + std::to_string(chip_s / s);
        std::fprintf(stderr, "%-20s %8.1f samples/s  %5.2fx plain  chip build+calibration %4.1f %%\n",
                     v.name, rep.samples / s, s / plain_s, 100 * chip_s / s);
    }
    json += "\n}\n";
    if (out_path.empty()) {
        std::fputs(json.c_str(), stdout);
    } else {
        std::ofstream(out_path) << json;
    }
    return 0;
}
