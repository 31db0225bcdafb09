// Event binning and `spikebar dataset from-events` (docs/datasets.md) against counts worked
// out by hand, the N-MNIST 40-bit event layout (Orchard et al. 2015, the Read_Ndataset.m
// reader of garrickorchard.com/datasets/n-mnist), and exact messages for bad input.
#include "experiments/io/event_frames.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "app/commands.hpp"
#include "common/errors.hpp"
#include "common/h5.hpp"
#include "experiments/io/tensor_dataset.hpp"
#include "h5_fixture.hpp"

using experiments::binning_params;
using experiments::event_list;
using h5_fixture::temp_dir;
using h5_fixture::writer;

namespace {

event_list events(std::vector<std::int64_t> t, std::vector<std::int64_t> x,
                  std::vector<std::int64_t> y, std::vector<std::int64_t> p) {
    event_list e;
    e.t = std::move(t);
    e.x = std::move(x);
    e.y = std::move(y);
    e.p = std::move(p);
    return e;
}

// out[f][c][y][x] of a [F, 2, H, W] frame tensor.
float at(const std::vector<float>& v, const binning_params& b, int f, int c, int y, int x) {
    return v[((std::size_t(f) * 2 + c) * b.height + y) * b.width + x];
}

void write_bytes(const std::string& path, const std::vector<unsigned char>& b) {
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
}

// One N-MNIST event: x, y, polarity bit 23, timestamp bits 22..0.
void nmnist_event(std::vector<unsigned char>& b, int x, int y, int p, std::uint32_t t) {
    b.push_back((unsigned char)x);
    b.push_back((unsigned char)y);
    b.push_back((unsigned char)((p << 7) | ((t >> 16) & 0x7f)));
    b.push_back((unsigned char)((t >> 8) & 0xff));
    b.push_back((unsigned char)(t & 0xff));
}

}  // namespace

TEST_CASE("events bin into F equal time bins of their span, by polarity, as counted by hand") {
    binning_params b;
    b.frames = 3;
    b.width = 3;
    b.height = 2;
    // span: t0 = 100, D = 160 - 100 + 1 = 61; f = floor((t - 100) * 3 / 61):
    //   t = 100 -> 0, 120 -> floor(60/61) = 0, 121 -> floor(63/61) = 1, 140 -> floor(120/61) = 1,
    //   141 -> floor(123/61) = 2, 160 -> floor(180/61) = 2.
    const event_list e = events({120, 100, 121, 140, 141, 160, 100},  //
                                {0, 2, 1, 1, 0, 2, 2},                //
                                {0, 1, 1, 1, 0, 0, 1},                //
                                {1, 0, -1, 1, 1, 0, 0});
    std::vector<float> out(b.frame_values(), -7.0f);  // overwritten, not added to
    CHECK(experiments::bin_events(e, b, out.data(), "") == 0);
    std::vector<float> want(b.frame_values(), 0.0f);
    const auto put = [&](int f, int c, int y, int x, float n) {
        want[((std::size_t(f) * 2 + c) * b.height + y) * b.width + x] = n;
    };
    put(0, 1, 0, 0, 1);  // t 120, ON
    put(0, 0, 1, 2, 2);  // t 100 twice at (2, 1), OFF
    put(1, 0, 1, 1, 1);  // t 121, p = -1 is OFF
    put(1, 1, 1, 1, 1);  // t 140, ON
    put(2, 1, 0, 0, 1);  // t 141, ON
    put(2, 0, 0, 2, 1);  // t 160, OFF
    CHECK(out == want);
    CHECK(at(out, b, 0, 0, 1, 2) == 2.0f);
}

TEST_CASE("a fixed window bins [0, D) and drops later events") {
    binning_params b;
    b.frames = 4;
    b.width = 2;
    b.height = 1;
    b.duration_us = 1000;  // bins of 250 us from t = 0
    const event_list e =
        events({0, 249, 250, 999, 1000, 5000, 500},  //
               {0, 1, 0, 1, 0, 0, 1}, {0, 0, 0, 0, 0, 0, 0}, {1, 1, 0, 1, 1, 1, 0});
    std::vector<float> out(b.frame_values());
    CHECK(experiments::bin_events(e, b, out.data(), "") == 2);  // t = 1000 and 5000
    CHECK(at(out, b, 0, 1, 0, 0) == 1);                         // t 0
    CHECK(at(out, b, 0, 1, 0, 1) == 1);                         // t 249
    CHECK(at(out, b, 1, 0, 0, 0) == 1);                         // t 250
    CHECK(at(out, b, 2, 0, 0, 1) == 1);                         // t 500
    CHECK(at(out, b, 3, 1, 0, 1) == 1);                         // t 999
    float total = 0;
    for (float v : out) total += v;
    CHECK(total == 5);
    // No events: all zero frames.
    std::vector<float> empty(b.frame_values(), 3.0f);
    CHECK(experiments::bin_events(event_list{}, b, empty.data(), "") == 0);
    CHECK(empty == std::vector<float>(b.frame_values(), 0.0f));
}

