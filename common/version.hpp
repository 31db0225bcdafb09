// The revision a binary was built from, for the provenance that every output file records.
#pragma once

namespace spikebar {

// `git describe --always --dirty` of the source tree at build time, e.g. "b5b74b6" or
// "b5b74b6-dirty"; "unknown" outside a git checkout. Read before every build, not only when
// CMake configures (cmake/git_revision.cmake).
const char* git_revision();

}  // namespace spikebar
