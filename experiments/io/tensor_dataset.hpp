// User datasets as HDF5 tensors (docs/datasets.md): static images or event frames, the
// input of `[data] dataset = tensor` and the output of `spikebar dataset from-events`.
//
// A file holds one set, or a train and a test set:
//   /inputs [N, C, H, W] or [N, T, C, H, W], /labels [N]           one set, every split reads it
//   /train/inputs, /train/labels, /test/inputs, /test/labels       split "train" or "test"
// inputs are float32 (or float64, read as float32) taken as they are, or uint8 scaled to
// byte / 255 as IDX pixels are; every value must be finite. labels are integers in
// [0, K), K = the root attribute num_classes (an integer in [1, 256]) or, without it,
// 1 + the largest label of the set. [N, T, C, H, W] gives T frames per sample, frame t
// driving timestep t; [N, 1, C, H, W] is the same as the static [N, C, H, W].
// Every problem is an io_error "tensor dataset <path>: <object> <what was expected>".
#pragma once
#include <string>

#include "snn/dataset.hpp"

namespace experiments {

// Whether the caller can run several frames per sample (snn::engine::start's `frames`).
enum class frame_inputs { refuse, accept };

// Split "train" or "test" of the tensor file at `path`. With frame_inputs::refuse a file of
// T > 1 frames is an io_error saying that the command takes static images, raised before
// the inputs are read.
snn::dataset load_tensor(const std::string& path, const std::string& split,
                         frame_inputs frames = frame_inputs::refuse);

}  // namespace experiments
