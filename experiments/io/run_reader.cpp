#include "experiments/io/run_reader.hpp"

#include <algorithm>

#include "common/errors.hpp"
#include "earlyexit/controller.hpp"

namespace experiments {

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) {
    throw spikebar::io_error(path + ": " + what);
}

enum class kind { floating, integer };

// One dataset the tools read: its path, what it holds and its expected shape with the
// names of the axes ("[C, N, T, K]").
struct dataset_spec {
    const char* path;
    kind k;
    const char* type;  // for messages: "float32", "uint8", ...
    const char* axes;  // for messages: "[C, N, T, K]"
    std::vector<hsize_t> dims;
};

// io_error unless `d.path` is a dataset of d's type class and shape.
void check_dataset(const h5::file& f, const dataset_spec& d) {
    const h5::quiet q;
    const std::string expected =
        std::string(d.type) + " " + d.axes + " = " + h5::shape_string(d.dims);
    if (!h5::exists(f, d.path))
        fail(f.path, std::string(d.path) + " is missing (expected " + expected + ")");
    const h5::id ds(H5Dopen2(f.h.get(), d.path, H5P_DEFAULT), H5Dclose);
    if (!ds.ok())
        fail(f.path, std::string(d.path) + " is not a dataset (expected " + expected + ")");
    const h5::id type(H5Dget_type(ds.get()), H5Tclose);
    const H5T_class_t cls = H5Tget_class(type.get());
    const bool ok_type = d.k == kind::floating ? cls == H5T_FLOAT : cls == H5T_INTEGER;
    if (!ok_type)
        fail(f.path, std::string(d.path) + " holds " +
                         (cls == H5T_FLOAT     ? "floating-point values"
                          : cls == H5T_INTEGER ? "integers"
                                               : "neither integers nor floating-point values") +
                         ", expected " + d.type);
    const std::vector<hsize_t> shape = h5::dataset_shape(f, d.path);
    if (shape != d.dims)
        fail(f.path, std::string(d.path) + " has shape " + h5::shape_string(shape) + ", expected " +
                         d.axes + " = " + h5::shape_string(d.dims));
}

// Reads the hyperslab start/count of a dataset already checked by check_dataset, converted
// to mem_type.
void read_block(const h5::file& f, const std::string& path, const std::vector<hsize_t>& start,
                const std::vector<hsize_t>& count, hid_t mem_type, void* out) {
    const h5::quiet q;
    const h5::id ds(H5Dopen2(f.h.get(), path.c_str(), H5P_DEFAULT), H5Dclose);
    const h5::id file_space(H5Dget_space(ds.get()), H5Sclose);
    if (!ds.ok() || !file_space.ok() ||
        H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(),
                            nullptr) < 0)
        fail(f.path, path + " cannot be read");
    const h5::id mem_space(H5Screate_simple(static_cast<int>(count.size()), count.data(), nullptr),
                           H5Sclose);
    if (H5Dread(ds.get(), mem_type, mem_space.get(), file_space.get(), H5P_DEFAULT, out) < 0)
        fail(f.path, path + " cannot be read");
}

std::size_t product(const std::vector<hsize_t>& v) {
    std::size_t n = 1;
    for (hsize_t x : v) n *= static_cast<std::size_t>(x);
    return n;
}

// A positive int64 attribute that fits an int (lanes, samples, ...).
int positive_attr(const h5::file& f, const char* name, std::int64_t max) {
    const std::int64_t v = h5::read_attr_int(f, "/", name);
    if (v < 1 || v > max)
        fail(f.path, std::string("/@") + name + " = " + std::to_string(v) + ", expected 1.." +
                         std::to_string(max));
    return static_cast<int>(v);
}

bool has_root_attr(const h5::file& f, const char* name) {
    const h5::quiet q;
    const h5::id root(H5Oopen(f.h.get(), "/", H5P_DEFAULT), H5Oclose);
    return H5Aexists(root.get(), name) > 0;
}

