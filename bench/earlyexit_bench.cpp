// Wall time of online early-exit inference against full-T inference (issue 5): the same
// model, images, threads and batch size, run as `spikebar eval` runs them (op counters and
// energy model on, no run file). The saving must track the mean-timestep saving:
//   time ratio = t(online exit) / t(fixed T_max),  step ratio = mean exit step / T_max.
// Runs alternate (full, online, full, online, ...) and the medians are reported, so slow
// drifts of a shared machine hit both alike. JSON on stdout or to OUT.
//
// usage: earlyexit_bench [OUT.json] [--model M] [--images N] [--threads N] [--repeats R]
//                        [--batch B] [--alpha A]...
// Defaults: models/fmnist_t4.h5, 2000 test images, 2 threads, 5 repeats, batch 16,
// confidence alpha 0.9 and 0.99.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "earlyexit/policy.hpp"
#include "experiments/config/config.hpp"
#include "experiments/counting_synapse.hpp"
#include "experiments/energy/energy.hpp"
#include "experiments/evaluate.hpp"
#include "experiments/io/dataset_io.hpp"
#include "snn/model_io.hpp"
#include "snn/synapse.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace {

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

}  // namespace

int main(int argc, char** argv) {
    std::string out_path, model_path = "models/fmnist_t4.h5";
    int images = 2000, threads = 2, repeats = 5, batch = 16;
    std::vector<double> alphas;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const auto next = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "earlyexit_bench: %s needs a value\n", a.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--model") model_path = next();
        else if (a == "--images") images = std::stoi(next());
        else if (a == "--threads") threads = std::stoi(next());
        else if (a == "--repeats") repeats = std::stoi(next());
        else if (a == "--batch") batch = std::stoi(next());
        else if (a == "--alpha") alphas.push_back(std::stod(next()));
        else out_path = a;
    }
    if (alphas.empty()) alphas = {0.9, 0.99};
    omp_set_num_threads(threads);
    experiments::data_params dp;
    dp.test_limit = std::size_t(images);
    const snn::dataset test = experiments::load_dataset(dp, "test");
    const snn::model m = snn::load_model(model_path);
    const int T = m.timesteps();
    const snn::ideal_synapse ideal(m);
    experiments::counting_synapse counted(m, ideal);

    std::string json = "{\n  \"model\": \"" + model_path + "\",\n  \"images\": " +
                       std::to_string(test.size()) + ",\n  \"threads\": " +
                       std::to_string(threads) + ",\n  \"batch\": " + std::to_string(batch) +
                       ",\n  \"repeats\": " + std::to_string(repeats) + ",\n  \"points\": [";
    for (std::size_t ai = 0; ai < alphas.size(); ++ai) {
        earlyexit::earlyexit_params full_p, exit_p;
        full_p.policy = "fixed";
        full_p.t_max = exit_p.t_max = T;
        exit_p.policy = "confidence";
        exit_p.alpha = alphas[ai];
        const auto full_pol = earlyexit::make_policy(full_p);
        const auto exit_pol = earlyexit::make_policy(exit_p);
        const experiments::energy_model e_full(m, {}, false, 0, 0, full_p.kind(), 0);
        const experiments::energy_model e_exit(m, {}, false, 0, 0, exit_p.kind(), 0);
        std::vector<double> t_full, t_exit;
        double mean_t = 0, acc_full = 0, acc_exit = 0;
        for (int r = 0; r < repeats; ++r) {
            for (int online = 0; online < 2; ++online) {
                experiments::eval_options o;
                o.batch_size = batch;
                o.policy = online ? exit_pol.get() : full_pol.get();
                o.energy = online ? &e_exit : &e_full;
                o.online_exit = online;
                o.keep_records = false;
                const auto t0 = std::chrono::steady_clock::now();
                const auto res =
                    experiments::evaluate_run(m, {{&counted, nullptr, &counted}}, test, o);
                const double s =
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                (online ? t_exit : t_full).push_back(s);
                if (online) {
                    mean_t = res.front().mean_timesteps();
                    acc_exit = res.front().exit_accuracy();
                } else {
                    acc_full = res.front().exit_accuracy();
                }
            }
        }
        const double tf = median(t_full), te = median(t_exit);
        char buf[512];
        std::snprintf(buf, sizeof buf,
                      "%s\n    {\"policy\": \"confidence\", \"alpha\": %g, \"accuracy_fixed_T\": %.6f, "
                      "\"accuracy_exit\": %.6f, \"mean_timesteps\": %.6f, \"T\": %d, "
                      "\"full_s\": %.6f, \"online_s\": %.6f, \"time_ratio\": %.4f, "
                      "\"step_ratio\": %.4f}",
                      ai ? "," : "", alphas[ai], acc_full, acc_exit, mean_t, T, tf, te, te / tf,
                      mean_t / T);
        json += buf;
        std::fprintf(stderr,
                     "alpha %g: fixed T=%d %.2f %% in %.3f s; online exit %.2f %% at %.3f mean "
                     "steps in %.3f s; time ratio %.3f, step ratio %.3f\n",
                     alphas[ai], T, 100 * acc_full, tf, 100 * acc_exit, mean_t, te, te / tf,
                     mean_t / T);
    }
    json += "\n  ]\n}\n";
    if (out_path.empty()) {
        std::fputs(json.c_str(), stdout);
    } else {
        std::ofstream(out_path) << json;
    }
    return 0;
}
