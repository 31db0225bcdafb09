// The work directory of a sweep, OUT.work/ (docs/sweep.md): where the point run files
// collect until the sweep file OUT is assembled. It is what makes a sweep survive kill -9:
//   - sweep.txt, the manifest, names the sweep (fingerprint, points, shard) its files
//     belong to; it is written by rename, so it is either whole or absent;
//   - lock, held with flock while a process works here: a second sweep on the same
//     directory is refused, and the lock goes with its process, kill -9 included;
//   - point_NNNNN.h5, each written as .tmp, fsynced and renamed by the run file writer,
//     so a file with the final name is complete; leftover .tmp files are removed;
//   - with --resume, a point file is kept only if it is this sweep's point (same config,
//     model and format); anything else stops the sweep with the file named.
// If OUT exists and is this sweep's file, the sweep completed and was killed while the
// directory was being removed: open() then reports it complete.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "experiments/sweep/sweep.hpp"
#include "experiments/sweep/sweep_file.hpp"

namespace experiments {

class sweep_workdir {
public:
    // The work directory of sweep file out_path for shard shard_index/shard_count of s.
    sweep_workdir(std::string out_path, const sweep_spec& s, int shard_index, int shard_count);
    ~sweep_workdir();  // releases the lock
    sweep_workdir(const sweep_workdir&) = delete;
    sweep_workdir& operator=(const sweep_workdir&) = delete;

    struct state {
        bool complete = false;             // OUT is this sweep's finished file already
        std::vector<std::uint64_t> todo;   // points of `mine` without a point file, in order
        std::size_t done = 0;              // points of `mine` with a valid point file
    };
    // Creates the directory (fresh run) or checks it (resume), takes the lock, removes
    // leftover .tmp files and sorts `mine` into done and to do. Throws config_error for a
    // directory that exists without resume, belongs to another sweep or is locked, and
    // io_error for a point file that is not this sweep's.
    state open(bool resume, const std::vector<std::size_t>& mine);

    const std::string& path() const { return work_; }
    std::string point_file(std::size_t index) const;
    // The point files of `mine`, for write_sweep_file; io_error if one is missing.
    std::vector<point_source> sources(const std::vector<std::size_t>& mine) const;
    // After OUT is written: the directory goes, and the lock with it.
    void remove();

    // The manifest text of shard si/sn of s.
    static std::string manifest_text(const sweep_spec& s, int si, int sn);

private:
    void lock();

    std::string out_, work_;
    const sweep_spec& s_;
    int si_, sn_;
    int lock_fd_ = -1;
};

}  // namespace experiments