std::string optional_string(const h5::file& f, const char* name) {
    const h5::quiet q;
    const h5::id root(H5Oopen(f.h.get(), "/", H5P_DEFAULT), H5Oclose);
    if (H5Aexists(root.get(), name) <= 0) return {};
    return h5::read_attr_string(f, "/", name);
}

}  // namespace

std::vector<std::string> read_attr_strings(const h5::file& f, const std::string& obj,
                                           const std::string& name) {
    const h5::quiet q;
    const std::string where = obj + "@" + name;
    if (!h5::exists(f, obj)) fail(f.path, obj + " is missing");
    const h5::id o(H5Oopen(f.h.get(), obj.c_str(), H5P_DEFAULT), H5Oclose);
    if (!o.ok() || H5Aexists(o.get(), name.c_str()) <= 0) fail(f.path, where + " is missing");
    const h5::id a(H5Aopen(o.get(), name.c_str(), H5P_DEFAULT), H5Aclose);
    const h5::id type(H5Aget_type(a.get()), H5Tclose);
    const h5::id space(H5Aget_space(a.get()), H5Sclose);
    if (!a.ok() || H5Tget_class(type.get()) != H5T_STRING ||
        H5Sget_simple_extent_ndims(space.get()) > 1)
        fail(f.path, where + " must be a string or a 1-D array of strings");
    const auto n = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space.get()));
    std::vector<std::string> out;
    if (H5Tis_variable_str(type.get()) > 0) {
        std::vector<char*> p(n, nullptr);
        const h5::id mem(H5Tcopy(H5T_C_S1), H5Tclose);
        H5Tset_size(mem.get(), H5T_VARIABLE);
        H5Tset_cset(mem.get(), H5Tget_cset(type.get()));
        if (H5Aread(a.get(), mem.get(), p.data()) < 0) fail(f.path, where + " cannot be read");
        for (char* s : p) out.emplace_back(s ? s : "");
        H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, p.data());
    } else {
        const std::size_t size = H5Tget_size(type.get());
        std::string buf(n * size, '\0');
        if (H5Aread(a.get(), type.get(), buf.data()) < 0) fail(f.path, where + " cannot be read");
        for (std::size_t i = 0; i < n; ++i) {
            std::string s = buf.substr(i * size, size);
            s.resize(std::min(s.find('\0'), s.size()));
            out.push_back(s);
        }
    }
    return out;
}

earlyexit::run_view lane_log::view() const {
    earlyexit::run_view v;
    v.n = n;
    v.t_max = t_max;
    v.k = k;
    v.outputs = logits.data();
    v.labels = labels.data();
    v.energy_cum = energy_cum_pj.data();
    return v;
}

