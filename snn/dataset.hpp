// An in-memory labelled image set: what the loaders produce and what training and
// evaluation consume. Images are float32, stored sample-major, each image channel-major
// (C, H, W), exactly as IDX and CIFAR-10 binary files order them. A sample is one static
// image (frames = 1) or F frames, one per timestep (event data binned in time), in the
// layout snn::engine::start takes: [N, F, C, H, W].
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace snn {

struct dataset {
    std::string name;                // e.g. "fashion-mnist/test"
    int channels = 0;                // C
    int height = 0;                  // H [pixels]
    int width = 0;                   // W [pixels]
    int num_classes = 0;             // K
    int frames = 1;                  // F: input frames per sample, 1 = a static image
    std::vector<float> images;       // [N, F, C, H, W]; IDX and CIFAR pixels in [0, 1]
    std::vector<std::uint8_t> labels;  // [N], each in [0, K)

    std::size_t size() const { return labels.size(); }
    // One frame [C, H, W].
    std::size_t image_size() const {
        return static_cast<std::size_t>(channels) * height * width;
    }
    // One sample [F, C, H, W].
    std::size_t sample_size() const { return static_cast<std::size_t>(frames) * image_size(); }
    const float* image(std::size_t i) const { return images.data() + i * sample_size(); }
};

}  // namespace snn
