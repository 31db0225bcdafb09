// Test helper: writes run files (format version 2, docs/output-format.md) with the HDF5 C API
// directly, independently of the run writer, so the offline tools are checked against the
// documented format. A fake_run holds every dataset; write_run can break one thing at a time.
#pragma once
#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "earlyexit/controller.hpp"
#include "experiments/config/config.hpp"

namespace run_fixture {

struct fake_run {
    int C = 1, N = 1, T = 1, K = 2;
    std::vector<std::string> rows{"conv1", "linear1", "control"};
    std::vector<std::string> components{
        "crossbar_read",   "row_drivers", "dac",          "adc",        "psum_accumulate",
        "digital_synapse", "neuron",      "spike_buffer", "controller", "policy_net"};
    std::vector<float> logits;                              // [C, N, T, K]
    std::vector<double> energy;                             // [C, N, T, R, P] [pJ]
    std::vector<std::uint8_t> labels;                       // [N]
    std::vector<std::uint64_t> index;                       // [N]
    std::vector<std::uint8_t> exit_t, prediction, correct;  // [C, N]
    std::vector<double> energy_pj;       // [C, N]; filled from exit_t by finish()
    std::vector<std::uint8_t> policy_t;  // [N] or empty
    std::string policy = "confidence";
    std::vector<std::string> config_sets;  // --set style overrides of the stored config
    std::int64_t online_exit = 0;

