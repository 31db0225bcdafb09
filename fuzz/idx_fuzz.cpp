// Fuzz target: the IDX reader (experiments::load_idx), raw bytes. Input: a 4-byte
// little-endian length L, then L bytes of the label file, then the image file. Seeds are
// the first records of the real Fashion-MNIST files (fuzz/corpus/idx, written by
// fuzz/make_seeds.sh). A loaded set
// must be self-consistent (run_model.hpp: check_dataset). A finding is any crash,
// sanitizer report, failed check, or exception other than io_error and config_error.
#include <algorithm>
#include <cstdint>

#include "experiments/io/dataset_io.hpp"
#include "fuzz/h5_edit.hpp"
#include "fuzz/run_model.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::string images = fuzz::scratch_path("-images-idx3-ubyte");
    static const std::string labels = fuzz::scratch_path("-labels-idx1-ubyte");
    if (size < 4) return 0;
    const std::size_t l = std::min<std::size_t>(
        size - 4, data[0] | (data[1] << 8) | (data[2] << 16) | (std::size_t(data[3]) << 24));
    fuzz::write_bytes(labels, data + 4, l);
    fuzz::write_bytes(images, data + 4 + l, size - 4 - l);
    fuzz::allowing_input_errors([&] {
        fuzz::check_dataset(experiments::load_idx(images, labels, "fuzz", 1 + data[0] % 12));
    });
    return 0;
}
