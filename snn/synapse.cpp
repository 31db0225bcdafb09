#include "snn/synapse.hpp"

#include "snn/kernels.hpp"

namespace snn {

void ideal_synapse::forward(const synapse_site& site, const float* in, bool /*binary_input*/,
                            float* out) const {
    // One scratch list per thread: it grows to the largest layer once, then is reused.
    thread_local kernels::sparse_map<float> sx;
    const layer_spec& l = m_.arch.layers[site.layer];
    const layer_state& p = m_.layers[site.layer];
    if (l.kind == layer_kind::conv) {
        sx.build(in, l.in.h * l.in.w, l.in.c);
        kernels::conv_forward(l, sx, p.weight.data(), p.bias.data(), out);
    } else {
        sx.build(in, 1, l.in.size());
        kernels::linear_forward(l.out.size(), sx, p.weight.data(), p.bias.data(), out);
    }
}

}  // namespace snn
