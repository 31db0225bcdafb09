// Fuzz target: the NIR importer (experiments::import_nir) on edited real NIR files, then a
// short ideal inference of the model it produced (run_model.hpp). Input: byte 0 picks a
// seed file, byte 1 the import options, the rest is an h5_edit script. A finding is any
// crash, sanitizer report, or exception other than io_error and config_error.
#include <cstdint>

#include "experiments/nir/nir_import.hpp"
#include "fuzz/h5_edit.hpp"
#include "fuzz/run_model.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::vector<std::string> seeds = fuzz::seed_files(
        {"tests/data/nir/cnn_sinabs.nir", "tests/data/nir/lif_norse.nir",
         "tests/data/nir/lif_rockpool.nir", "tests/data/nir/two_lif_neurons.nir",
         "tests/data/nir/braille_noDelay_bias_zero.nir",
         "tests/data/nir/braille_noDelay_noBias_subtract.nir"});
    static const std::string path = fuzz::scratch_path("-graph.nir");
    if (size < 2) return 0;
    fuzz::write_edited(seeds[data[0] % seeds.size()], data + 2, size - 2, path);
    experiments::nir_import_options opt;
    const unsigned o = data[1];
    opt.dt = (o & 1) ? 1.0 : 1e-3;
    opt.discretization = (o & 2) ? "exact" : "euler";
    opt.reset = (o & 4) ? "subtract" : "zero";
    opt.spike_test = (o & 8) ? "ge" : "gt";
    opt.timesteps = 1 + int((o >> 4) & 3);
    fuzz::allowing_input_errors([&] {
        fuzz::run_briefly(experiments::import_nir(path, opt).model);
    });
    return 0;
}
