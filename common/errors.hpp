// Error types shared by every spikebar library.
// config_error: a bad configuration value or CLI flag; io_error: a bad or missing file.
// The CLI catches both, prints what() on one line and exits with code 2.
#pragma once
#include <stdexcept>
#include <string>

namespace spikebar {

struct config_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct io_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

}  // namespace spikebar
