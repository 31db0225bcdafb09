#include "experiments/evaluate.hpp"

#include <algorithm>

#include "snn/engine.hpp"

namespace experiments {

int argmax(const float* v, int k) {
    int best = 0;
    for (int i = 1; i < k; ++i)
        if (v[i] > v[best]) best = i;
    return best;
}

eval_result evaluate(const snn::model& deployed, const snn::synapse_op& synapse,
                     const snn::dataset& data, int batch_size, std::uint64_t encoding_seed,
                     const std::function<void(std::size_t)>& on_batch) {
    eval_result r;
    const int T = deployed.net.kind == "ann" ? 1 : deployed.timesteps();
    const int K = deployed.num_classes();
    r.timesteps = T;
    r.classes = K;
    r.samples = data.size();
    snn::engine eng(deployed, synapse, encoding_seed);
    const int L = eng.num_lif_layers();
    r.lif_layers = L;
    r.logits.resize(r.samples * T * K);
    r.labels.assign(data.labels.begin(), data.labels.end());
    r.predictions.resize(r.samples * T);
    r.spikes.resize(r.samples * T * L);
    r.correct_at.assign(T, 0);
    std::vector<float> S;
    for (std::size_t first = 0; first < r.samples; first += batch_size) {
        const std::size_t n = std::min<std::size_t>(batch_size, r.samples - first);
        eng.start(data.image(first), n, first);
        S.assign(n * K, 0.0f);
        for (int t = 1; t <= T; ++t) {
            eng.step();
            for (std::size_t i = 0; i < n; ++i) {
                const std::size_t s = first + i;
                const float* o = eng.logits(static_cast<int>(i));
                float* acc = S.data() + i * K;
                for (int k = 0; k < K; ++k) acc[k] += o[k];
                std::copy(o, o + K, r.logits.begin() + (s * T + (t - 1)) * K);
                const int pred = argmax(acc, K);
                r.predictions[s * T + (t - 1)] = static_cast<std::uint8_t>(pred);
                r.correct_at[t - 1] += pred == data.labels[s];
                for (int j = 0; j < L; ++j)
                    r.spikes[(s * T + (t - 1)) * L + j] = eng.spike_count(static_cast<int>(i), j);
            }
        }
        if (on_batch) on_batch(first + n);
    }
    return r;
}

}  // namespace experiments
