#include "experiments/evaluate.hpp"

#include <algorithm>
#include <cmath>
#include <memory>

#include "experiments/crossbar_synapse.hpp"
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
    std::vector<eval_result> r =
        evaluate_lockstep(deployed, {eval_lane{&synapse, nullptr}}, nullptr, data, batch_size,
                          encoding_seed, on_batch);
    return std::move(r.front());
}

std::vector<eval_result> evaluate_lockstep(const snn::model& deployed,
                                           const std::vector<eval_lane>& lanes,
                                           const snn::synapse_op* shadow, const snn::dataset& data,
                                           int batch_size, std::uint64_t encoding_seed,
                                           const std::function<void(std::size_t)>& on_batch) {
    const int T = deployed.net.kind == "ann" ? 1 : deployed.timesteps();
    const int K = deployed.num_classes();
    const std::size_t N = data.size();
    const int nlanes = static_cast<int>(lanes.size());
    std::vector<std::unique_ptr<snn::engine>> eng;
    for (const eval_lane& ln : lanes)
        eng.push_back(std::make_unique<snn::engine>(deployed, *ln.synapse, encoding_seed));
    std::unique_ptr<snn::engine> sh;
    if (shadow) sh = std::make_unique<snn::engine>(deployed, *shadow, encoding_seed);
    const int L = eng.empty() ? 0 : eng.front()->num_lif_layers();

    std::vector<eval_result> res(lanes.size());
    for (int k = 0; k < nlanes; ++k) {
        eval_result& r = res[k];
        r.timesteps = T;
        r.classes = K;
        r.samples = N;
        r.lif_layers = L;
        r.logits.resize(N * T * K);
        r.labels.assign(data.labels.begin(), data.labels.end());
        r.predictions.resize(N * T);
        r.spikes.resize(N * T * L);
        r.correct_at.assign(T, 0);
        if (lanes[k].counted) {
            r.crossbar_layers = lanes[k].counted->num_layers();
            r.mvm.assign(N * T * r.crossbar_layers, crossbar::mvm_counts{});
        }
    }
    // Shadow sums: [lane][t][j] over all samples, and per batch [lane][slot][j] for one step.
    std::vector<double> sq(shadow ? nlanes * T * L : 0, 0.0);
    std::vector<std::uint64_t> mis(sq.size(), 0);
    std::vector<double> sq_batch;
    std::vector<std::uint64_t> mis_batch;
    std::vector<float> S;
    for (std::size_t first = 0; first < N; first += batch_size) {
        const std::size_t n = std::min<std::size_t>(batch_size, N - first);
        for (int k = 0; k < nlanes; ++k) {
            eng[k]->start(data.image(first), n, first);
            if (lanes[k].counted)
                lanes[k].counted->record_counts(
                    res[k].mvm.data() + first * T * res[k].crossbar_layers, first, n, T);
        }
        if (sh) sh->start(data.image(first), n, first);
        S.assign(nlanes * n * K, 0.0f);
        sq_batch.assign(nlanes * n * L, 0.0);
        mis_batch.assign(sq_batch.size(), 0);
        for (int t = 1; t <= T; ++t) {
            if (sh) sh->step();
            for (int k = 0; k < nlanes; ++k) {
                eng[k]->step();
                eval_result& r = res[k];
                for (std::size_t i = 0; i < n; ++i) {
                    const std::size_t s = first + i;
                    const float* o = eng[k]->logits(static_cast<int>(i));
                    float* acc = S.data() + (k * n + i) * K;
                    for (int c = 0; c < K; ++c) acc[c] += o[c];
                    std::copy(o, o + K, r.logits.begin() + (s * T + (t - 1)) * K);
                    const int pred = argmax(acc, K);
                    r.predictions[s * T + (t - 1)] = static_cast<std::uint8_t>(pred);
                    r.correct_at[t - 1] += pred == data.labels[s];
                    for (int j = 0; j < L; ++j)
                        r.spikes[(s * T + (t - 1)) * L + j] =
                            eng[k]->spike_count(static_cast<int>(i), j);
                }
            }
            if (!sh) continue;
            // Per sample in parallel (each writes its own slots), then reduced in sample order.
            const long nn = static_cast<long>(n);
#pragma omp parallel for schedule(static)
            for (long i = 0; i < nn; ++i) {
                for (int k = 0; k < nlanes; ++k)
                    for (int j = 0; j < L; ++j) {
                        const int size = eng[k]->lif_layer_size(j);
                        const float* v = eng[k]->membrane(int(i), j);
                        const float* v0 = sh->membrane(int(i), j);
                        const float* sp = eng[k]->spikes(int(i), j);
                        const float* sp0 = sh->spikes(int(i), j);
                        double e = 0;
                        std::uint64_t m = 0;
                        for (int u = 0; u < size; ++u) {
                            const double d = double(v[u]) - double(v0[u]);
                            e += d * d;
                            m += sp[u] != sp0[u];
                        }
                        sq_batch[(k * n + i) * L + j] = e;
                        mis_batch[(k * n + i) * L + j] = m;
                    }
            }
            for (int k = 0; k < nlanes; ++k)
                for (std::size_t i = 0; i < n; ++i)
                    for (int j = 0; j < L; ++j) {
                        sq[(k * T + (t - 1)) * L + j] += sq_batch[(k * n + i) * L + j];
                        mis[(k * T + (t - 1)) * L + j] += mis_batch[(k * n + i) * L + j];
                    }
        }
        for (int k = 0; k < nlanes; ++k)
            if (lanes[k].counted) lanes[k].counted->record_counts(nullptr, 0, 0, T);
        if (on_batch) on_batch(first + n);
    }
    if (sh) {
        for (int k = 0; k < nlanes; ++k) {
            eval_result& r = res[k];
            r.membrane_rmse.assign(T * L, 0.0);
            r.spike_mismatch.assign(T * L, 0.0);
            if (N == 0) continue;
            for (int t = 0; t < T; ++t)
                for (int j = 0; j < L; ++j) {
                    const double cells = double(N) * double(eng[k]->lif_layer_size(j));
                    r.membrane_rmse[t * L + j] = std::sqrt(sq[(k * T + t) * L + j] / cells);
                    r.spike_mismatch[t * L + j] = double(mis[(k * T + t) * L + j]) / cells;
                }
        }
    }
    return res;
}

}  // namespace experiments
