// A progress line for long runs (training epochs, evaluation, sweeps), on stderr.
//
// On a terminal it redraws one line in place, at most `max_rate_hz` times a second:
//   train epoch 3/30  12800/60000  21%  612 img/s  ETA 1m17s  loss 0.412 acc 88.1%
// and ends with a final line:
//   train epoch 3/30  60000/60000  612 img/s  done in 1m38s  loss 0.398 acc 88.6%
// When the stream is not a terminal (a log file, a pipe, ctest) it prints nothing while
// running, so logs stay clean, and only the final line if `summary` is set.
// rate = done / elapsed; ETA = (total - done) / rate. Not thread-safe: call from one thread.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <functional>
#include <string>

namespace experiments {

struct progress_options {
    std::string unit = "items";  // what is counted, shown in the rate ("img" -> "img/s")
    double max_rate_hz = 5.0;    // redraws per second at most on a terminal [1/s]
    bool summary = true;         // print the final line also when the stream is not a terminal
    int tty = -1;  // -1 = ask isatty() on the stream, 0 = not a terminal, 1 = terminal
    std::function<double()> clock;  // seconds since an arbitrary origin; empty = steady_clock
};

class progress {
public:
    progress(std::string label, std::size_t total, progress_options opt = {},
             std::FILE* out = stderr);
    ~progress();  // finishes if finish() was not called
    progress(const progress&) = delete;
    progress& operator=(const progress&) = delete;

    // `done` items of `total` are complete; `tail` is free text after the numbers
    // (e.g. "loss 0.41 acc 88.1%"). Redraws only if enough time has passed.
    void update(std::size_t done, const std::string& tail = {});
    // The final line, then a newline: done is the last update()'s, or total if none came.
    void finish(const std::string& tail = {});

    bool is_terminal() const { return tty_; }

private:
    double now() const;
    std::string line(std::size_t done, const std::string& tail, bool final) const;

    std::string label_;
    std::size_t total_;
    progress_options opt_;
    std::FILE* out_;
    bool tty_;
    bool finished_ = false;
    bool updated_ = false;
    double start_;
    double last_draw_ = -1e300;
    std::size_t done_ = 0;
    std::size_t last_width_ = 0;
};

// "42s", "1m17s", "2h05m": a duration for humans. Negative or non-finite -> "?".
std::string format_duration(double seconds);

}  // namespace experiments
