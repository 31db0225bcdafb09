#include "experiments/sweep/sweep_workdir.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "common/errors.hpp"
#include "common/h5.hpp"
#include "experiments/config/config.hpp"

namespace experiments {
namespace {

namespace fs = std::filesystem;

void write_file_atomically(const std::string& path, const std::string& text) {
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << text;
        if (!out) throw spikebar::io_error(tmp + ": cannot write");
    }
    h5::commit_file(tmp, path);
}

bool holds_point_files(const std::string& dir) {
    for (const auto& e : fs::directory_iterator(dir))
        if (e.path().extension() == ".h5") return true;
    return false;
}

}  // namespace

sweep_workdir::sweep_workdir(std::string out_path, const sweep_spec& s, int shard_index,
                             int shard_count)
    : out_(std::move(out_path)), work_(out_ + ".work"), s_(s), si_(shard_index), sn_(shard_count) {}

sweep_workdir::~sweep_workdir() {
    if (lock_fd_ >= 0) ::close(lock_fd_);
}

std::string sweep_workdir::manifest_text(const sweep_spec& s, int si, int sn) {
    return "# spikebar sweep work directory: finished points are point_NNNNN.h5\n"
           "fingerprint = " +
           s.fingerprint + "\npoints = " + std::to_string(s.points.size()) +
           "\nshard = " + std::to_string(si) + "/" + std::to_string(sn) + "\n";
}

void sweep_workdir::lock() {
    const std::string path = work_ + "/lock";
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) throw spikebar::io_error(path + ": cannot open");
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd);
        throw spikebar::config_error("sweep: another spikebar sweep is running in " + work_);
    }
    lock_fd_ = fd;
}

sweep_workdir::state sweep_workdir::open(bool resume, const std::vector<std::size_t>& mine) {
    state st;
    const std::string manifest = work_ + "/sweep.txt";
    const std::string want = manifest_text(s_, si_, sn_);
    if (resume && fs::exists(out_)) {
        const sweep_file_info info = read_sweep_file_info(out_);
        if (info.fingerprint == s_.fingerprint && info.shard_index == si_ &&
            info.shard_count == sn_) {
            st.complete = true;
            fs::remove_all(work_);
            return st;
        }
    }
    if (!fs::exists(work_)) {
        if (resume)
            std::fprintf(stderr, "sweep: %s does not exist: nothing to resume, starting\n",
                         work_.c_str());
        fs::create_directories(work_);
        lock();
        write_file_atomically(manifest, want);
    } else {
        if (!resume)
            throw spikebar::config_error(
                "sweep: " + work_ +
                " exists (an interrupted sweep?): continue it with --resume, or remove it");
        lock();
        std::string have;
        if (fs::exists(manifest)) {
            have = read_config_text(manifest);
        } else if (!holds_point_files(work_)) {
            // Killed before the manifest was renamed: a fresh start.
            write_file_atomically(manifest, want);
            have = want;
        }
        if (have != want)
            throw spikebar::config_error(
                "sweep --resume: " + work_ +
                " belongs to a different sweep or shard (its sweep.txt differs from this "
                "config's); remove it, or use another --out");
    }
    for (const auto& e : fs::directory_iterator(work_))  // left by a killed run
        if (e.path().extension() == ".tmp") fs::remove(e.path());
    for (std::size_t i : mine) {
        const std::string file = point_file(i);
        if (!fs::exists(file)) {
            st.todo.push_back(i);
            continue;
        }
        const std::string why = point_file_mismatch(file, s_.points[i]);
        if (!why.empty())
            throw spikebar::io_error(file + ": not point " + std::to_string(i) +
                                     " of this sweep: " + why +
                                     "; remove it to recompute the point");
        ++st.done;
    }
    return st;
}

std::string sweep_workdir::point_file(std::size_t index) const {
    return work_ + "/" + point_name(index) + ".h5";
}

std::vector<point_source> sweep_workdir::sources(const std::vector<std::size_t>& mine) const {
    std::vector<point_source> out;
    for (std::size_t i : mine) {
        const std::string file = point_file(i);
        if (!fs::exists(file)) throw spikebar::io_error(file + ": missing after the sweep ran");
        out.push_back({i, file, "/"});
    }
    return out;
}

void sweep_workdir::remove() {
    if (lock_fd_ >= 0) ::close(lock_fd_);
    lock_fd_ = -1;
    fs::remove_all(work_);
}

}  // namespace experiments
