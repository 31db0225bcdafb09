// The layer list of a network and the shapes flowing through it.
//
// Feature maps are stored channel-last (H, W, C) per sample, so a conv weight row
// (ky, kx, ci) and an output position's channel vector are both contiguous. After
// `flatten` a feature map becomes a vector indexed (y * W + x) * C + c. The model file
// stores weights in PyTorch's layout (out, in, kh, kw; flatten order c, y, x) and the
// reader converts them (docs/model-format.md).
#pragma once
#include <string>
#include <vector>

namespace snn {

enum class layer_kind { conv, linear, bn, lif, relu, avgpool, maxpool, flatten };

const char* layer_kind_name(layer_kind k);

struct shape3 {
    int c = 0, h = 1, w = 1;  // channels, height, width; a vector has h = w = 1
    int size() const { return c * h * w; }
    bool operator==(const shape3& o) const { return c == o.c && h == o.h && w == o.w; }
};

struct layer_spec {
    layer_kind kind = layer_kind::linear;
    int out_channels = 0;  // conv: output channels; linear: output features
    int kernel = 1;        // conv and pooling window [pixels]
    int stride = 1;        // conv and pooling stride [pixels]
    int pad = 0;           // conv zero padding on each side [pixels]
    shape3 in, out;
    bool has_weights() const { return kind == layer_kind::conv || kind == layer_kind::linear; }
};

struct architecture {
    shape3 input;
    std::vector<layer_spec> layers;

    int num_classes() const { return layers.back().out.c; }
    // Text form accepted by parse_architecture (round trip).
    std::string to_string() const;
};

// Parses "conv:32:3, bn, lif, maxpool:2, flatten, linear:10" for an input shape.
// Throws spikebar::config_error naming network.layers and the offending token.
architecture parse_architecture(const std::string& text, shape3 input);

}  // namespace snn
