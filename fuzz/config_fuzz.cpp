// Fuzz target: the INI config parser and validation (experiments::parse_config), the
// [sweep] planner (plan_sweep), and a property: the effective config a run file records
// must parse back to the same effective config. Input: the config text. Seeds are the
// shipped configs/*.ini. A finding is any crash, sanitizer report, round-trip mismatch, or
// exception other than config_error and io_error.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "experiments/config/config.hpp"
#include "experiments/sweep/sweep.hpp"
#include "fuzz/run_model.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    fuzz::allowing_input_errors([&] {
        const experiments::run_config c = experiments::parse_config(text, "config fuzz.ini");
        const std::string effective = experiments::effective_config(c);
        const std::string again = experiments::effective_config(
            experiments::parse_config(effective, "effective config"));
        if (again != effective) {
            std::fprintf(stderr, "effective config does not round-trip:\n%s\n---\n%s\n",
                         effective.c_str(), again.c_str());
            std::abort();
        }
        const auto lines = experiments::read_sweep_section(text, "config fuzz.ini");
        if (lines.empty()) return;
        bool model_line = false;
        for (const auto& l : lines) model_line = model_line || l.key == "model";
        experiments::plan_sweep(text, "config fuzz.ini", {}, model_line ? "" : "(--model)");
    });
    return 0;
}
