// The values of one swept key, written the same way in a [sweep] line and in
// `spikebar replay --sweep KEY=...` (docs/sweep.md "Values"): a list `v1, v2, ...` or a range
// `start:step:stop` in numpy.arange / MATLAB colon order, which stands for
//   start + i * step  for i = 0, 1, ..., floor((stop - start) / step + 1e-9),
// i.e. up to stop inclusive within 1e-9 steps (so 0:0.1:0.3 ends at 0.3); a negative step
// counts down. Replay once read LO:HI:STEP; a range that is empty or one value as
// start:step:stop but several as LO:HI:STEP is refused with the reordered spelling.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace experiments {

// At most this many values per range or list: beyond that a typo is likelier.
constexpr std::size_t max_axis_values = 100000;

// True when `text` is written as a range: it has a ':' and no ','.
bool is_range(const std::string& text);

// The values of the range `text`, printed with 12 significant digits (whole-number ranges
// exactly, as integers). Throws config_error(where + "<what is wrong>"), e.g.
//   "the step leads away from stop" or
//   "ranges are start:step:stop; did you mean 0.5:0.01:0.99?" (for 0.5:0.99:0.01).
std::vector<std::string> range_values(const std::string& text, const std::string& where);

// The items of the comma-separated list `text`, trimmed. Throws config_error(where + ...)
// for an empty item or more than max_axis_values items.
std::vector<std::string> list_values(const std::string& text, const std::string& where);

// `text` as a finite number (a leading '+' allowed, no spaces); false if it is not one.
bool parse_real(const std::string& text, double* v);

}  // namespace experiments
