// Wall time for the timings a run records (chip build, calibration, evaluation) and for
// progress lines.
#pragma once
#include <chrono>

namespace spikebar {

// Wall seconds since t0 (steady clock).
inline double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace spikebar
