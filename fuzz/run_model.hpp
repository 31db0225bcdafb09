// What the fuzz targets share once a reader has answered: the errors a bad input may
// end in, a short ideal inference of an accepted model (so that a file the loader accepts
// but the engine cannot run is found), and the consistency of an accepted dataset.
#pragma once
#include "common/errors.hpp"
#include "snn/dataset.hpp"
#include "snn/model.hpp"

namespace fuzz {

// Runs f. io_error and config_error are the right answer to a bad input (the CLI turns
// them into one line and exit 2), so they end the run quietly; any other exception
// escapes, and libFuzzer reports it as a finding ("internal error", exit 1, in the CLI).
template <class F>
void allowing_input_errors(F&& f) {
    try {
        f();
    } catch (const spikebar::io_error&) {
    } catch (const spikebar::config_error&) {
    }
}

// Folds bn layers if any, then runs 2 samples for min(T, 3) steps on the ideal synapse.
void run_briefly(const snn::model& loaded);

// Aborts (a finding) unless `d` is self-consistent: images = N x F x C x H x W with every
// dimension positive, every value finite, every label in [0, K).
void check_dataset(const snn::dataset& d);

}  // namespace fuzz
