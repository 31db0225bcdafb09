// What every model-producing fuzz target does with a model it was given: a short ideal
// inference, so that a file the loader accepts but the engine cannot run is found.
#pragma once
#include "snn/dataset.hpp"
#include "snn/model.hpp"

namespace fuzz {

// Folds bn layers if any, then runs 2 samples for min(T, 3) steps on the ideal synapse.
void run_briefly(const snn::model& loaded);

// Aborts (a finding) unless `d` is self-consistent: images = N x F x C x H x W with every
// dimension positive, every value finite, every label in [0, K).
void check_dataset(const snn::dataset& d);

}  // namespace fuzz
