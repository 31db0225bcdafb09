// Structure-aware mutation of HDF5 files for the fuzz targets.
//
// Flipping bytes of an HDF5 file mostly exercises libhdf5's own parser, which we neither
// own nor instrument. The bugs that are ours sit one level up: a reader that trusts a
// shape, a type, a count or a value it found in a well-formed file. So a fuzz input here is
// an edit script applied, through the HDF5 API, to a copy of a real seed file (a shipped
// model, a NIR fixture, a run file): every edit keeps the file well-formed and changes what
// it says. Ops (one byte each, then their operands; a short input simply ends the script):
//   delete    an object (dataset, group) or an attribute
//   reshape   a dataset or attribute to rank 0..4, dims 0..8 (or a large one), same class
//   retype    to float32 | float64 | int64 | int32 | uint8 | variable or fixed string
//   poke      one element to a special value (NaN, ±Inf, 0, -1, ±1e308, 2^31, 2^63, ...)
//   string    a string dataset or attribute to bytes from the input
//   graft     a copy of one attribute onto another object (a name where it is unexpected)
// Objects are numbered in the order H5Ovisit gives them, attributes after them.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace fuzz {

// Copies `seed` to `out` and applies the edit script `data[0, size)`. Failures of single
// edits (an op libhdf5 refuses) are skipped; the file stays readable.
void write_edited(const std::string& seed, const std::uint8_t* data, std::size_t size,
                  const std::string& out);

// A per-process scratch path under /dev/shm (or /tmp) ending in `suffix`.
std::string scratch_path(const std::string& suffix);

// The seed files of a target: $SPIKEBAR_FUZZ_SEEDS (paths separated by ':') when set,
// else `defaults` (paths relative to the source tree).
std::vector<std::string> seed_files(const std::vector<std::string>& defaults);

// Writes `size` bytes to `path` (truncating).
void write_bytes(const std::string& path, const std::uint8_t* data, std::size_t size);

}  // namespace fuzz
