// Event streams (x, y, polarity, t in microseconds: DVS, N-MNIST) binned into frame tensors
// that `[data] dataset = tensor` reads (docs/datasets.md). Per sample, with F frames, a
// W x H sensor and the window [t0, t0 + D):
//   D > 0 given (duration_us):  t0 = 0, and events with t >= D are dropped (and counted);
//   D = 0:                      t0 = min t, D = max t - t0 + 1 (the sample's own span);
//   frame f = floor((t - t0) * F / D),  channel c = 1 for p = 1 (ON), 0 for p = 0 or -1 (OFF),
//   out[f][c][y][x] += 1,
// so every event lands in exactly one of F equal bins, and frames hold event counts.
// Inputs: an HDF5 event table or the N-MNIST binary format (Orchard et al. 2015,
// https://www.garrickorchard.com/datasets/n-mnist): one file per sample, 5 bytes per event,
//   byte 0: x, byte 1: y, byte 2 bit 7: polarity, bits 22..0 (byte 2 bits 6..0, bytes 3, 4,
//   big-endian): t [us].
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace experiments {

struct event_list {
    std::vector<std::int64_t> t;  // [us], >= 0
    std::vector<std::int64_t> x;  // [pixels], in [0, W)
    std::vector<std::int64_t> y;  // [pixels], in [0, H)
    std::vector<std::int64_t> p;  // polarity: 1 ON, 0 or -1 OFF
    std::size_t size() const { return t.size(); }
};

struct binning_params {
    int frames = 0;                // F: time bins per sample [frames]
    int width = 0;                 // W: sensor columns [pixels]
    int height = 0;                // H: sensor rows [pixels]
    std::int64_t duration_us = 0;  // D: window from t = 0, 0 = each sample's own span [us]
    void validate() const;         // config_error naming the flag (--frames, --sensor, --duration)
    std::size_t frame_values() const { return std::size_t(frames) * 2 * height * width; }
};

// Bins one sample's events into out [F, 2, H, W] (overwritten); returns the events dropped
// outside a fixed window. An event off the sensor, with t < 0 or a polarity other than
// -1, 0, 1 is an io_error "<where>event <k> ..." (k: its index in the sample).
std::size_t bin_events(const event_list& e, const binning_params& p, float* out,
                       const std::string& where);

// The events of one N-MNIST .bin file; io_error when its size is not a multiple of 5 bytes.
event_list read_nmnist(const std::string& path);

struct from_events_options {
    std::string in, out;  // input file (table) or folder (nmnist); output tensor file
    std::string format;   // "table" | "nmnist"; empty: a folder is nmnist, a file a table
    binning_params bin;
};

// What one converted set (the whole file, or /train and /test) held.
struct converted_set {
    std::string name;  // "" (one set), "/train" or "/test"
    std::size_t samples = 0, events = 0, dropped = 0;
};

// Converts `in` to the tensor file `out`, written under a temporary name and renamed when
// complete: bad input leaves no output file.
std::vector<converted_set> convert_events(const from_events_options& o);

}  // namespace experiments