    int R() const { return static_cast<int>(rows.size()); }
    int P() const { return static_cast<int>(components.size()); }
    void resize() {
        logits.assign(std::size_t(C) * N * T * K, 0.f);
        energy.assign(std::size_t(C) * N * T * R() * P(), 0.0);
        labels.assign(N, 0);
        index.resize(N);
        for (int i = 0; i < N; ++i) index[i] = 1000 + std::uint64_t(i);
        exit_t.assign(std::size_t(C) * N, std::uint8_t(T));
        prediction.assign(std::size_t(C) * N, 0);
        correct.assign(std::size_t(C) * N, 0);
    }
    float& o(int c, int i, int t, int j) {  // t 1-based
        return logits[((std::size_t(c) * N + i) * T + (t - 1)) * K + j];
    }
    double& e(int c, int i, int t, int r, int p) {
        return energy[(((std::size_t(c) * N + i) * T + (t - 1)) * R() + r) * P() + p];
    }
    // The documented derived data: e_t = the step's (W+1) x P entries summed rows outer,
    // components inner, in index order, from 0; E_t cumulated in t order; energy_pj = E at
    // exit_t.
    std::vector<double> energy_step() const {
        std::vector<double> s(std::size_t(C) * N * T, 0.0);
        const std::size_t cell = std::size_t(R()) * P();
        for (std::size_t k = 0; k < s.size(); ++k) {
            double sum = 0.0;
            for (std::size_t q = 0; q < cell; ++q) sum += energy[k * cell + q];
            s[k] = sum;
        }
        return s;
    }
    void finish() {
        const std::vector<double> step = energy_step();
        energy_pj.assign(std::size_t(C) * N, 0.0);
        std::vector<double> cum(T);
        for (int c = 0; c < C; ++c)
            for (int i = 0; i < N; ++i) {
                const std::size_t ci = std::size_t(c) * N + i;
                earlyexit::cumulate_energy(step.data() + ci * T, T, cum.data());
                energy_pj[ci] = cum[exit_t[ci] - 1];
            }
    }
};

// A run worked out by hand: C = 2 lanes, N = 3 samples, T = 4, K = 3, labels {0, 1, 2},
// logged with policy confidence, alpha = 0.9 (exit when R = sum_{j != top} exp(S_j - S_top)
// <= 1/9). Lane 0:
//   sample 0: O_1 = [5, 0, 0], then 0        R_1 = 2e^-5 = 0.013          exit 1, pred 0, right
//   sample 1: O = [.5,0,0] [0,3,0] [0,1,0] 0  R_2 = 0.132, R_3 = 0.049    exit 3, pred 1, right
//   sample 2: O_t = [1, 0, 0] every step      R_2 = 2e^-2, R_3 = 2e^-3 = 0.0996  exit 3, pred 0
// Lane 1: all outputs 0, softmax uniform: every sample runs to t = 4, predicts 0.
// Energy entries e(c, i, t, r, p) = 0.5 (p + 1) + r + t / 4 + i + c are multiples of 1/4, so
// every sum of them is exact in any order: e_t = 112.5 + 7.5 t + 30 (i + c) and
// E(c, i, tau) = 112.5 tau + 3.75 tau (tau + 1) + 30 (i + c) tau.
inline double hand_energy(int c, int i, int tau) {
    return 112.5 * tau + 3.75 * tau * (tau + 1) + 30.0 * (i + c) * tau;
}
inline fake_run hand_built_run() {
    fake_run r;
    r.C = 2;
    r.N = 3;
    r.T = 4;
    r.K = 3;
    r.policy = "confidence";
    r.config_sets = {"earlyexit.alpha=0.9"};
    r.resize();
    r.labels = {0, 1, 2};
    r.o(0, 0, 1, 0) = 5.f;
    r.o(0, 1, 1, 0) = 0.5f;
    r.o(0, 1, 2, 1) = 3.f;
    r.o(0, 1, 3, 1) = 1.f;
    for (int t = 1; t <= 4; ++t) r.o(0, 2, t, 0) = 1.f;
    for (int c = 0; c < r.C; ++c)
        for (int i = 0; i < r.N; ++i)
            for (int t = 1; t <= r.T; ++t)
                for (int q = 0; q < r.R(); ++q)
                    for (int p = 0; p < r.P(); ++p)
                        r.e(c, i, t, q, p) = 0.5 * (p + 1) + q + 0.25 * t + i + c;
    r.exit_t = {1, 3, 3, 4, 4, 4};
    r.prediction = {0, 1, 0, 0, 0, 0};
    r.correct = {1, 1, 0, 1, 0, 0};
    r.finish();
    return r;
}

// One thing to break in the written file.
struct breakage {
    std::string omit;                     // dataset not written
    std::string shorten;                  // dataset written with its last axis one shorter
    std::string as_integer;               // float dataset written as int32 (values truncated)
    std::string format = "spikebar-run";  // empty: no format attribute
    std::int64_t format_version = 2;
    int rows_named = -1;  // >= 0: rows attribute names only this many
};

namespace detail {

inline void attr_int(hid_t obj, const char* name, std::int64_t v) {
    const hid_t s = H5Screate(H5S_SCALAR);
    const hid_t a = H5Acreate2(obj, name, H5T_STD_I64LE, s, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, H5T_NATIVE_INT64, &v);
    H5Aclose(a);
    H5Sclose(s);
}

inline void attr_string(hid_t obj, const char* name, const std::string& v) {
    const hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, v.empty() ? 1 : v.size());
    H5Tset_strpad(t, H5T_STR_NULLPAD);
    H5Tset_cset(t, H5T_CSET_UTF8);
    const hid_t s = H5Screate(H5S_SCALAR);
    const hid_t a = H5Acreate2(obj, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
    std::string buf = v.empty() ? std::string(1, '\0') : v;
    H5Awrite(a, t, buf.data());
    H5Aclose(a);
    H5Sclose(s);
    H5Tclose(t);
}

// An array of variable-length strings (what h5py writes for a list of str).
inline void attr_vlen_strings(hid_t obj, const char* name, const std::vector<std::string>& v) {
    const hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    const hsize_t n = v.size();
    const hid_t s = H5Screate_simple(1, &n, nullptr);
    std::vector<const char*> p;
    for (const auto& x : v) p.push_back(x.c_str());
    const hid_t a = H5Acreate2(obj, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, t, p.data());
    H5Aclose(a);
    H5Sclose(s);
    H5Tclose(t);
}

// An array of fixed-length, null-padded strings.
inline void attr_fixed_strings(hid_t obj, const char* name, const std::vector<std::string>& v) {
    std::size_t width = 1;
    for (const auto& x : v) width = std::max(width, x.size());
    const hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, width);
    H5Tset_strpad(t, H5T_STR_NULLPAD);
    const hsize_t n = v.size();
    const hid_t s = H5Screate_simple(1, &n, nullptr);
    std::string buf(width * v.size(), '\0');
    for (std::size_t i = 0; i < v.size(); ++i) buf.replace(i * width, v[i].size(), v[i]);
    const hid_t a = H5Acreate2(obj, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, t, buf.data());
    H5Aclose(a);
    H5Sclose(s);
    H5Tclose(t);
}

}  // namespace detail

