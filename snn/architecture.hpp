// The layer list of a network and the shapes flowing through it.
//
// Feature maps are stored channel-last (H, W, C) per sample, so a conv weight row
// (ky, kx, ci) and an output position's channel vector are both contiguous. After
// `flatten` a feature map becomes a vector indexed (y * W + x) * C + c. The model file
// stores weights in PyTorch's layout (out, in, kh, kw; flatten order c, y, x) and the
// reader converts them (docs/model-format.md).
//
// Windows (conv and pooling) may be rectangular, strided, padded and (conv) dilated and
// grouped. The config syntax (parse_architecture) writes square windows only; imported
// networks (docs/nir.md) use the rest. An output position (oy, ox) of a window layer
// reads input (oy * sh + ky * dh - ph, ox * sw + kx * dw - pw) for taps ky < kh, kx < kw;
// taps outside the input read zero (zero padding). Padding on the bottom and right is
// implied by the output size, so asymmetric padding ("same" with an even kernel) works.
#pragma once
#include <string>
#include <vector>

namespace snn {

// sumpool, scale, threshold and li come from imported networks; the trainer refuses them.
//   sumpool:   out = sum of the window (zero padding)
//   scale:     out = s ⊙ in (s per element or one value)
//   threshold: out = (in > θ) or (in >= θ), 0/1
//   li:        a non-spiking leaky integrator (snn/neuron.hpp); its output is its membrane
enum class layer_kind {
    conv, linear, bn, lif, relu, avgpool, maxpool, flatten, sumpool, scale, threshold, li
};

const char* layer_kind_name(layer_kind k);

struct shape3 {
    int c = 0, h = 1, w = 1;  // channels, height, width; a vector has h = w = 1
    int size() const { return c * h * w; }
    bool operator==(const shape3& o) const { return c == o.c && h == o.h && w == o.w; }
};

struct layer_spec {
    layer_kind kind = layer_kind::linear;
    int out_channels = 0;  // conv: output channels; linear: output features
    // Window of conv and pooling layers, vertical (h) and horizontal (w). `kernel`,
    // `stride` and `pad` are the vertical values; the horizontal ones default to them
    // (kernel_w = 0, stride_w = 0, pad_w = -1 mean "same as vertical"), so a square
    // window needs only the first three.
    int kernel = 1;        // window height kh [pixels]
    int stride = 1;        // vertical stride sh [pixels]
    int pad = 0;           // zero padding above (and, by the output size, below) ph [pixels]
    int kernel_w = 0;      // window width kw [pixels]; 0: = kernel
    int stride_w = 0;      // horizontal stride sw [pixels]; 0: = stride
    int pad_w = -1;        // zero padding left pw [pixels]; -1: = pad
    int pad_end_h = -1;    // zero padding below [pixels]; -1: = pad (symmetric)
    int pad_end_w = -1;    // zero padding right [pixels]; -1: = pad_w (symmetric)
    int dilation = 1;      // conv: vertical tap spacing dh [pixels]
    int dilation_w = 0;    // conv: horizontal tap spacing dw [pixels]; 0: = dilation
    int groups = 1;        // conv: input and output channels split into this many groups
    shape3 in, out;

    int kh() const { return kernel; }
    int kw() const { return kernel_w ? kernel_w : kernel; }
    int sh() const { return stride; }
    int sw() const { return stride_w ? stride_w : stride; }
    int ph() const { return pad; }
    int pw() const { return pad_w >= 0 ? pad_w : pad; }
    int dh() const { return dilation; }
    int dw() const { return dilation_w ? dilation_w : dilation; }
    int pb() const { return pad_end_h >= 0 ? pad_end_h : ph(); }
    int pr() const { return pad_end_w >= 0 ? pad_end_w : pw(); }
    // The window is square, unstrided-alike and undilated as the config syntax writes it.
    bool simple_window() const {
        return kw() == kh() && sw() == sh() && pw() == ph() && pb() == ph() && pr() == pw() &&
               dh() == 1 && dw() == 1 && groups == 1;
    }
    bool has_weights() const { return kind == layer_kind::conv || kind == layer_kind::linear; }
    bool is_neuron() const { return kind == layer_kind::lif || kind == layer_kind::li; }
};

struct architecture {
    shape3 input;
    std::vector<layer_spec> layers;

    int num_classes() const { return layers.back().out.c; }
    // Text form accepted by parse_architecture (round trip) for config-syntax networks;
    // other windows print as conv:<out>:<kh>x<kw>:s<sh>x<sw>:p<ph>x<pw>:d<dh>x<dw>:g<groups>,
    // for humans only.
    std::string to_string() const;
};

// Parses "conv:32:3, bn, lif, maxpool:2, flatten, linear:10" for an input shape.
// Throws spikebar::config_error naming network.layers and the offending token.
architecture parse_architecture(const std::string& text, shape3 input);

// Output size of a window layer along one axis, by
//   out = floor((in + p_begin + p_end - d (k - 1) - 1) / s) + 1   (PyTorch's formula),
// with 0 where the window does not fit.
int window_output(int in, int k, int s, int p_begin, int p_end, int d);

// Sets every layer's `in` and `out` from the input shape and the layer parameters
// (kind, out_channels, window) and checks that each layer fits its input. The last
// layer may end in a map (the caller checks what it needs). For networks
// that do not come from the config syntax (the model reader, the NIR importer). Throws
// spikebar::config_error "layer <i> (<kind>): <what is wrong>".
void infer_shapes(architecture& a);

}  // namespace snn
