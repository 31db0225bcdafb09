// Event binning and the from-events converter (see event_frames.hpp, docs/datasets.md).
#include "experiments/io/event_frames.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <tuple>
#include <utility>

#include "common/errors.hpp"
#include "common/h5.hpp"
#include "experiments/io/h5_read.hpp"

namespace fs = std::filesystem;

namespace experiments {

namespace {

// (t - t0) * F can exceed 64 bits for spans near 2^63 us; the product is exact in 128.
__extension__ typedef unsigned __int128 u128;

constexpr int max_frames = 1024;   // network.timesteps' bound [steps]
constexpr int max_sensor = 65536;  // [pixels]
constexpr std::int64_t labels_max = 256;

}  // namespace

void binning_params::validate() const {
    if (frames < 1 || frames > max_frames)
        throw spikebar::config_error("--frames = " + std::to_string(frames) + ": must be in [1, " +
                                     std::to_string(max_frames) + "] [frames]");
    if (width < 1 || width > max_sensor || height < 1 || height > max_sensor)
        throw spikebar::config_error("--sensor = " + std::to_string(width) + "x" +
                                     std::to_string(height) + ": width and height must be in [1, " +
                                     std::to_string(max_sensor) + "] [pixels]");
    if (duration_us < 0)
        throw spikebar::config_error("--duration = " + std::to_string(duration_us) +
                                     ": must be > 0 [us]");
}

std::size_t bin_events(const event_list& e, const binning_params& p, float* out,
                       const std::string& where) {
    std::fill(out, out + p.frame_values(), 0.0f);
    const std::size_t n = e.size();
    const std::size_t plane = std::size_t(p.height) * p.width;
    for (std::size_t k = 0; k < n; ++k) {
        const auto bad = [&](const std::string& what) {
            throw spikebar::io_error(where + "event " + std::to_string(k) + " " + what);
        };
        if (e.t[k] < 0) bad("has t = " + std::to_string(e.t[k]) + ", expected t >= 0 [us]");
        if (e.x[k] < 0 || e.x[k] >= p.width || e.y[k] < 0 || e.y[k] >= p.height)
            bad("at x = " + std::to_string(e.x[k]) + ", y = " + std::to_string(e.y[k]) +
                " is outside the " + std::to_string(p.width) + " x " + std::to_string(p.height) +
                " sensor");
        if (e.p[k] < -1 || e.p[k] > 1)
            bad("has p = " + std::to_string(e.p[k]) + ", expected 1 (ON), 0 or -1 (OFF)");
    }
    if (n == 0) return 0;
    std::int64_t t0 = 0, span = p.duration_us;
    if (span == 0) {
        const auto mm = std::minmax_element(e.t.begin(), e.t.end());
        t0 = *mm.first;
        span = *mm.second - t0 + 1;
    }
    std::size_t dropped = 0;
    for (std::size_t k = 0; k < n; ++k) {
        const std::uint64_t dt = std::uint64_t(e.t[k] - t0);
        if (dt >= std::uint64_t(span)) {
            ++dropped;
            continue;
        }
        const auto f = static_cast<std::size_t>(u128(dt) * u128(p.frames) / u128(span));
        const std::size_t c = e.p[k] == 1 ? 1 : 0;
        out[(f * 2 + c) * plane + std::size_t(e.y[k]) * p.width + std::size_t(e.x[k])] += 1.0f;
    }
    return dropped;
}

event_list read_nmnist(const std::string& path) {
    const std::string where = "N-MNIST " + path + ": ";
    std::ifstream f(path, std::ios::binary);
    if (!f) throw spikebar::io_error(where + "cannot open");
    const std::vector<unsigned char> b((std::istreambuf_iterator<char>(f)),
                                       std::istreambuf_iterator<char>());
    if (f.bad()) throw spikebar::io_error(where + "read failed");
    if (b.size() % 5 != 0)
        throw spikebar::io_error(where + "file holds " + std::to_string(b.size()) +
                                 " bytes, not a whole number of 5-byte events");
    event_list e;
    const std::size_t n = b.size() / 5;
    e.t.resize(n);
    e.x.resize(n);
    e.y.resize(n);
    e.p.resize(n);
    for (std::size_t k = 0; k < n; ++k) {
        const unsigned char* r = b.data() + 5 * k;
        e.x[k] = r[0];
        e.y[k] = r[1];
        e.p[k] = r[2] >> 7;
        e.t[k] = (std::int64_t(r[2] & 0x7f) << 16) | (std::int64_t(r[3]) << 8) | r[4];
    }
    return e;
}

namespace {

// One set to convert: its samples, read one at a time.
struct event_source {
    virtual ~event_source() = default;
    virtual std::size_t samples() const = 0;
    virtual std::uint8_t label(std::size_t i) const = 0;
    virtual event_list read(std::size_t i) const = 0;
    virtual std::string where(std::size_t i) const = 0;  // error prefix for sample i
};

// ---- the HDF5 event table -------------------------------------------------------------

class table_set : public event_source {
public:
    table_set(const h5_reader& r, const std::string& set, std::int64_t num_classes)
        : r_(r), set_(set) {
        for (const char* c : {"t", "x", "y", "p"}) cols_.push_back(column(c, "integers [E]"));
        const std::vector<hsize_t> e = cols_[0].shape();
        for (int c = 1; c < 4; ++c)
            if (cols_[c].shape() != e)
                r_.fail(name(c) + " holds " + std::to_string(cols_[c].shape()[0]) + " events, " +
                        name(0) + " holds " + std::to_string(e[0]));
        const h5_column lab = column("labels", "integer labels [N]");
        const hsize_t n = lab.shape()[0];
        if (n == 0) r_.fail(set_ + "/labels holds no samples");
        const bool given = num_classes > 0;
        const std::int64_t bound = given ? num_classes : labels_max;
        for (const std::int64_t l : lab.read_ints(0, n)) {
            if (l < 0 || l >= bound)
                r_.fail(set_ + "/labels: label " + std::to_string(l) + " at index " +
                        std::to_string(labels_.size()) + " is not in [0, " + std::to_string(bound) +
                        ")" + (given ? " (/@num_classes)" : " (classes are 8-bit)"));
            labels_.push_back(static_cast<std::uint8_t>(l));
        }
        const h5_column off = column("offsets", "integers [N + 1]");
        if (off.shape()[0] != n + 1)
            r_.fail(set_ + "/offsets holds " + std::to_string(off.shape()[0]) +
                    " entries for the " + std::to_string(n) + " samples of " + set_ +
                    "/labels, expected N + 1 = " + std::to_string(n + 1));
        offsets_ = off.read_ints(0, n + 1);
        const std::string o = set_ + "/offsets";
        if (offsets_[0] != 0) r_.fail(o + "[0] = " + std::to_string(offsets_[0]) + ", expected 0");
        for (std::size_t i = 1; i <= n; ++i)
            if (offsets_[i] < offsets_[i - 1])
                r_.fail(o + "[" + std::to_string(i) + "] = " + std::to_string(offsets_[i]) +
                        " is less than " + o + "[" + std::to_string(i - 1) + "] = " +
                        std::to_string(offsets_[i - 1]) + ", expected nondecreasing offsets");
        if (std::uint64_t(offsets_[n]) != e[0])
            r_.fail(o + "[" + std::to_string(n) + "] = " + std::to_string(offsets_[n]) +
                    ", expected the " + std::to_string(e[0]) + " events of " + name(0));
    }
    std::size_t samples() const override { return labels_.size(); }
    std::uint8_t label(std::size_t i) const override { return labels_[i]; }
    event_list read(std::size_t i) const override {
        const hsize_t b = hsize_t(offsets_[i]), n = hsize_t(offsets_[i + 1] - offsets_[i]);
        event_list e;
        e.t = cols_[0].read_ints(b, n);
        e.x = cols_[1].read_ints(b, n);
        e.y = cols_[2].read_ints(b, n);
        e.p = cols_[3].read_ints(b, n);
        return e;
    }
    std::string where(std::size_t i) const override {
        return "event table " + r_.path() + ": " + (set_.empty() ? "" : set_ + " ") + "sample " +
               std::to_string(i) + ": ";
    }

private:
    std::string name(int c) const { return set_ + "/" + "txyp"[c]; }
    h5_column column(const std::string& n, const std::string& expected) const {
        const std::string path = set_ + "/" + n;
        if (!r_.exists(path)) r_.fail(path + " is missing, expected " + expected);
        h5_column c = r_.open(path);
        if (c.type_class() != H5T_INTEGER)
            r_.fail(path + " holds " + c.type_name() + " values, expected " + expected);
        if (c.shape().size() != 1)
            r_.fail(path + " has shape " + h5::shape_string(c.shape()) + ", expected " + expected);
        return c;
    }
    const h5_reader& r_;
    std::string set_;
    std::vector<h5_column> cols_;
    std::vector<std::uint8_t> labels_;
    std::vector<std::int64_t> offsets_;
};

// ---- N-MNIST folders --------------------------------------------------------------------

class nmnist_set : public event_source {
public:
    explicit nmnist_set(const fs::path& dir) {
        const std::string where = "N-MNIST " + dir.string() + ": ";
        std::vector<std::tuple<std::string, int, std::string>> files;  // (name, label, path)
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator(dir, ec)) {
            if (!entry.is_directory()) continue;
            const std::string n = entry.path().filename().string();
            int label = -1;
            if (!n.empty() && n.size() <= 3 && n.find_first_not_of("0123456789") == n.npos)
                label = std::stoi(n);
            if (label < 0 || label >= labels_max)
                throw spikebar::io_error(where + "folder '" + n +
                                         "' is not a class label, expected folders 0, 1, ... "
                                         "named by class");
            for (const auto& fe : fs::directory_iterator(entry.path(), ec))
                if (fe.is_regular_file() && fe.path().extension() == ".bin")
                    files.emplace_back(fe.path().filename().string(), label, fe.path().string());
        }
        if (ec) throw spikebar::io_error(where + "cannot list (" + ec.message() + ")");
        if (files.empty())
            throw spikebar::io_error(where + "no .bin files in class folders 0/, 1/, ...");
        std::sort(files.begin(), files.end());
        for (const auto& [name, label, path] : files) {
            labels_.push_back(static_cast<std::uint8_t>(label));
            paths_.push_back(path);
        }
    }
    std::size_t samples() const override { return paths_.size(); }
    std::uint8_t label(std::size_t i) const override { return labels_[i]; }
    event_list read(std::size_t i) const override { return read_nmnist(paths_[i]); }
    std::string where(std::size_t i) const override { return "N-MNIST " + paths_[i] + ": "; }

private:
    std::vector<std::uint8_t> labels_;
    std::vector<std::string> paths_;
};

// Writes one set, sample by sample: memory holds one sample's events and frames.
converted_set write_set(const h5::file& out, const std::string& set, const event_source& src,
                        const binning_params& bin) {
    converted_set c;
    c.name = set;
    c.samples = src.samples();
    const std::vector<hsize_t> dims = {c.samples, hsize_t(bin.frames), 2, hsize_t(bin.height),
                                       hsize_t(bin.width)};
    std::vector<hsize_t> one = dims;
    one[0] = 1;
    h5::slab_writer w(out, set + "/inputs", H5T_IEEE_F32LE, dims, one);
    std::vector<float> frames(bin.frame_values());
    std::vector<std::uint8_t> labels(c.samples);
    for (std::size_t i = 0; i < c.samples; ++i) {
        const event_list e = src.read(i);
        c.events += e.size();
        c.dropped += bin_events(e, bin, frames.data(), src.where(i));
        w.write({i, 0, 0, 0, 0}, one, H5T_NATIVE_FLOAT, frames.data());
        labels[i] = src.label(i);
    }
    h5::write_uint8s(out, set + "/labels", {c.samples}, labels.data());
    h5::write_attr(out, set.empty() ? "/" : set, "dropped_events", std::int64_t(c.dropped));
    return c;
}

std::vector<converted_set> convert_into(const from_events_options& o, const h5::file& out,
                                        std::string& format) {
    std::vector<converted_set> done;
    std::int64_t classes = 0;
    std::error_code ec;
    if (format.empty()) format = fs::is_directory(o.in, ec) ? "nmnist" : "table";
    if (format == "nmnist") {
        if (!fs::is_directory(o.in, ec))
            throw spikebar::io_error("N-MNIST " + o.in +
                                     ": not a folder, expected the folder holding Train/ and "
                                     "Test/ or the class folders 0/ ... 9/");
        const fs::path in(o.in);
        std::vector<std::pair<std::string, fs::path>> sets;
        const bool tr = fs::is_directory(in / "Train", ec), te = fs::is_directory(in / "Test", ec);
        if (tr != te)
            throw spikebar::io_error("N-MNIST " + o.in + ": has " + (tr ? "Train/" : "Test/") +
                                     " but no " + (tr ? "Test/" : "Train/"));
        if (tr)
            sets = {{"/train", in / "Train"}, {"/test", in / "Test"}};
        else
            sets = {{"", in}};
        std::vector<std::unique_ptr<nmnist_set>> srcs;
        for (const auto& s : sets) srcs.push_back(std::make_unique<nmnist_set>(s.second));
        for (std::size_t k = 0; k < sets.size(); ++k) {
            done.push_back(write_set(out, sets[k].first, *srcs[k], o.bin));
            for (std::size_t i = 0; i < srcs[k]->samples(); ++i)
                classes = std::max<std::int64_t>(classes, srcs[k]->label(i) + 1);
        }
    } else if (format == "table") {
        const h5_reader r(o.in, "event table");
        std::int64_t given = 0;
        if (r.has_attr("/", "num_classes")) {
            given = r.int_attr("/", "num_classes");
            if (given < 1 || given > labels_max)
                r.fail("/@num_classes = " + std::to_string(given) +
                       ", expected an integer in [1, 256]");
        }
        const bool one = r.exists("/t"), two = r.exists("/train") || r.exists("/test");
        if (one && two)
            r.fail(
                "holds both /t and a /train or /test group, expected one layout "
                "(docs/datasets.md)");
        if (!one && !two) r.fail("holds neither /t, /x, /y, /p ... nor /train and /test groups");
        std::vector<std::string> sets = {""};
        if (two) {
            for (const char* s : {"/train", "/test"})
                if (!r.exists(s)) r.fail(std::string("has no ") + s + " group");
            sets = {"/train", "/test"};
        }
        std::vector<std::unique_ptr<table_set>> srcs;
        for (const auto& s : sets) srcs.push_back(std::make_unique<table_set>(r, s, given));
        for (std::size_t k = 0; k < sets.size(); ++k) {
            done.push_back(write_set(out, sets[k], *srcs[k], o.bin));
            for (std::size_t i = 0; i < srcs[k]->samples(); ++i)
                classes = std::max<std::int64_t>(classes, srcs[k]->label(i) + 1);
        }
        if (given) classes = given;
    } else {
        throw spikebar::config_error("dataset from-events: --format = " + format +
                                     ": expected table or nmnist");
    }
    h5::write_attr(out, "/", "num_classes", classes);
    return done;
}

}  // namespace

std::vector<converted_set> convert_events(const from_events_options& o) {
    o.bin.validate();
    const std::string tmp = o.out + ".tmp";
    std::vector<converted_set> done;
    try {
        std::string format = o.format;
        {
            const h5::file out = h5::file::create(tmp);
            done = convert_into(o, out, format);
            h5::write_attr(out, "/", "source", o.in);
            h5::write_attr(out, "/", "source_format", format);
            h5::write_attr(out, "/", "frames", std::int64_t(o.bin.frames));
            h5::write_attr(out, "/", "sensor",
                           std::vector<std::int64_t>{o.bin.width, o.bin.height});
            h5::write_attr(out, "/", "duration_us", o.bin.duration_us);
        }
        h5::commit_file(tmp, o.out);
    } catch (...) {
        std::remove(tmp.c_str());
        throw;
    }
    return done;
}

}  // namespace experiments
