// An in-memory labelled image set: what the loaders produce and what training and
// evaluation consume. Images are float32 in [0, 1], stored sample-major, each image
// channel-major (C, H, W), exactly as IDX and CIFAR-10 binary files order them.
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
    std::vector<float> images;       // [N, C, H, W], values in [0, 1]
    std::vector<std::uint8_t> labels;  // [N], each in [0, K)

    std::size_t size() const { return labels.size(); }
    std::size_t image_size() const {
        return static_cast<std::size_t>(channels) * height * width;
    }
    const float* image(std::size_t i) const { return images.data() + i * image_size(); }
};

}  // namespace snn
