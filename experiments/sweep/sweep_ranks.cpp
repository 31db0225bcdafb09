// Point hand-out over MPI ranks, or in one process (see sweep_ranks.hpp).
#include "experiments/sweep/sweep_ranks.hpp"

#include <cstdio>
#include <cstdlib>
#include <exception>

#include "common/errors.hpp"

#ifdef SPIKEBAR_HAVE_MPI
#include <mpi.h>
#endif

namespace experiments {

namespace {

// Processes mpirun says it started, 0 when not started by mpirun, -1 when it did but the
// count is not in the environment.
int launched_ranks() {
    for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"}) {
        if (const char* s = std::getenv(v)) return std::atoi(s);
    }
    return std::getenv("PMIX_RANK") ? -1 : 0;
}

}  // namespace

struct sweep_ranks::impl {
    bool mpi = false;
    int rank = 0, size = 1;
    std::uint64_t next = 0, points = 0, samples = 0;  // one process
#ifdef SPIKEBAR_HAVE_MPI
    MPI_Win win = MPI_WIN_NULL;
    std::int64_t* base = nullptr;  // rank 0: next, points, samples
#endif
};

bool sweep_ranks::built_with_mpi() {
#ifdef SPIKEBAR_HAVE_MPI
    return true;
#else
    return false;
#endif
}

sweep_ranks::sweep_ranks() : p_(std::make_unique<impl>()) {
    const int n = launched_ranks();
#ifdef SPIKEBAR_HAVE_MPI
    if (n != 0) {
        int provided = 0;
        MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
        MPI_Comm_rank(MPI_COMM_WORLD, &p_->rank);
        MPI_Comm_size(MPI_COMM_WORLD, &p_->size);
        p_->mpi = true;
    }
#else
    if (n > 1 || n < 0)
        throw spikebar::config_error(
            "sweep: started by mpirun as several processes, but this spikebar was built without "
            "MPI (cmake -DSPIKEBAR_MPI=ON with libopenmpi-dev installed); each process would run "
            "the whole sweep");
#endif
}

sweep_ranks::~sweep_ranks() {
#ifdef SPIKEBAR_HAVE_MPI
    if (p_->mpi) {
        if (p_->win != MPI_WIN_NULL) close();
        MPI_Finalize();
    }
#endif
}

int sweep_ranks::rank() const {
    return p_->rank;
}
int sweep_ranks::size() const {
    return p_->size;
}
bool sweep_ranks::mpi() const {
    return p_->mpi;
}

bool sweep_ranks::together(const std::function<void()>& f) {
    if (!p_->mpi) {
        f();
        return true;
    }
    std::exception_ptr error;
    std::string what;
    try {
        f();
    } catch (const std::exception& e) {
        error = std::current_exception();
        what = e.what();
    }
    (void)what;
#ifdef SPIKEBAR_HAVE_MPI
    int mine = error ? 1 : 0, any = 0, rank0 = mine;
    MPI_Allreduce(&mine, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    MPI_Bcast(&rank0, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (!any) return true;
    if (p_->rank == 0) {
        if (error) std::rethrow_exception(error);
        throw spikebar::io_error("sweep: another rank failed (its message is above)");
    }
    if (error && !rank0) std::fprintf(stderr, "spikebar: rank %d: %s\n", p_->rank, what.c_str());
#endif
    return false;
}

void sweep_ranks::broadcast(std::vector<std::uint64_t>& v) {
#ifdef SPIKEBAR_HAVE_MPI
    if (!p_->mpi) return;
    unsigned long long n = v.size();
    MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
    v.resize(n);
    if (n) MPI_Bcast(v.data(), int(n), MPI_UINT64_T, 0, MPI_COMM_WORLD);
#else
    (void)v;
#endif
}

void sweep_ranks::open() {
    p_->next = p_->points = p_->samples = 0;
#ifdef SPIKEBAR_HAVE_MPI
    if (!p_->mpi) return;
    const MPI_Aint bytes = p_->rank == 0 ? 3 * sizeof(std::int64_t) : 0;
    MPI_Win_allocate(bytes, sizeof(std::int64_t), MPI_INFO_NULL, MPI_COMM_WORLD, &p_->base,
                     &p_->win);
    if (p_->rank == 0) p_->base[0] = p_->base[1] = p_->base[2] = 0;
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Win_lock_all(0, p_->win);
#endif
}

std::uint64_t sweep_ranks::next() {
#ifdef SPIKEBAR_HAVE_MPI
    if (p_->mpi) {
        const std::int64_t one = 1;
        std::int64_t got = 0;
        MPI_Fetch_and_op(&one, &got, MPI_INT64_T, 0, 0, MPI_SUM, p_->win);
        MPI_Win_flush(0, p_->win);
        return std::uint64_t(got);
    }
#endif
    return p_->next++;
}

void sweep_ranks::finished(std::uint64_t samples) {
#ifdef SPIKEBAR_HAVE_MPI
    if (p_->mpi) {
        const std::int64_t add[2] = {1, std::int64_t(samples)};
        std::int64_t got[2];
        MPI_Fetch_and_op(&add[0], &got[0], MPI_INT64_T, 0, 1, MPI_SUM, p_->win);
        MPI_Fetch_and_op(&add[1], &got[1], MPI_INT64_T, 0, 2, MPI_SUM, p_->win);
        MPI_Win_flush(0, p_->win);
        return;
    }
#endif
    ++p_->points;
    p_->samples += samples;
}

void sweep_ranks::done(std::uint64_t* points, std::uint64_t* samples) {
#ifdef SPIKEBAR_HAVE_MPI
    if (p_->mpi) {
        std::int64_t got[2] = {0, 0};
        MPI_Fetch_and_op(nullptr, &got[0], MPI_INT64_T, 0, 1, MPI_NO_OP, p_->win);
        MPI_Fetch_and_op(nullptr, &got[1], MPI_INT64_T, 0, 2, MPI_NO_OP, p_->win);
        MPI_Win_flush(0, p_->win);
        *points = std::uint64_t(got[0]);
        *samples = std::uint64_t(got[1]);
        return;
    }
#endif
    *points = p_->points;
    *samples = p_->samples;
}

void sweep_ranks::close() {
#ifdef SPIKEBAR_HAVE_MPI
    if (!p_->mpi || p_->win == MPI_WIN_NULL) return;
    MPI_Win_unlock_all(p_->win);
    MPI_Win_free(&p_->win);
    p_->win = MPI_WIN_NULL;
#endif
}

void sweep_ranks::barrier() {
#ifdef SPIKEBAR_HAVE_MPI
    if (p_->mpi) MPI_Barrier(MPI_COMM_WORLD);
#endif
}

void sweep_ranks::abort(int code) {
    std::fflush(stdout);
    std::fflush(stderr);
#ifdef SPIKEBAR_HAVE_MPI
    if (p_->mpi) MPI_Abort(MPI_COMM_WORLD, code);
#endif
    (void)code;
    std::abort();  // one process reports errors by exception, never through here
}

}  // namespace experiments
