// spikebar_synthetic_idx: writes a synthetic Fashion-MNIST stand-in for the command-line
// tests, so that they need no downloaded dataset. The images are those of
// synthetic_images.hpp at 1 x 28 x 28 with 10 classes (class k lights cell k of a 5 x 2 grid
// over noise), in the four files of the Fashion-MNIST layout, gzip-compressed:
//   DIR/train-images-idx3-ubyte.gz  DIR/train-labels-idx1-ubyte.gz   TRAIN samples (seed S)
//   DIR/t10k-images-idx3-ubyte.gz   DIR/t10k-labels-idx1-ubyte.gz    TEST samples (seed S + 1)
// usage: spikebar_synthetic_idx DIR [TRAIN [TEST [S]]]   (defaults 2048, 512, 1)
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>

#include "synthetic_images.hpp"

namespace {

bool parse_count(const char* text, unsigned long long* v) {
    char* end = nullptr;
    *v = std::strtoull(text, &end, 10);
    return *text >= '0' && *text <= '9' && *end == '\0';
}

}  // namespace

int main(int argc, char** argv) {
    unsigned long long n[3] = {2048, 512, 1};
    bool ok = argc >= 2 && argc <= 5;
    for (int i = 2; ok && i < argc; ++i) ok = parse_count(argv[i], &n[i - 2]);
    if (!ok || n[0] == 0 || n[1] == 0) {
        std::fprintf(stderr, "usage: spikebar_synthetic_idx DIR [TRAIN [TEST [SEED]]]\n");
        return 2;
    }
    try {
        const std::string dir = argv[1];
        std::filesystem::create_directories(dir);
        const synthetic::image_spec spec;  // 1 x 28 x 28, 10 classes
        synthetic::write_idx(dir + "/train-images-idx3-ubyte.gz",
                             dir + "/train-labels-idx1-ubyte.gz",
                             synthetic::images(n[0], spec, n[2]));
        synthetic::write_idx(dir + "/t10k-images-idx3-ubyte.gz", dir + "/t10k-labels-idx1-ubyte.gz",
                             synthetic::images(n[1], spec, n[2] + 1));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "spikebar_synthetic_idx: %s\n", e.what());
        return 2;
    }
    return 0;
}
