// The model file (model.h5), schema in docs/model-format.md. Weights are stored in
// PyTorch's layouts (conv [out, in, kh, kw], linear [out, in] with a flattened map in
// (c, y, x) order) so other tools read them directly; this module converts to and from
// the internal channel-last layout. Loading validates every group, attribute and
// shape and throws spikebar::io_error naming the file and the path inside it.
#pragma once
#include <optional>
#include <string>

#include "snn/model.hpp"
#include "snn/trainer.hpp"

namespace snn {

constexpr int model_format_version = 2;  // reads 1 and 2

// Writes `m` to `path` through a temporary file renamed on success, so a crash never
// leaves a truncated model behind. With `opt` the file is a training checkpoint that
// also holds the optimizer state and the number of finished epochs.
void save_model(const model& m, const std::string& path, const optimizer_state* opt = nullptr,
                int epochs_done = 0);

struct checkpoint {
    model m;
    optimizer_state opt;
    int epochs_done = 0;
};

model load_model(const std::string& path);

// The file (PyTorch) layouts and the internal ones: a weighted layer's weight (conv
// [out, in / groups, kh, kw] <-> [(ky * kw + kx) * C_in + ci][C_out]; linear [out, in] in
// the (c, y, x) order of the map it was flattened from <-> [in][out]), and a per-element
// vector of a map of shape s ((c, y, x) <-> (y, x, c); one value stays one value).
std::vector<float> weight_from_file_layout(const architecture& a, std::size_t layer,
                                          const std::vector<float>& file);
std::vector<float> weight_to_file_layout(const architecture& a, std::size_t layer,
                                        const std::vector<float>& internal);
std::vector<float> elements_from_file_layout(const shape3& s, const std::vector<float>& file);
std::vector<float> elements_to_file_layout(const shape3& s, const std::vector<float>& internal);
checkpoint load_checkpoint(const std::string& path);

}  // namespace snn
