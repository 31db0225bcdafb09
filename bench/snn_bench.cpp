// Ideal SNN throughput: inference (images/s, batch 16, T = 4 and 8) of a model file
// and BPTT training (samples/s, batch 128, T = 4) of the default config's network, on
// the same images as the PyTorch peer (bench/peers/bench_torch.py). JSON on stdout or
// to the path given.
//
// usage: snn_bench MODEL.h5 [OUT.json] [--threads N]
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "app/progress.hpp"
#include "common/clock.hpp"
#include "experiments/config/config.hpp"
#include "experiments/evaluate.hpp"
#include "experiments/io/dataset_io.hpp"
#include "snn/model_io.hpp"
#include "snn/synapse.hpp"
#include "snn/trainer.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: snn_bench MODEL.h5 [OUT.json] [--threads N]\n");
        return 2;
    }
    std::string model_path = argv[1], out_path;
    int threads = 2;
    for (int i = 2; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--threads" && i + 1 < argc)
            threads = std::stoi(argv[++i]);
        else
            out_path = a;
    }
    omp_set_num_threads(threads);
    experiments::data_params dp;
    dp.test_limit = 2560;
    dp.train_limit = 128 * 24;
    const snn::dataset test = experiments::load_dataset(dp, "test");
    const snn::dataset train = experiments::load_dataset(dp, "train");

    std::string json = "{\n  \"engine\": \"spikebar\",\n  \"threads\": " + std::to_string(threads);
    // Engine batch 16: each sample's state (about 0.5 MB for the default net) then stays
    // in cache between steps; 256 runs about 1.45x slower (docs/results.md). The peer
    // runs batch 256, where PyTorch is fastest.
    const int batch = 16;
    json += ",\n  \"inference_batch\": " + std::to_string(batch);
    snn::model m = snn::load_model(model_path);
    for (int T : {4, 8}) {
        m.net.timesteps = T;
        const snn::ideal_synapse syn(m);
        experiments::evaluate(m, syn, test, batch, 0);  // warm-up: first-touch of buffers
        const auto t0 = std::chrono::steady_clock::now();
        const auto r = experiments::evaluate(m, syn, test, batch, 0);
        const double s = spikebar::seconds_since(t0);
        json += ",\n  \"inference_images_per_s_T" + std::to_string(T) + "\": " + std::to_string(r.samples / s);
        json += ",\n  \"inference_accuracy_T" + std::to_string(T) + "\": " + std::to_string(r.accuracy(T));
    }

    const experiments::run_config cfg = experiments::default_config();
    snn::train_params tp = cfg.train;
    tp.epochs = 1;
    const std::size_t steps = train.size() / tp.batch_size;
    snn::trainer tr(snn::make_model(cfg.network, cfg.lif, {1, 28, 28}, tp.seed), tp, steps);
    std::vector<std::size_t> warm(tp.batch_size);
    for (std::size_t i = 0; i < warm.size(); ++i) warm[i] = i;
    tr.loss_and_gradients(train, warm);  // warm-up
    const auto t0 = std::chrono::steady_clock::now();
    const auto rep = tr.train_epoch(train, 0);
    const double s = spikebar::seconds_since(t0);
    json += ",\n  \"train_samples_per_s_T4\": " + std::to_string(rep.samples / s) + "\n}\n";
    if (out_path.empty()) {
        std::fputs(json.c_str(), stdout);
    } else {
        std::ofstream(out_path) << json;
        std::fputs(json.c_str(), stdout);
    }
    return 0;
}
