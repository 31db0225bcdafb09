// The processes that run one sweep together, and how points are handed out among them.
//
// Started by mpirun (OpenMPI's OMPI_COMM_WORLD_SIZE, or PMI_SIZE / PMIX_RANK in the
// environment) in a build with SPIKEBAR_MPI, the ranks share a counter in an MPI window on
// rank 0 (MPI_Fetch_and_op, passive target): each rank takes the next point as soon as it
// is free, so fast and slow points balance themselves. Every rank writes its own point files;
// rank 0 prepares the work directory before and assembles the sweep file after. Otherwise
// there is one process, and the counter is a local one: the binary behaves as without MPI.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace experiments {

class sweep_ranks {
public:
    // Throws config_error when started by mpirun as several processes in a build without MPI
    // (each would run the whole sweep).
    sweep_ranks();
    ~sweep_ranks();  // MPI_Finalize
    sweep_ranks(const sweep_ranks&) = delete;
    sweep_ranks& operator=(const sweep_ranks&) = delete;

    int rank() const;
    int size() const;
    bool mpi() const;  // several processes through MPI

    // Runs f on every rank. When it throws on any rank: rank 0 rethrows its own error, or
    // one saying another rank failed; other ranks print theirs ("spikebar: rank r: ...")
    // and get false. True when f succeeded everywhere.
    bool together(const std::function<void()>& f);
    // Rank 0's `v` on every rank.
    void broadcast(std::vector<std::uint64_t>& v);

    // The shared counters, collectively: open() zeroes them; next() takes a point index
    // (0, 1, 2, ... over all ranks, each once); finished() adds a point and its samples to
    // the totals done(); close() ends their use.
    void open();
    std::uint64_t next();
    void finished(std::uint64_t samples);
    void done(std::uint64_t* points, std::uint64_t* samples);
    void close();

    void barrier();
    // MPI only: ends every rank with exit code `code` (MPI_Abort), after a rank's error
    // mid-sweep, when the others would wait for it forever. One process throws instead.
    [[noreturn]] void abort(int code);

    static bool built_with_mpi();

private:
    struct impl;
    std::unique_ptr<impl> p_;
};

}  // namespace experiments
