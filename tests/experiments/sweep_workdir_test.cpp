// The crash-safe work directory of a sweep (experiments/sweep/sweep_workdir.hpp) against
// the protocol docs/sweep.md states: a fresh run creates the directory, its manifest and
// its lock; an existing directory needs --resume and the same manifest; one process at a
// time; leftovers of a killed run (.tmp files) go; a file with a point's name that is not
// that point stops the sweep, named. The references are the states written out by hand.
#include "experiments/sweep/sweep_workdir.hpp"

#include <doctest/doctest.h>
#include <hdf5.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/errors.hpp"
#include "experiments/sweep/sweep.hpp"

namespace fs = std::filesystem;
using experiments::sweep_workdir;

namespace {

struct scratch {
    fs::path dir;
    scratch() : dir(fs::temp_directory_path() / ("spikebar_workdir_test_" + std::to_string(::getpid()))) {
        fs::remove_all(dir);
        fs::create_directories(dir);
    }
    ~scratch() { fs::remove_all(dir); }
    std::string out() const { return (dir / "s.h5").string(); }
};

experiments::sweep_spec spec(const std::string& values) {
    return experiments::plan_sweep("[sweep]\nwires.r_row_ohm = " + values + "\n", "config s.ini",
                                   {}, "m.h5");
}

void touch(const std::string& path, const std::string& text = "x") { std::ofstream(path) << text; }

std::string config_error_of(sweep_workdir& w, bool resume, const std::vector<std::size_t>& mine) {
    try {
        w.open(resume, mine);
    } catch (const spikebar::config_error& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

TEST_CASE("a fresh sweep creates the directory, manifest and lock; every point is to do") {
    scratch t;
    const auto s = spec("0, 1, 2");
    sweep_workdir w(t.out(), s, 0, 1);
    const auto st = w.open(false, {0, 1, 2});
    CHECK_FALSE(st.complete);
    CHECK(st.done == 0);
    CHECK(st.todo == std::vector<std::uint64_t>{0, 1, 2});
    CHECK(w.path() == t.out() + ".work");
    CHECK(fs::exists(w.path() + "/lock"));
    std::ifstream m(w.path() + "/sweep.txt");
    const std::string manifest((std::istreambuf_iterator<char>(m)), {});
    CHECK(manifest == sweep_workdir::manifest_text(s, 0, 1));
    CHECK(manifest.find("fingerprint = " + s.fingerprint + "\npoints = 3\nshard = 0/1\n") !=
          std::string::npos);
    CHECK(w.point_file(2) == w.path() + "/point_00002.h5");
    CHECK_THROWS_WITH_AS(w.sources({0}), (w.point_file(0) + ": missing after the sweep ran").c_str(),
                         spikebar::io_error);
    w.remove();
    CHECK_FALSE(fs::exists(w.path()));
}

TEST_CASE("an existing directory needs --resume, the same sweep, and no other process") {
    scratch t;
    const auto s = spec("0, 1");
    sweep_workdir first(t.out(), s, 0, 1);
    first.open(false, {0, 1});
    const std::string work = t.out() + ".work";

    sweep_workdir again(t.out(), s, 0, 1);
    CHECK(config_error_of(again, false, {0, 1}) ==
          "sweep: " + work +
              " exists (an interrupted sweep?): continue it with --resume, or remove it");
    // The first still holds the lock (flock is per open file, so this holds in-process too).
    CHECK(config_error_of(again, true, {0, 1}) ==
          "sweep: another spikebar sweep is running in " + work);
    first.remove();
    CHECK_FALSE(fs::exists(work));

    // Another sweep's directory: a different grid, or another shard of the same one.
    {
        sweep_workdir killed(t.out(), s, 0, 1);
        killed.open(false, {0, 1});
    }  // a killed process: its lock goes with it, the directory stays
    const std::string other =
        "sweep --resume: " + work +
        " belongs to a different sweep or shard (its sweep.txt differs from this config's); "
        "remove it, or use another --out";
    const auto s2 = spec("0, 1, 3");
    {
        sweep_workdir w(t.out(), s2, 0, 1);
        CHECK(config_error_of(w, true, {0, 1, 2}) == other);
    }
    {
        sweep_workdir w(t.out(), s, 1, 2);
        CHECK(config_error_of(w, true, {1}) == other);
    }
    sweep_workdir resumed(t.out(), s, 0, 1);
    CHECK(resumed.open(true, {0, 1}).todo == std::vector<std::uint64_t>{0, 1});
}

TEST_CASE("resume removes .tmp leftovers and refuses a point file that is not its point") {
    scratch t;
    const auto s = spec("0, 1, 2");
    {
        sweep_workdir w(t.out(), s, 0, 1);
        w.open(false, {0, 1, 2});
    }
    const std::string work = t.out() + ".work";
    touch(work + "/point_00001.h5.tmp");
    touch(work + "/sweep.txt.tmp");
    {
        sweep_workdir w(t.out(), s, 0, 1);
        const auto st = w.open(true, {0, 1, 2});
        CHECK(st.todo == std::vector<std::uint64_t>{0, 1, 2});
        CHECK_FALSE(fs::exists(work + "/point_00001.h5.tmp"));
        CHECK_FALSE(fs::exists(work + "/sweep.txt.tmp"));
    }
    // Not HDF5 at all, and an HDF5 file that is no run file: both stop the sweep, named.
    touch(work + "/point_00001.h5", "not HDF5");
    {
        sweep_workdir w(t.out(), s, 0, 1);
        CHECK_THROWS_WITH_AS(w.open(true, {0, 1, 2}),
                             (work + "/point_00001.h5: not an HDF5 file").c_str(),
                             spikebar::io_error);
    }
    fs::remove(work + "/point_00001.h5");
    const hid_t f = H5Fcreate((work + "/point_00001.h5").c_str(), H5F_ACC_TRUNC, H5P_DEFAULT,
                              H5P_DEFAULT);
    REQUIRE(f >= 0);
    H5Fclose(f);
    sweep_workdir w(t.out(), s, 0, 1);
    try {
        w.open(true, {0, 1, 2});
        FAIL("a foreign point file was accepted");
    } catch (const spikebar::io_error& e) {
        const std::string msg = e.what();
        INFO(msg);
        CHECK(msg.rfind(work + "/point_00001.h5: ", 0) == 0);
    }
}

TEST_CASE("killed before the manifest was renamed: fresh without points, refused with them") {
    scratch t;
    const auto s = spec("0, 1");
    const std::string work = t.out() + ".work";
    fs::create_directories(work);
    {
        sweep_workdir w(t.out(), s, 0, 1);
        CHECK(w.open(true, {0, 1}).todo.size() == 2);
        CHECK(fs::exists(work + "/sweep.txt"));
    }
    fs::remove(work + "/sweep.txt");
    touch(work + "/point_00000.h5");
    sweep_workdir w(t.out(), s, 0, 1);
    CHECK(config_error_of(w, true, {0, 1}).rfind("sweep --resume: " + work + " belongs to", 0) == 0);
}
