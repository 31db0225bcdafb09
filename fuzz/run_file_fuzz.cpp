// Fuzz target: the run-file reader (experiments::run_reader) on edited real run files,
// then what replay and export-energy do with it: every lane's log and samples, its energy
// when recorded, and an offline replay of SEENN-I. Input: byte 0 picks a seed run file
// (fuzz/seeds/run, written by fuzz/make_seeds.sh), the rest is an h5_edit script. A finding is
// any crash, sanitizer report, or exception other than io_error and config_error.
#include <cstdint>

#include "earlyexit/params.hpp"
#include "earlyexit/policy.hpp"
#include "earlyexit/replay.hpp"
#include "experiments/io/run_reader.hpp"
#include "fuzz/h5_edit.hpp"
#include "fuzz/run_model.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::vector<std::string> seeds = fuzz::seed_files(
        {"fuzz/seeds/run/ideal.h5", "fuzz/seeds/run/chips.h5", "fuzz/seeds/run/counter_free.h5",
         "fuzz/seeds/run/seenn2.h5"});
    static const std::string path = fuzz::scratch_path("-run.h5");
    if (size == 0) return 0;
    fuzz::write_edited(seeds[data[0] % seeds.size()], data + 1, size - 1, path);
    fuzz::allowing_input_errors([&] {
        const experiments::run_reader r(path);
        const experiments::run_file_header& h = r.header();
        for (int c = 0; c < h.lanes; ++c) {
            r.read_samples(c);
            if (!h.energy_recorded) continue;
            const experiments::lane_log log = r.read_lane(c);
            r.read_energy(c, 0, h.samples);
            earlyexit::earlyexit_params p;
            p.policy = "confidence";
            p.t_max = h.timesteps;
            p.validate();
            earlyexit::replay(*earlyexit::make_policy(p), log.view());
        }
    });
    return 0;
}