run_reader::run_reader(const std::string& path) : f_(h5::file::open_read(path)) {
    h_.path = path;
    {
        const h5::quiet q;
        const h5::id root(H5Oopen(f_.h.get(), "/", H5P_DEFAULT), H5Oclose);
        if (H5Aexists(root.get(), "format") <= 0)
            fail(path, "not a spikebar run file (/@format is missing)");
    }
    const std::string format = h5::read_attr_string(f_, "/", "format");
    if (format != "spikebar-run")
        fail(path,
             "not a spikebar run file (/@format = \"" + format + "\", expected \"spikebar-run\")");
    h_.format_version = h5::read_attr_int(f_, "/", "format_version");
    if (h_.format_version != 2)
        fail(path, "/@format_version = " + std::to_string(h_.format_version) +
                       ", expected 2 (docs/output-format.md); write the run again with spikebar "
                       "eval --out");
    h_.config = h5::read_attr_string(f_, "/", "config");
    h_.hardware = h5::read_attr_string(f_, "/", "hardware");
    h_.policy = h5::read_attr_string(f_, "/", "policy");
    h_.online_exit = h5::read_attr_int(f_, "/", "online_exit") != 0;
    h_.spikebar_version = optional_string(f_, "spikebar_version");
    h_.git_revision = optional_string(f_, "git_revision");
    h_.command = optional_string(f_, "command");
    h_.model = optional_string(f_, "model");
    h_.lanes = positive_attr(f_, "lanes", 1 << 20);
    h_.samples = positive_attr(f_, "samples", std::int64_t{1} << 30);
    h_.timesteps = positive_attr(f_, "timesteps", 255);  // exit steps are uint8
    h_.classes = positive_attr(f_, "classes", 256);      // predictions are uint8
    // Files written before the attribute existed always recorded energy.
    if (has_root_attr(f_, "energy_recorded")) {
        const std::int64_t e = h5::read_attr_int(f_, "/", "energy_recorded");
        if (e != 0 && e != 1)
            fail(path, "/@energy_recorded = " + std::to_string(e) + ", expected 0 or 1");
        h_.energy_recorded = e == 1;
    }

    const hsize_t C = h_.lanes, N = h_.samples, T = h_.timesteps, K = h_.classes;
    check_dataset(f_, {"/samples/index", kind::integer, "uint64", "[N]", {N}});
    check_dataset(f_, {"/samples/label", kind::integer, "uint8", "[N]", {N}});
    check_dataset(f_, {"/samples/exit_t", kind::integer, "uint8", "[C, N]", {C, N}});
    check_dataset(f_, {"/samples/prediction", kind::integer, "uint8", "[C, N]", {C, N}});
    check_dataset(f_, {"/samples/correct", kind::integer, "uint8", "[C, N]", {C, N}});
    check_dataset(f_,
                  {"/timesteps/logits", kind::floating, "float32", "[C, N, T, K]", {C, N, T, K}});
    if (h_.energy_recorded) check_energy();

    h_.index.resize(N);
    read_block(f_, "/samples/index", {0}, {N}, H5T_NATIVE_UINT64, h_.index.data());
    h_.labels.resize(N);
    read_block(f_, "/samples/label", {0}, {N}, H5T_NATIVE_UINT8, h_.labels.data());
    for (hsize_t i = 0; i < N; ++i)
        if (h_.labels[i] >= K)
            fail(path, "/samples/label[" + std::to_string(i) +
                           "] = " + std::to_string(h_.labels[i]) + ", expected a class in 0.." +
                           std::to_string(K - 1));
    if (h5::exists(f_, "/samples/policy_t")) {
        check_dataset(f_, {"/samples/policy_t", kind::integer, "uint8", "[N]", {N}});
        h_.policy_t.resize(N);
        read_block(f_, "/samples/policy_t", {0}, {N}, H5T_NATIVE_UINT8, h_.policy_t.data());
    }
}

void run_reader::check_energy() {
    const std::string& path = h_.path;
    const hsize_t C = h_.lanes, N = h_.samples, T = h_.timesteps;
    check_dataset(f_, {"/samples/energy_pj", kind::floating, "float64", "[C, N]", {C, N}});
    check_dataset(f_,
                  {"/timesteps/energy_step_pj", kind::floating, "float64", "[C, N, T]", {C, N, T}});
    // W + 1 and P come from the energy dataset; its attributes must name every row and
    // component.
    if (!h5::exists(f_, "/timesteps/energy_pj"))
        fail(path, "/timesteps/energy_pj is missing (expected float64 [C, N, T, W+1, P])");
    const std::vector<hsize_t> eshape = h5::dataset_shape(f_, "/timesteps/energy_pj");
    if (eshape.size() != 5 || eshape[0] != C || eshape[1] != N || eshape[2] != T)
        fail(path, "/timesteps/energy_pj has shape " + h5::shape_string(eshape) +
                       ", expected [C, N, T, W+1, P] = [" + std::to_string(C) + ", " +
                       std::to_string(N) + ", " + std::to_string(T) + ", W+1, P]");
    check_dataset(f_,
                  {"/timesteps/energy_pj", kind::floating, "float64", "[C, N, T, W+1, P]", eshape});
    h_.rows = read_attr_strings(f_, "/timesteps/energy_pj", "rows");
    h_.components = read_attr_strings(f_, "/timesteps/energy_pj", "components");
    if (h_.rows.size() != eshape[3])
        fail(path, "/timesteps/energy_pj@rows names " + std::to_string(h_.rows.size()) +
                       " rows, the dataset has W+1 = " + std::to_string(eshape[3]));
    if (h_.components.size() != eshape[4])
        fail(path, "/timesteps/energy_pj@components names " + std::to_string(h_.components.size()) +
                       " components, the dataset has P = " + std::to_string(eshape[4]));
}

