// Fuzz target: the HDF5 tensor dataset reader (experiments::load_tensor) on edited tensor
// files. Input: byte 0 picks a seed file and the split, the rest is an h5_edit script. A
// loaded set must be self-consistent (inputs = N x frames x C x H x W, labels < K). A
// finding is any crash, sanitizer report, failed consistency check, or exception other
// than io_error and config_error.
#include <cstdint>

#include "experiments/io/tensor_dataset.hpp"
#include "fuzz/h5_edit.hpp"
#include "fuzz/run_model.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::vector<std::string> seeds = fuzz::seed_files(
        {"fuzz/seeds/tensor/static.h5", "fuzz/seeds/tensor/frames.h5"});
    static const std::string path = fuzz::scratch_path("-tensor.h5");
    if (size == 0) return 0;
    fuzz::write_edited(seeds[(data[0] >> 1) % seeds.size()], data + 1, size - 1, path);
    fuzz::allowing_input_errors([&] {
        const snn::dataset d = experiments::load_tensor(
            path, (data[0] & 1) ? "train" : "test", experiments::frame_inputs::accept);
        fuzz::check_dataset(d);
    });
    return 0;
}