TEST_CASE("bad events name the sample and the event") {
    binning_params b;
    b.frames = 2;
    b.width = 34;
    b.height = 34;
    std::vector<float> out(b.frame_values());
    const auto expect = [&](const event_list& e, const std::string& msg) {
        CHECK_THROWS_WITH_AS(experiments::bin_events(e, b, out.data(), "S: "), msg.c_str(),
                             spikebar::io_error);
    };
    expect(events({0, 1}, {3, 34}, {0, 0}, {0, 0}),
           "S: event 1 at x = 34, y = 0 is outside the 34 x 34 sensor");
    expect(events({0}, {3}, {-1}, {0}),
           "S: event 0 at x = 3, y = -1 is outside the 34 x 34 sensor");
    expect(events({0, -4}, {3, 3}, {0, 0}, {0, 0}), "S: event 1 has t = -4, expected t >= 0 [us]");
    expect(events({0}, {3}, {0}, {2}), "S: event 0 has p = 2, expected 1 (ON), 0 or -1 (OFF)");
    binning_params bad = b;
    bad.frames = 0;
    CHECK_THROWS_WITH_AS(bad.validate(), "--frames = 0: must be in [1, 1024] [frames]",
                         spikebar::config_error);
}

TEST_CASE("N-MNIST 40-bit events decode as x, y, polarity and a 23-bit timestamp") {
    temp_dir dir;
    const std::string path = dir / "00001.bin";
    std::vector<unsigned char> b;
    nmnist_event(b, 33, 7, 1, 0x7fffff);  // largest timestamp: 8388607 us
    nmnist_event(b, 0, 33, 0, 0x012345);
    // Hand-made bytes of one event: x 5, y 6, ON, t = 0x01 << 16 | 0x02 << 8 | 0x03 = 66051.
    for (unsigned char c : {5, 6, 0x81, 0x02, 0x03}) b.push_back(c);
    write_bytes(path, b);
    const event_list e = experiments::read_nmnist(path);
    CHECK(e.x == std::vector<std::int64_t>{33, 0, 5});
    CHECK(e.y == std::vector<std::int64_t>{7, 33, 6});
    CHECK(e.p == std::vector<std::int64_t>{1, 0, 1});
    CHECK(e.t == std::vector<std::int64_t>{8388607, 0x012345, 66051});
    b.pop_back();
    write_bytes(path, b);
    CHECK_THROWS_WITH_AS(experiments::read_nmnist(path),
                         ("N-MNIST " + path +
                          ": file holds 14 bytes, not a whole number of "
                          "5-byte events")
                             .c_str(),
                         spikebar::io_error);
}

TEST_CASE("from-events turns an HDF5 event table into the tensor file eval reads") {
    temp_dir dir;
    const std::string in = dir / "events.h5", out = dir / "frames.h5";
    // Two samples on a 2 x 1 sensor, two frames of their own spans:
    //   sample 0: t 10 (x 0 ON), 20 (x 1 OFF), 30 (x 1 ON): D = 21, f = 0, floor(20/21) = 0,
    //             floor(40/21) = 1;
    //   sample 1: t 5 (x 0 OFF): one event, D = 1, f = 0.
    {
        writer w(in);
        w.ints("/t", {10, 20, 30, 5}, H5T_STD_U32LE);
        w.ints("/x", {0, 1, 1, 0}, H5T_STD_U16LE);
        w.ints("/y", {0, 0, 0, 0}, H5T_STD_U16LE);
        w.ints("/p", {1, 0, 1, 0}, H5T_STD_I8LE);
        w.ints("/offsets", {0, 3, 4}, H5T_STD_I64LE);
        w.ints("/labels", {3, 1});
    }
    experiments::from_events_options o;
    o.in = in;
    o.out = out;
    o.bin.frames = 2;
    o.bin.width = 2;
    o.bin.height = 1;
    const auto sets = experiments::convert_events(o);
    REQUIRE(sets.size() == 1);
    CHECK(sets[0].samples == 2);
    CHECK(sets[0].events == 4);
    CHECK(!std::filesystem::exists(out + ".tmp"));
    const snn::dataset d = experiments::load_tensor(out, "test", experiments::frame_inputs::accept);
    CHECK(d.frames == 2);
    CHECK(d.channels == 2);
    CHECK(d.height == 1);
    CHECK(d.width == 2);
    CHECK(d.num_classes == 4);  // written as 1 + the largest label
    CHECK(d.labels == std::vector<std::uint8_t>{3, 1});
    // [N][F][C][H][W] with C = (OFF, ON), W = 2.
    const std::vector<float> want = {// sample 0: f0 OFF (x1), f0 ON (x0), f1 OFF none, f1 ON (x1)
                                     0, 1, 1, 0, 0, 0, 0, 1,
                                     // sample 1: f0 OFF (x0)
                                     1, 0, 0, 0, 0, 0, 0, 0};
    CHECK(d.images == want);
    const h5::file f = h5::file::open_read(out);
    CHECK(h5::read_attr_string(f, "/", "source_format") == "table");
    CHECK(h5::read_attr_int(f, "/", "frames") == 2);
    CHECK(h5::read_attr_ints(f, "/", "sensor") == std::vector<std::int64_t>{2, 1});
}