void run_reader::require_energy(const std::string& who) const {
    if (!h_.energy_recorded)
        fail(h_.path, "written with eval.record_energy = false, so it holds no energy; " + who +
                          " needs a run written with eval.record_energy = true");
}

void run_reader::check_lane(int c) const {
    if (c < 0 || c >= h_.lanes)
        fail(h_.path, "lane " + std::to_string(c) + " does not exist (lanes 0.." +
                          std::to_string(h_.lanes - 1) + ")");
}

lane_log run_reader::read_lane(int c) const {
    check_lane(c);
    const hsize_t N = h_.samples, T = h_.timesteps, K = h_.classes;
    lane_log l;
    l.lane = c;
    l.n = h_.samples;
    l.t_max = h_.timesteps;
    l.k = h_.classes;
    const hsize_t lane = hsize_t(c);
    l.logits.resize(product({N, T, K}));
    read_block(f_, "/timesteps/logits", {lane, 0, 0, 0}, {1, N, T, K}, H5T_NATIVE_FLOAT,
               l.logits.data());
    require_energy("replay");
    l.energy_step_pj = read_energy_step(c);
    l.energy_cum_pj.resize(l.energy_step_pj.size());
    for (hsize_t i = 0; i < N; ++i)
        earlyexit::cumulate_energy(l.energy_step_pj.data() + i * T, l.t_max,
                                   l.energy_cum_pj.data() + i * T);
    l.labels.assign(h_.labels.begin(), h_.labels.end());
    return l;
}

std::vector<double> run_reader::read_energy_step(int c) const {
    check_lane(c);
    require_energy("reading /timesteps/energy_step_pj");
    const hsize_t N = h_.samples, T = h_.timesteps;
    std::vector<double> e(product({N, T}));
    read_block(f_, "/timesteps/energy_step_pj", {hsize_t(c), 0, 0}, {1, N, T}, H5T_NATIVE_DOUBLE,
               e.data());
    return e;
}

lane_samples run_reader::read_samples(int c) const {
    check_lane(c);
    const hsize_t N = h_.samples;
    lane_samples s;
    s.exit_t.resize(N);
    s.prediction.resize(N);
    s.correct.resize(N);
    const hsize_t lane = hsize_t(c);
    read_block(f_, "/samples/exit_t", {lane, 0}, {1, N}, H5T_NATIVE_UINT8, s.exit_t.data());
    read_block(f_, "/samples/prediction", {lane, 0}, {1, N}, H5T_NATIVE_UINT8, s.prediction.data());
    read_block(f_, "/samples/correct", {lane, 0}, {1, N}, H5T_NATIVE_UINT8, s.correct.data());
    if (h_.energy_recorded) {
        s.energy_pj.resize(N);
        read_block(f_, "/samples/energy_pj", {lane, 0}, {1, N}, H5T_NATIVE_DOUBLE,
                   s.energy_pj.data());
    }
    return s;
}

std::vector<double> run_reader::read_energy(int c, int first, int count) const {
    require_energy("reading /timesteps/energy_pj");
    const hsize_t C = h_.lanes, N = h_.samples, T = h_.timesteps;
    if (c < 0 || hsize_t(c) >= C || first < 0 || count < 0 || hsize_t(first) + count > N)
        fail(h_.path, "/timesteps/energy_pj: lane " + std::to_string(c) + ", samples " +
                          std::to_string(first) + ".." + std::to_string(first + count) +
                          " out of range");
    const hsize_t R = h_.rows.size(), P = h_.components.size();
    std::vector<double> e(product({hsize_t(count), T, R, P}));
    if (count > 0)
        read_block(f_, "/timesteps/energy_pj", {hsize_t(c), hsize_t(first), 0, 0, 0},
                   {1, hsize_t(count), T, R, P}, H5T_NATIVE_DOUBLE, e.data());
    return e;
}

}  // namespace experiments
