// Fuzz target: the CIFAR-10 binary reader (experiments::load_cifar10, split "test"), raw
// bytes as test_batch.bin. Seeds are records in the official layout (fuzz/corpus/cifar,
// written by fuzz/make_seeds.sh; no CIFAR-10 copy ships with Debian). A finding is any crash, sanitizer report,
// failed consistency check, or exception other than io_error and config_error.
#include <cstdint>
#include <filesystem>

#include "experiments/io/dataset_io.hpp"
#include "fuzz/h5_edit.hpp"
#include "fuzz/run_model.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::string dir = [] {
        const std::string d = fuzz::scratch_path("-cifar");
        std::filesystem::create_directories(d);
        return d;
    }();
    fuzz::write_bytes(dir + "/test_batch.bin", data, size);
    fuzz::allowing_input_errors([&] {
        fuzz::check_dataset(experiments::load_cifar10(dir, "test"));
    });
    return 0;
}