TEST_CASE("from-events reads N-MNIST folders into /train and /test, ordered by file name") {
    temp_dir dir;
    for (const char* p : {"Train/0", "Train/3", "Test/1"})
        std::filesystem::create_directories(dir.path / p);
    std::vector<unsigned char> a, b, c;
    nmnist_event(a, 1, 2, 1, 0);         // Train/3/00000.bin
    nmnist_event(a, 1, 2, 1, 299999);    // the window's last microsecond: kept
    nmnist_event(b, 33, 33, 0, 150000);  // Train/0/00001.bin
    nmnist_event(b, 0, 0, 0, 300000);    // after the window: dropped
    nmnist_event(c, 4, 5, 1, 100000);    // Test/1/00007.bin
    write_bytes(dir / "Train/3/00000.bin", a);
    write_bytes(dir / "Train/0/00001.bin", b);
    write_bytes(dir / "Test/1/00007.bin", c);
    write_bytes(dir / "Train/0/notes.txt", {1, 2, 3});  // not a .bin file: ignored
    write_bytes(dir / "Train/3/00002.bin", {});         // no events: all-zero frames
    write_bytes(dir / "Train/0/00003.bin", {});
    experiments::from_events_options o;
    o.in = dir.path.string();
    o.out = dir / "nmnist.h5";
    o.bin.frames = 3;
    o.bin.width = 34;
    o.bin.height = 34;
    o.bin.duration_us = 300000;  // three 100 ms saccades, one per frame
    const auto sets = experiments::convert_events(o);
    REQUIRE(sets.size() == 2);
    CHECK(sets[0].name == "/train");
    CHECK(sets[0].samples == 4);
    CHECK(sets[0].dropped == 1);
    CHECK(sets[1].name == "/test");
    const auto accept = experiments::frame_inputs::accept;
    const snn::dataset tr = experiments::load_tensor(o.out, "train", accept);
    // By file name across the class folders: 00000 (3), 00001 (0), 00002 (3), 00003 (0).
    CHECK(tr.labels == std::vector<std::uint8_t>{3, 0, 3, 0});
    binning_params b34 = o.bin;
    const std::vector<float> s0(tr.image(0), tr.image(0) + tr.sample_size());
    const std::vector<float> s1(tr.image(1), tr.image(1) + tr.sample_size());
    CHECK(at(s0, b34, 0, 1, 2, 1) == 1);    // t 0: frame 0
    CHECK(at(s0, b34, 2, 1, 2, 1) == 1);    // t 299999: frame floor(899997/300000) = 2
    CHECK(at(s1, b34, 1, 0, 33, 33) == 1);  // t 150000: frame 1
    float total = 0;
    for (float v : tr.images) total += v;
    CHECK(total == 3);
    const snn::dataset te = experiments::load_tensor(o.out, "test", accept);
    CHECK(te.labels == std::vector<std::uint8_t>{1});
    CHECK(te.image(0)[(1 * 2 + 1) * 34 * 34 + 5 * 34 + 4] == 1);  // t 100000: frame 1
    CHECK(te.num_classes == 4);
}

