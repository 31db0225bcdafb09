// Full crossbar inference against ideal inference of the same model on the same images,
// in one run (issue 4, benchmark 2; target: crossbar <= 1.5x the ideal cost once the chip
// is built). The chip has every non-ideality on: IR drop (2.5 ohm per row and column
// segment), 5 % device-to-device variation, 5 % read noise, 6-bit ADC calibrated on 256
// training samples, 8-bit DAC (configs/device/demo.ini), at tile sizes 64 and 128.
// Chip programming (transfer matrices) and ADC calibration are timed separately.
// Inference is timed as `spikebar eval` runs it (experiments::evaluate, work counters
// recorded) and without work counters, both without the shadow network; medians
// of `--repeats` alternating runs, wall-clock and process CPU time (with --threads 1 the CPU
// time ratio is robust to other load on the machine).
//
// usage: crossbar_inference_bench [OUT.json] [--model M] [--images N] [--threads N]
//                                 [--repeats R] [--batch B] [--tile S]...
// Defaults: models/fmnist_t4.h5, 1000 test images, 1 thread, 3 repeats, batch 16 (the
// ideal engine's fastest batch, as in snn_bench), tiles 64 and 128.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <string>
#include <vector>

#include "experiments/config.hpp"
#include "experiments/crossbar_synapse.hpp"
#include "experiments/dataset_io.hpp"
#include "experiments/evaluate.hpp"
#include "snn/model_io.hpp"
#include "snn/synapse.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// Wall-clock and process CPU time of repeated runs, medians of each. With one thread the
// CPU time is what the run itself cost even when other processes share the cores.
struct timing {
    std::vector<double> walls, cpus;
    std::chrono::steady_clock::time_point w0;
    std::clock_t c0 = 0;
    void start() {
        w0 = std::chrono::steady_clock::now();
        c0 = std::clock();
    }
    void stop() {
        walls.push_back(seconds_since(w0));
        cpus.push_back(double(std::clock() - c0) / CLOCKS_PER_SEC);
    }
    double wall() const { return median(walls); }
    double cpu() const { return median(cpus); }
};

std::string num(double v) {
    char b[64];
    std::snprintf(b, sizeof b, "%.6g", v);
    return b;
}

}  // namespace

int main(int argc, char** argv) {
    std::string out_path, model_path = "models/fmnist_t4.h5";
    int images = 1000, threads = 1, repeats = 3, batch = 16;
    std::vector<int> tiles;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const bool more = i + 1 < argc;
        if (a == "--model" && more)
            model_path = argv[++i];
        else if (a == "--images" && more)
            images = std::stoi(argv[++i]);
        else if (a == "--threads" && more)
            threads = std::stoi(argv[++i]);
        else if (a == "--batch" && more)
            batch = std::stoi(argv[++i]);
        else if (a == "--repeats" && more)
            repeats = std::stoi(argv[++i]);
        else if (a == "--tile" && more)
            tiles.push_back(std::stoi(argv[++i]));
        else if (!a.empty() && a[0] != '-')
            out_path = a;
        else {
            std::fprintf(stderr,
                         "usage: crossbar_inference_bench [OUT.json] [--model M] [--images N] "
                         "[--threads N] [--repeats R] [--batch B] [--tile S]...\n");
            return 2;
        }
    }
    if (tiles.empty()) tiles = {64, 128};
    omp_set_num_threads(threads);

    const experiments::run_config cfg = experiments::default_config(
        {"crossbar.enabled=true", "crossbar.dac_bits=8", "device.d2d_sigma=0.05",
         "device.read_noise_sigma=0.05", "wires.r_row_ohm=2.5", "wires.r_col_ohm=2.5", "adc.bits=6",
         "adc.range=calibrated", "data.test_limit=" + std::to_string(images),
         "data.train_limit=256"});
    const snn::model m = snn::load_model(model_path);
    const snn::dataset test = experiments::load_dataset(cfg.data, "test");
    const snn::dataset train = experiments::load_dataset(cfg.data, "train");

    std::string json = "{\n  \"model\": \"" + model_path +
                       "\",\n  \"images\": " + std::to_string(test.size()) +
                       ",\n  \"timesteps\": " + std::to_string(m.timesteps()) +
                       ",\n  \"threads\": " + std::to_string(threads) +
                       ",\n  \"batch_size\": " + std::to_string(batch);

    auto t0 = std::chrono::steady_clock::now();

    const snn::ideal_synapse ideal(m);
    experiments::evaluate(m, ideal, test, batch, cfg.train.seed);  // warm-up
    for (int tile : tiles) {
        crossbar::chip_params cp{cfg.crossbar, cfg.device, cfg.wires, cfg.adc};
        cp.crossbar.tile_rows = cp.crossbar.tile_cols = tile;
        t0 = std::chrono::steady_clock::now();
        experiments::crossbar_synapse xs(m, cp, cfg.eval.chip_seed, 0);
        const double build = seconds_since(t0);
        t0 = std::chrono::steady_clock::now();
        experiments::calibrate_chips(m, train, 256, cfg.train.seed, {&xs});
        const double calibrate = seconds_since(t0);
        // As spikebar eval runs it (work counters recorded), and without counters.
        const std::vector<experiments::eval_lane> counted{{&xs, &xs}}, plain{{&xs, nullptr}};
        experiments::evaluate_lockstep(m, counted, nullptr, test, batch,
                                       cfg.train.seed);  // warm-up
        timing ti, tx, tp;
        double acc_i = 0, acc_x = 0;
        for (int r = 0; r < repeats; ++r) {
            ti.start();
            acc_i = experiments::evaluate(m, ideal, test, batch, cfg.train.seed)
                        .accuracy(m.timesteps());
            ti.stop();
            tx.start();
            acc_x = experiments::evaluate_lockstep(m, counted, nullptr, test, batch, cfg.train.seed)
                        .front()
                        .accuracy(m.timesteps());
            tx.stop();
            tp.start();
            experiments::evaluate_lockstep(m, plain, nullptr, test, batch, cfg.train.seed);
            tp.stop();
        }
        const double n = double(test.size());
        const std::string p = ",\n  \"tile" + std::to_string(tile) + "_";
        json += p + "chip_build_s\": " + num(build);
        json += p + "adc_calibration_s\": " + num(calibrate);
        json += p + "ideal_images_per_s\": " + num(n / ti.wall());
        json += p + "crossbar_images_per_s\": " + num(n / tx.wall());
        json += p + "crossbar_no_counters_images_per_s\": " + num(n / tp.wall());
        json += p + "crossbar_over_ideal_wall\": " + num(tx.wall() / ti.wall());
        json += p + "crossbar_over_ideal_cpu\": " + num(tx.cpu() / ti.cpu());
        json += p + "crossbar_no_counters_over_ideal_cpu\": " + num(tp.cpu() / ti.cpu());
        json += p + "ideal_accuracy\": " + num(acc_i);
        json += p + "crossbar_accuracy\": " + num(acc_x);
        std::fprintf(stderr,
                     "tile %d: build %.3f s, calibration %.3f s; ideal %.0f img/s, crossbar %.0f "
                     "img/s (%.2fx wall, %.2fx cpu), without counters %.2fx cpu\n",
                     tile, build, calibrate, n / ti.wall(), n / tx.wall(), tx.wall() / ti.wall(),
                     tx.cpu() / ti.cpu(), tp.cpu() / ti.cpu());
    }
    json += "\n}\n";
    if (out_path.empty())
        std::fputs(json.c_str(), stdout);
    else
        std::ofstream(out_path) << json;
    return 0;
}
