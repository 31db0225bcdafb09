#include "fuzz/run_model.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "snn/engine.hpp"
#include "snn/synapse.hpp"

namespace fuzz {

void run_briefly(const snn::model& loaded) {
    const snn::model m = loaded.has_batchnorm() ? snn::fold_batchnorm(loaded) : loaded;
    const snn::ideal_synapse syn(m);
    snn::engine e(m, syn, 1);
    const std::size_t n = 2;
    std::vector<float> x(n * std::size_t(m.arch.input.size()));
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = float(i % 7) / 6.0f;
    e.start(x.data(), n, 0);
    const int steps = std::min(m.steps(), 3);
    for (int t = 0; t < steps; ++t) e.step();
    volatile float sink = 0;
    for (int slot : e.active())
        for (int k = 0; k < e.num_classes(); ++k) sink = sink + e.logits(slot)[k];
}

void check_dataset(const snn::dataset& d) {
    const bool dims = d.channels > 0 && d.height > 0 && d.width > 0 && d.frames > 0 &&
                      d.num_classes > 0;
    if (!dims || d.images.size() != d.size() * std::size_t(d.frames) * d.image_size())
        std::abort();
    for (float v : d.images)
        if (!std::isfinite(v)) std::abort();
    for (auto l : d.labels)
        if (int(l) >= d.num_classes) std::abort();
}

}  // namespace fuzz