TEST_CASE("bad event tables give one exact line and leave no output file") {
    temp_dir dir;
    const std::string in = dir / "ev.h5", out = dir / "out.h5";
    const std::string pre = "event table " + in + ": ";
    experiments::from_events_options o;
    o.in = in;
    o.out = out;
    o.bin.frames = 2;
    o.bin.width = 4;
    o.bin.height = 4;
    struct table {
        std::vector<std::int64_t> t{0, 1, 2}, x{0, 1, 2}, y{0, 0, 0}, p{1, 0, 1}, offsets{0, 2, 3},
            labels{0, 1};
    };
    const auto write = [&](const table& tb, const char* skip = "") {
        writer w(in);
        const std::pair<const char*, const std::vector<std::int64_t>*> cols[] = {
            {"t", &tb.t},
            {"x", &tb.x},
            {"y", &tb.y},
            {"p", &tb.p},
            {"offsets", &tb.offsets},
            {"labels", &tb.labels}};
        for (const auto& [name, v] : cols)
            if (std::string(name) != skip) w.ints(std::string("/") + name, *v);
    };
    const auto expect = [&](const std::string& msg) {
        CAPTURE(msg);
        CHECK_THROWS_WITH_AS(experiments::convert_events(o), msg.c_str(), spikebar::io_error);
        CHECK(!std::filesystem::exists(out));
        CHECK(!std::filesystem::exists(out + ".tmp"));
    };
    table tb;
    SUBCASE("good") {
        write(tb);
        CHECK(experiments::convert_events(o).at(0).samples == 2);
    }
    SUBCASE("missing column") {
        write(tb, "y");
        expect(pre + "/y is missing, expected integers [E]");
    }
    SUBCASE("length mismatch") {
        tb.p = {1, 0};
        write(tb);
        expect(pre + "/p holds 2 events, /t holds 3");
    }
    SUBCASE("offsets count") {
        tb.offsets = {0, 3};
        write(tb);
        expect(pre + "/offsets holds 2 entries for the 2 samples of /labels, expected N + 1 = 3");
    }
    SUBCASE("offsets start") {
        tb.offsets = {1, 2, 3};
        write(tb);
        expect(pre + "/offsets[0] = 1, expected 0");
    }
    SUBCASE("offsets decrease") {
        tb.offsets = {0, 2, 1};
        write(tb);
        expect(pre +
               "/offsets[2] = 1 is less than /offsets[1] = 2, expected nondecreasing offsets");
    }
    SUBCASE("offsets end") {
        tb.offsets = {0, 1, 2};
        write(tb);
        expect(pre + "/offsets[2] = 2, expected the 3 events of /t");
    }
    SUBCASE("label out of range") {
        tb.labels = {0, 300};
        write(tb);
        expect(pre + "/labels: label 300 at index 1 is not in [0, 256) (classes are 8-bit)");
    }
    SUBCASE("float times") {
        {
            writer w(in);
            w.floats("/t", {3}, {0, 1, 2});
        }
        expect(pre + "/t holds float32 values, expected integers [E]");
    }
    SUBCASE("an event off the sensor") {
        tb.x = {0, 1, 4};
        write(tb);
        expect(pre + "sample 1: event 0 at x = 4, y = 0 is outside the 4 x 4 sensor");
    }
    SUBCASE("split layout without /test") {
        {
            writer w(in);
            w.group("/train");
        }
        expect(pre + "has no /test group");
    }
}

TEST_CASE("spikebar dataset from-events checks its flags before it reads anything") {
    temp_dir dir;
    const std::string out = dir / "o.h5";
    const auto expect = [&](const experiments::args& a, const std::string& msg) {
        CAPTURE(msg);
        CHECK_THROWS_WITH_AS(experiments::cmd_dataset(a), msg.c_str(), spikebar::config_error);
        CHECK(!std::filesystem::exists(out));
    };
    const std::string in = dir / "missing.h5";
    expect({"from-events", "--in", in, "--out", out, "--frames", "4", "--sensor", "34"},
           "dataset from-events: --sensor = '34': expected WIDTHxHEIGHT, e.g. 34x34");
    expect({"from-events", "--in", in, "--out", out, "--frames", "0", "--sensor", "34x34"},
           "dataset from-events: --frames = '0': expected an integer in [1, 1024] [frames]");
    expect({"from-events", "--in", in, "--out", out, "--frames", "4", "--sensor", "34xa"},
           "dataset from-events: --sensor height = 'a': expected an integer in [1, 65536] "
           "[pixels]");
    expect({"from-events", "--in", in, "--out", out, "--frames", "4", "--sensor", "34x34",
            "--format", "dvs"},
           "dataset from-events: --format = 'dvs': expected table or nmnist");
    expect({"from-events", "--in", in, "--out", out, "--sensor", "34x34"},
           "dataset from-events: --frames is required (see spikebar dataset from-events --help)");
    expect({"to-events"}, "dataset: unknown subcommand 'to-events': expected from-events");
    CHECK_THROWS_WITH_AS(experiments::cmd_dataset({"from-events", "--in", in, "--out", out,
                                                   "--frames", "4", "--sensor", "34x34"}),
                         ("event table " + in + ": file does not exist").c_str(),
                         spikebar::io_error);
    CHECK(!std::filesystem::exists(out));
}