// Writes r to path as a run file v2, broken as `b` says. Returns nothing; REQUIREs nothing:
// HDF5 failures show up as read errors in the test.
inline void write_run(const std::string& path, const fake_run& r, const breakage& b = {}) {
    using namespace detail;
    const hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    const hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    const auto dataset = [&](const std::string& p, std::vector<hsize_t> dims, hid_t file_type,
                             hid_t mem_type, const void* data) {
        if (p == b.omit) return hid_t(-1);
        if (p == b.shorten) dims.back() -= 1;
        if (p == b.as_integer) {
            std::size_t n = 1;
            for (hsize_t d : dims) n *= d;
            std::vector<std::int32_t> v(n);
            for (std::size_t i = 0; i < n; ++i)
                v[i] = mem_type == H5T_NATIVE_FLOAT
                           ? std::int32_t(static_cast<const float*>(data)[i])
                           : std::int32_t(static_cast<const double*>(data)[i]);
            const hid_t s = H5Screate_simple(int(dims.size()), dims.data(), nullptr);
            const hid_t d =
                H5Dcreate2(f, p.c_str(), H5T_STD_I32LE, s, lcpl, H5P_DEFAULT, H5P_DEFAULT);
            H5Dwrite(d, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
            H5Sclose(s);
            return d;
        }
        const hid_t s = H5Screate_simple(int(dims.size()), dims.data(), nullptr);
        const hid_t d = H5Dcreate2(f, p.c_str(), file_type, s, lcpl, H5P_DEFAULT, H5P_DEFAULT);
        H5Dwrite(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
        H5Sclose(s);
        return d;
    };
    const auto close = [](hid_t d) {
        if (d >= 0) H5Dclose(d);
    };
    const hsize_t C = r.C, N = r.N, T = r.T, K = r.K, R = r.R(), P = r.P();

    std::vector<std::string> sets = {"earlyexit.policy=" + r.policy,
                                     "earlyexit.t_max=" + std::to_string(r.T)};
    sets.insert(sets.end(), r.config_sets.begin(), r.config_sets.end());
    const std::string config = experiments::effective_config(experiments::default_config(sets));

    if (!b.format.empty()) attr_string(f, "format", b.format);
    attr_int(f, "format_version", b.format_version);
    attr_string(f, "spikebar_version", "0.0.0");
    attr_string(f, "git_revision", "test");
    attr_string(f, "command", "spikebar eval (run_fixture)");
    attr_string(f, "config", config);
    attr_string(f, "model", "none.h5");
    attr_string(f, "hardware", C > 1 ? "crossbar" : "ideal");
    attr_int(f, "lanes", r.C);
    attr_int(f, "seed", 1);
    attr_int(f, "chip_seed", 0);
    attr_int(f, "calibration_samples", 0);
    attr_string(f, "policy", r.policy);
    attr_int(f, "online_exit", r.online_exit);
    attr_int(f, "timesteps", r.T);
    attr_int(f, "classes", r.K);
    attr_int(f, "samples", r.N);

    close(dataset("/samples/index", {N}, H5T_STD_U64LE, H5T_NATIVE_UINT64, r.index.data()));
    close(dataset("/samples/label", {N}, H5T_STD_U8LE, H5T_NATIVE_UINT8, r.labels.data()));
    close(dataset("/samples/exit_t", {C, N}, H5T_STD_U8LE, H5T_NATIVE_UINT8, r.exit_t.data()));
    close(dataset("/samples/prediction", {C, N}, H5T_STD_U8LE, H5T_NATIVE_UINT8,
                  r.prediction.data()));
    close(dataset("/samples/correct", {C, N}, H5T_STD_U8LE, H5T_NATIVE_UINT8, r.correct.data()));
    close(dataset("/samples/energy_pj", {C, N}, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                  r.energy_pj.data()));
    if (!r.policy_t.empty())
        close(dataset("/samples/policy_t", {N}, H5T_STD_U8LE, H5T_NATIVE_UINT8, r.policy_t.data()));
    close(dataset("/timesteps/logits", {C, N, T, K}, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT,
                  r.logits.data()));
    const std::vector<double> step = r.energy_step();
    close(dataset("/timesteps/energy_step_pj", {C, N, T}, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                  step.data()));
    const hid_t e = dataset("/timesteps/energy_pj", {C, N, T, R, P}, H5T_IEEE_F64LE,
                            H5T_NATIVE_DOUBLE, r.energy.data());
    if (e >= 0) {
        std::vector<std::string> rows = r.rows;
        if (b.rows_named >= 0) rows.resize(std::size_t(b.rows_named));
        attr_vlen_strings(e, "rows", rows);
        attr_fixed_strings(e, "components", r.components);
        H5Dclose(e);
    }
    H5Pclose(lcpl);
    H5Fclose(f);
}

// A whole dataset of `file`, converted to T (mem_type its HDF5 native type); empty when the
// dataset is missing.
template <class T>
std::vector<T> read_all(const std::string& file, const std::string& path, hid_t mem_type) {
    const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) return {};
    std::vector<T> v;
    const std::string parent = path.substr(0, path.rfind('/'));
    if ((parent.empty() || H5Lexists(f, parent.c_str(), H5P_DEFAULT) > 0) &&
        H5Lexists(f, path.c_str(), H5P_DEFAULT) > 0) {
        const hid_t d = H5Dopen2(f, path.c_str(), H5P_DEFAULT);
        const hid_t s = H5Dget_space(d);
        v.resize(std::size_t(H5Sget_simple_extent_npoints(s)));
        H5Dread(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
        H5Sclose(s);
        H5Dclose(d);
    }
    H5Fclose(f);
    return v;
}
inline std::vector<double> read_doubles(const std::string& file, const std::string& path) {
    return read_all<double>(file, path, H5T_NATIVE_DOUBLE);
}
inline std::vector<std::int64_t> read_int64s(const std::string& file, const std::string& path) {
    return read_all<std::int64_t>(file, path, H5T_NATIVE_INT64);
}
inline std::vector<std::uint8_t> read_uint8s(const std::string& file, const std::string& path) {
    return read_all<std::uint8_t>(file, path, H5T_NATIVE_UINT8);
}

// Runs f with stdout sent to a temporary file; returns what it printed.
template <class F>
std::string capture_stdout(F&& f) {
    std::fflush(stdout);
    std::FILE* tmp = std::tmpfile();
    const int saved = ::dup(::fileno(stdout));
    ::dup2(::fileno(tmp), ::fileno(stdout));
    const auto restore = [&] {
        std::fflush(stdout);
        ::dup2(saved, ::fileno(stdout));
        ::close(saved);
    };
    try {
        f();
    } catch (...) {
        restore();
        std::fclose(tmp);
        throw;
    }
    restore();
    std::rewind(tmp);
    std::string out;
    for (int ch; (ch = std::fgetc(tmp)) != EOF;) out += static_cast<char>(ch);
    std::fclose(tmp);
    return out;
}

// The lines of a text file.
inline std::vector<std::string> read_lines(const std::string& path) {
    std::vector<std::string> lines;
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return lines;
    std::string line;
    for (int ch; (ch = std::fgetc(f)) != EOF;) {
        if (ch == '\n') {
            lines.push_back(line);
            line.clear();
        } else {
            line += static_cast<char>(ch);
        }
    }
    if (!line.empty()) lines.push_back(line);
    std::fclose(f);
    return lines;
}

// A fresh directory under the system temp dir, removed with the object.
struct temp_dir {
    std::filesystem::path path;
    explicit temp_dir(const std::string& name) {
        path = std::filesystem::temp_directory_path() / (name + "_" + std::to_string(::getpid()));
        std::filesystem::remove_all(path);
        std::filesystem::create_directories(path);
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    std::string operator/(const std::string& f) const { return (path / f).string(); }
};

}  // namespace run_fixture
