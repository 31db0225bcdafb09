#include "experiments/counting_synapse.hpp"

#include "snn/kernels.hpp"

namespace experiments {

counting_synapse::counting_synapse(const snn::model& deployed, const snn::synapse_op& inner)
    : m_(deployed), inner_(inner), weighted_(deployed.arch.layers.size(), -1) {
    const auto& L = deployed.arch.layers;
    for (std::size_t i = 0; i < L.size(); ++i) {
        const snn::layer_spec& l = L[i];
        if (!l.has_weights()) continue;
        weighted_[i] = static_cast<int>(fanout_.size());
        std::vector<std::uint32_t> f;
        if (l.kind == snn::layer_kind::conv) {
            f.assign(std::size_t(l.in.h) * l.in.w, 0);
            for (int oy = 0; oy < l.out.h; ++oy)
                for (int ox = 0; ox < l.out.w; ++ox)
                    snn::kernels::for_each_tap(l, oy, ox, [&](int, int p) { f[p] += l.out.c; });
            channels_.push_back(l.in.c);
        } else {
            f.assign(std::size_t(l.in.size()), std::uint32_t(l.out.size()));
            channels_.push_back(1);
        }
        fanout_.push_back(std::move(f));
    }
}

void counting_synapse::record_counts(op_counts* counts, std::size_t first, std::size_t n,
                                     int timesteps) {
    counts_ = counts;
    first_ = first;
    n_ = n;
    t_ = timesteps;
}

void counting_synapse::forward(const snn::synapse_site& site, const float* in, bool binary_input,
                               float* out) const {
    inner_.forward(site, in, binary_input, out);
    if (!counts_ || site.sample < first_ || site.sample - first_ >= n_) return;
    const int w = weighted_[site.layer];
    const std::vector<std::uint32_t>& f = fanout_[w];
    const int ch = channels_[w];
    std::uint64_t work = 0;
    for (std::size_t p = 0; p < f.size(); ++p) {
        const float* x = in + p * ch;
        std::uint64_t nonzero = 0;
        for (int c = 0; c < ch; ++c) nonzero += x[c] != 0.0f;
        work += nonzero * f[p];
    }
    op_counts& o =
        counts_[((site.sample - first_) * std::size_t(t_) + std::size_t(site.timestep - 1)) *
                    fanout_.size() +
                std::size_t(w)];
    (binary_input ? o.acs : o.macs) = work;
}

}  // namespace experiments
