// Fuzz target: the model loader (snn::load_model), then a short ideal inference of what it
// accepted (run_model.hpp). Input: byte 0 picks a seed model, the rest is an h5_edit
// script. A finding is any crash, sanitizer report, or exception other than io_error and
// config_error (the CLI turns those into one line and exit 2; anything else is exit 1,
// "internal error").
#include <cstdint>

#include "fuzz/h5_edit.hpp"
#include "fuzz/run_model.hpp"
#include "snn/model_io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::vector<std::string> seeds = fuzz::seed_files(
        {"models/fmnist_t4.h5", "models/fmnist_ann_qcfs.h5", "models/fmnist_t4_seenn2.h5"});
    static const std::string path = fuzz::scratch_path("-model.h5");
    if (size == 0) return 0;
    fuzz::write_edited(seeds[data[0] % seeds.size()], data + 1, size - 1, path);
    fuzz::allowing_input_errors([&] {
        fuzz::run_briefly(snn::load_model(path));
    });
    return 0;
}
