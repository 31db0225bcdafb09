// Synthetic labelled images, the one generator behind the tests' data: the in-process
// tests call it directly and tests/tools/synthetic_idx.cpp writes it as IDX files for the
// command-line tests. A sample of class k lights cell k of a grid of K cells over the image
// (rows x cols, row-major, rows the smallest divisor of K with rows^2 >= K: K = 2 gives
// top/bottom halves, 4 quadrants, 10 a 5 x 2 grid), on every channel, over uniform noise:
//   pixel = noise * u + (lit ? signal : 0),  u uniform in [0, 1),
// then pixels below `cut` are set to exactly 0 (sparse inputs). With
// signal > noise the class is the brightest cell: a linear readout of the cell means
// separates the classes perfectly, so a small net learns it; signal = 0 gives pure noise
// with random labels. Labels are uniform over [0, K); all draws come from one counter
// stream keyed by the seed, so equal seeds give equal datasets. write_idx stores a dataset
// in the IDX format of MNIST and Fashion-MNIST (LeCun et al.), which experiments/dataset_io
// reads.
#pragma once
#include <zlib.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "common/rng.hpp"
#include "snn/dataset.hpp"

namespace synthetic {

struct image_spec {
    int classes = 10;     // K
    int channels = 1;     // C
    int height = 28;      // H [pixels]
    int width = 28;       // W [pixels]
    double noise = 0.4;   // background amplitude: noise * u
    double signal = 0.6;  // added on the lit cell; noise + signal <= 1 keeps pixels in [0, 1)
    double cut = 0.0;     // pixels below it become exactly 0 (noise = 1, signal = 0: a
                          // fraction `cut` of them)
};

// Grid rows for K cells: the smallest divisor of K whose square is at least K.
inline int grid_rows(int k) {
    int r = 1;
    while (r * r < k || k % r != 0) ++r;
    return r;
}

inline snn::dataset images(std::size_t n, const image_spec& p, std::uint64_t seed) {
    snn::dataset d;
    d.name = "synthetic";
    d.channels = p.channels;
    d.height = p.height;
    d.width = p.width;
    d.num_classes = p.classes;
    const int rows = grid_rows(p.classes), cols = p.classes / rows;
    spikebar::counter_stream s{seed, 0x5E7D};
    d.images.reserve(n * d.image_size());
    for (std::size_t i = 0; i < n; ++i) {
        const int k = static_cast<int>(s.below(static_cast<std::uint64_t>(p.classes)));
        d.labels.push_back(static_cast<std::uint8_t>(k));
        for (int ch = 0; ch < p.channels; ++ch)
            for (int r = 0; r < p.height; ++r)
                for (int c = 0; c < p.width; ++c) {
                    const bool lit =
                        r * rows / p.height == k / cols && c * cols / p.width == k % cols;
                    const double v = p.noise * s.uniform() + (lit ? p.signal : 0.0);
                    d.images.push_back(v < p.cut ? 0.0f : static_cast<float>(v));
                }
    }
    return d;
}

// The IDX image file (magic 0x803, N, H, W, then bytes) and label file (0x801, N, bytes) of
// single-channel `d`, pixels rounded to bytes (v = round(255 p)) as the loader reads them
// back (v / 255); gzip-compressed where the path ends in ".gz". Throws std::runtime_error
// naming the path it cannot write.
inline void write_idx(const std::string& images, const std::string& labels, const snn::dataset& d) {
    if (d.channels != 1 || d.frames != 1)
        throw std::runtime_error(images + ": IDX holds single-channel static images only");
    const auto put32 = [](std::vector<unsigned char>& b, std::uint32_t v) {
        for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<unsigned char>(v >> s));
    };
    std::vector<unsigned char> img, lab;
    put32(img, 0x803);
    put32(img, static_cast<std::uint32_t>(d.size()));
    put32(img, static_cast<std::uint32_t>(d.height));
    put32(img, static_cast<std::uint32_t>(d.width));
    for (float p : d.images) img.push_back(static_cast<unsigned char>(std::lround(p * 255)));
    put32(lab, 0x801);
    put32(lab, static_cast<std::uint32_t>(d.size()));
    lab.insert(lab.end(), d.labels.begin(), d.labels.end());
    for (const auto& [path, bytes] : {std::make_pair(images, &img), std::make_pair(labels, &lab)}) {
        const bool gz = path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
        gzFile f = gzopen(path.c_str(), gz ? "wb" : "wbT");  // T: written as is
        const bool ok = f && gzwrite(f, bytes->data(), static_cast<unsigned>(bytes->size())) ==
                                 static_cast<int>(bytes->size());
        if (!f || gzclose(f) != Z_OK || !ok) throw std::runtime_error(path + ": cannot write");
    }
}

}  // namespace synthetic
