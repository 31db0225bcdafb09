// Writing and reading sweep files (see sweep_file.hpp).
#include "experiments/sweep/sweep_file.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

#include "common/errors.hpp"
#include "common/h5.hpp"
#include "common/version.hpp"
#include "experiments/io/run_file.hpp"
#include "experiments/io/run_reader.hpp"

namespace experiments {

namespace {

constexpr std::int64_t format_version = 1;

[[noreturn]] void fail(const std::string& path, const std::string& what) {
    throw spikebar::io_error(path + ": " + what);
}

std::string child(const std::string& object, const std::string& name) {
    return object == "/" ? "/" + name : object + "/" + name;
}

// A float64 dataset of any shape, converted from its stored type.
std::vector<double> read_doubles(const h5::file& f, const std::string& path,
                                 std::vector<hsize_t>* dims = nullptr) {
    const auto shape = h5::dataset_shape(f, path);  // io_error when missing
    hsize_t n = 1;
    for (hsize_t d : shape) n *= d;
    std::vector<double> v(n);
    const h5::quiet q;
    const h5::id d(H5Dopen2(f.h.get(), path.c_str(), H5P_DEFAULT), H5Dclose);
    if (!d.ok() || H5Dread(d.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0)
        fail(f.path, "cannot read " + path + " as numbers");
    if (dims) *dims = shape;
    return v;
}

// A 1-D dataset of fixed-length UTF-8 strings.
void write_strings(const h5::file& f, const std::string& path, const std::vector<std::string>& v) {
    std::size_t len = 1;
    for (const auto& s : v) len = std::max(len, s.size());
    std::vector<char> buf(len * v.size(), '\0');
    for (std::size_t i = 0; i < v.size(); ++i) std::copy(v[i].begin(), v[i].end(), &buf[i * len]);
    const h5::id type(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(type.get(), len);
    H5Tset_strpad(type.get(), H5T_STR_NULLPAD);
    H5Tset_cset(type.get(), H5T_CSET_UTF8);
    const hsize_t n = v.size();
    const h5::id space(H5Screate_simple(1, &n, nullptr), H5Sclose);
    const h5::id d(H5Dcreate2(f.h.get(), path.c_str(), type.get(), space.get(), H5P_DEFAULT,
                              H5P_DEFAULT, H5P_DEFAULT),
                   H5Dclose);
    if (!d.ok() ||
        (n > 0 && H5Dwrite(d.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0))
        fail(f.path, "cannot write dataset " + path);
}

// Copies attribute `name` of `loc` onto the object *(hid_t*)dst, type and shape as stored.
herr_t copy_attribute(hid_t loc, const char* name, const H5A_info_t*, void* dst) {
    const h5::id a(H5Aopen(loc, name, H5P_DEFAULT), H5Aclose);
    const h5::id type(H5Aget_type(a.get()), H5Tclose);
    const h5::id space(H5Aget_space(a.get()), H5Sclose);
    const h5::id mem(H5Tget_native_type(type.get(), H5T_DIR_ASCEND), H5Tclose);
    if (!a.ok() || !type.ok() || !space.ok() || !mem.ok()) return -1;
    const hssize_t n = H5Sget_simple_extent_npoints(space.get());
    std::vector<unsigned char> buf(H5Tget_size(mem.get()) * std::size_t(std::max<hssize_t>(n, 1)));
    if (H5Aread(a.get(), mem.get(), buf.data()) < 0) return -1;
    const h5::id b(H5Acreate2(*static_cast<hid_t*>(dst), name, type.get(), space.get(), H5P_DEFAULT,
                              H5P_DEFAULT),
                   H5Aclose);
    const herr_t w = b.ok() ? H5Awrite(b.get(), mem.get(), buf.data()) : -1;
    if (H5Tdetect_class(mem.get(), H5T_VLEN) > 0 || H5Tis_variable_str(mem.get()) > 0)
        H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, buf.data());
    return w < 0 ? -1 : 0;
}

struct copy_target {
    hid_t dst;
    herr_t status = 0;
};

herr_t copy_link(hid_t group, const char* name, const H5L_info_t*, void* data) {
    auto* t = static_cast<copy_target*>(data);
    t->status = H5Ocopy(group, name, t->dst, name, H5P_DEFAULT, H5P_DEFAULT);
    return t->status < 0 ? -1 : 0;
}

// src_file:object (a file's root or a group) to dst_path, a new group of dst: every member
// copied as stored (chunks and compression included), every attribute onto the group.
void copy_run(const point_source& src, const h5::file& dst, const std::string& dst_path) {
    const h5::file in = h5::file::open_read(src.file);
    const h5::quiet q;
    const h5::id from(H5Gopen2(in.h.get(), src.object.c_str(), H5P_DEFAULT), H5Gclose);
    if (!from.ok()) fail(src.file, src.object + " is not a group");
    const h5::id to(
        H5Gcreate2(dst.h.get(), dst_path.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
    if (!to.ok()) fail(dst.path, "cannot create group " + dst_path);
    copy_target t{to.get()};
    if (H5Literate(from.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr, copy_link, &t) < 0)
        fail(dst.path, "cannot copy " + src.file + ":" + src.object + " to " + dst_path);
    hid_t to_id = to.get();
    if (H5Aiterate2(from.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr, copy_attribute, &to_id) < 0)
        fail(dst.path, "cannot copy the attributes of " + src.file + ":" + src.object);
}

const config_key_info* key_info(const std::string& name) {
    static const auto keys = config_keys();
    for (const auto& k : keys)
        if (k.section + "." + k.key == name) return &k;
    return nullptr;
}

// The first line where two INI texts differ, as "section.key = value" (or the line).
std::string first_difference(const std::string& a, const std::string& b) {
    std::istringstream ia(a), ib(b);
    std::string la, lb, section;
    for (;;) {
        const bool ga = bool(std::getline(ia, la));
        const bool gb = bool(std::getline(ib, lb));
        if (!ga && !gb) return "";
        if (!ga) la.clear();
        if (!gb) lb.clear();
        if (!la.empty() && la[0] == '[') section = la.substr(1, la.find(']') - 1);
        if (la != lb) {
            const auto qual = [&](const std::string& l) {
                return l.empty() || l[0] == '[' ? "'" + l + "'" : section + "." + l;
            };
            return "its config has " + qual(la) + ", this sweep's point has " + qual(lb);
        }
    }
}

}  // namespace

double student_t975(int dof) {
    static const double table[] = {12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060,
                                   2.2622,  2.2281, 2.2010, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199,
                                   2.1098,  2.1009, 2.0930, 2.0860, 2.0796, 2.0739, 2.0687, 2.0639,
                                   2.0595,  2.0555, 2.0518, 2.0484, 2.0452, 2.0423};
    if (dof < 1) return std::numeric_limits<double>::quiet_NaN();
    if (dof <= 30) return table[dof - 1];
    // Cornish-Fisher expansion of t in the normal quantile z (Abramowitz & Stegun 26.7.5);
    // it gives 2.0423 at 30 degrees of freedom, the table's value.
    const double z = 1.959963984540054, v = dof;
    const double z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z;
    return z + (z3 + z) / (4 * v) + (5 * z5 + 16 * z3 + 3 * z) / (96 * v * v) +
           (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * v * v * v);
}

point_summary summarize_point(const point_source& src) {
    const h5::file f = h5::file::open_read(src.file);
    point_summary p;
    p.index = src.index;
    std::vector<hsize_t> dims;
    const auto acc = read_doubles(f, child(src.object, "summary/accuracy"));
    const auto steps = read_doubles(f, child(src.object, "summary/mean_timesteps"));
    const auto fixed = read_doubles(f, child(src.object, "summary/accuracy_by_timestep"), &dims);
    const std::size_t C = acc.size();
    // A run without energy (eval.record_energy = false) claims none: NaN in the table.
    const std::vector<std::string> attrs = h5::attr_names(f, src.object);
    p.energy_recorded = std::find(attrs.begin(), attrs.end(), "energy_recorded") == attrs.end() ||
                        h5::read_attr_int(f, src.object, "energy_recorded") != 0;
    const auto energy = p.energy_recorded
                            ? read_doubles(f, child(src.object, "summary/mean_energy_pj"))
                            : std::vector<double>(C, std::numeric_limits<double>::quiet_NaN());
    if (C == 0 || steps.size() != C || energy.size() != C || dims.size() != 2 || dims[0] != C)
        fail(src.file, child(src.object, "summary") + ": lane counts disagree");
    p.lanes = int(C);
    p.timesteps = int(dims[1]);
    p.samples = std::size_t(h5::read_attr_int(f, src.object, "samples"));
    const auto mean = [&](const std::vector<double>& v, std::size_t stride, std::size_t off) {
        double s = 0;
        for (std::size_t c = 0; c < C; ++c) s += v[c * stride + off];
        return s / double(C);
    };
    p.accuracy_mean = mean(acc, 1, 0);
    double ss = 0;
    for (double a : acc) ss += (a - p.accuracy_mean) * (a - p.accuracy_mean);
    p.accuracy_std = C > 1 ? std::sqrt(ss / double(C - 1)) : 0.0;
    const double half = C > 1 ? student_t975(int(C) - 1) * p.accuracy_std / std::sqrt(double(C))
                              : std::numeric_limits<double>::quiet_NaN();
    p.ci95_low = p.accuracy_mean - half;
    p.ci95_high = p.accuracy_mean + half;
    p.mean_timesteps = mean(steps, 1, 0);
    p.mean_energy_pj = mean(energy, 1, 0);
    for (int t = 0; t < p.timesteps; ++t)
        p.accuracy_fixed_t.push_back(mean(fixed, std::size_t(p.timesteps), std::size_t(t)));
    return p;
}

std::vector<point_summary> write_sweep_file(const std::string& path, const sweep_spec& s,
                                            const std::string& config_path,
                                            const std::vector<point_source>& sources,
                                            int shard_index, int shard_count,
                                            const std::string& command) {
    std::vector<point_source> src = sources;
    std::sort(src.begin(), src.end(),
              [](const point_source& a, const point_source& b) { return a.index < b.index; });
    std::vector<point_summary> sums;
    for (const auto& p : src) sums.push_back(summarize_point(p));

    const std::string tmp = path + ".tmp";
    {
        const h5::file f = h5::file::create(tmp);
        h5::write_attr(f, "/", "format", std::string("spikebar-sweep"));
        h5::write_attr(f, "/", "format_version", format_version);
        h5::write_attr(f, "/", "spikebar_version", std::string(SPIKEBAR_VERSION));
        h5::write_attr(f, "/", "git_revision", std::string(spikebar::git_revision()));
        h5::write_attr(f, "/", "command", command);
        h5::write_attr(f, "/", "created", utc_now());
        h5::write_attr(f, "/", "config_path", config_path);
        h5::write_attr(f, "/", "config", s.text);
        h5::write_attr(f, "/", "overrides", s.overrides);
        h5::write_attr(f, "/", "model", s.model);
        h5::write_attr(f, "/", "fingerprint", s.fingerprint);
        h5::write_attr(f, "/", "keys", s.keys);
        h5::write_attr(f, "/", "points_total", std::int64_t(s.points.size()));
        h5::write_attr(f, "/", "shard_index", std::int64_t(shard_index));
        h5::write_attr(f, "/", "shard_count", std::int64_t(shard_count));

        // The table: one row per point of this file.
        const hsize_t P = src.size();
        h5::create_group(f, "/table");
        std::vector<std::uint64_t> index, lanes, samples, steps;
        std::vector<double> am, as, lo, hi, mt, me;
        int t_max = 0;
        for (const auto& p : sums) {
            index.push_back(p.index);
            lanes.push_back(std::uint64_t(p.lanes));
            samples.push_back(p.samples);
            steps.push_back(std::uint64_t(p.timesteps));
            am.push_back(p.accuracy_mean);
            as.push_back(p.accuracy_std);
            lo.push_back(p.ci95_low);
            hi.push_back(p.ci95_high);
            mt.push_back(p.mean_timesteps);
            me.push_back(p.mean_energy_pj);
            t_max = std::max(t_max, p.timesteps);
        }
        h5::write_uint64s(f, "/table/point", {P}, index.data());
        for (std::size_t k = 0; k < s.keys.size(); ++k) {
            const config_key_info* info = key_info(s.keys[k]);
            const bool num =
                info && (info->type == "int" || info->type == "uint64" || info->type == "real");
            std::vector<std::string> text;
            std::vector<double> value;
            for (const auto& p : src) {
                text.push_back(s.points[p.index].values[k]);
                value.push_back(num ? std::stod(text.back()) : 0.0);
            }
            if (num)
                h5::write_doubles(f, "/table/" + s.keys[k], {P}, value.data());
            else
                write_strings(f, "/table/" + s.keys[k], text);
        }
        h5::write_uint64s(f, "/table/chips", {P}, lanes.data());
        h5::write_uint64s(f, "/table/samples", {P}, samples.data());
        h5::write_uint64s(f, "/table/timesteps", {P}, steps.data());
        h5::write_doubles(f, "/table/accuracy_mean", {P}, am.data());
        h5::write_doubles(f, "/table/accuracy_std", {P}, as.data());
        h5::write_doubles(f, "/table/accuracy_ci95_low", {P}, lo.data());
        h5::write_doubles(f, "/table/accuracy_ci95_high", {P}, hi.data());
        h5::write_doubles(f, "/table/mean_timesteps", {P}, mt.data());
        h5::write_doubles(f, "/table/mean_energy_pj", {P}, me.data());
        std::vector<double> fixed(P * std::size_t(t_max), std::numeric_limits<double>::quiet_NaN());
        for (std::size_t i = 0; i < sums.size(); ++i)
            for (int t = 0; t < sums[i].timesteps; ++t)
                fixed[i * std::size_t(t_max) + std::size_t(t)] =
                    sums[i].accuracy_fixed_t[std::size_t(t)];
        h5::write_doubles(f, "/table/accuracy_fixed_t", {P, hsize_t(t_max)}, fixed.data());

        h5::create_group(f, "/points");
        for (const auto& p : src) copy_run(p, f, "/points/" + point_name(p.index));
    }
    h5::commit_file(tmp, path);
    return sums;
}

sweep_file_info read_sweep_file_info(const std::string& path) {
    const h5::file f = h5::file::open_read(path);
    sweep_file_info i;
    i.path = path;
    if (h5::read_attr_string(f, "/", "format") != "spikebar-sweep")
        fail(path, "not a sweep file (format is not spikebar-sweep)");
    const auto v = h5::read_attr_int(f, "/", "format_version");
    if (v != format_version)
        fail(path, "sweep file format_version " + std::to_string(v) + ", this spikebar reads " +
                       std::to_string(format_version));
    i.config_path = h5::read_attr_string(f, "/", "config_path");
    i.config_text = h5::read_attr_string(f, "/", "config");
    i.model = h5::read_attr_string(f, "/", "model");
    i.fingerprint = h5::read_attr_string(f, "/", "fingerprint");
    i.command = h5::read_attr_string(f, "/", "command");
    i.overrides = read_attr_strings(f, "/", "overrides");
    i.points_total = std::size_t(h5::read_attr_int(f, "/", "points_total"));
    i.shard_index = int(h5::read_attr_int(f, "/", "shard_index"));
    i.shard_count = int(h5::read_attr_int(f, "/", "shard_count"));
    for (double p : read_doubles(f, "/table/point")) i.points.push_back(std::size_t(p));
    return i;
}

std::string point_file_mismatch(const std::string& path, const sweep_point& p) {
    const h5::file f = h5::file::open_read(path);
    if (h5::read_attr_string(f, "/", "format") != "spikebar-run")
        fail(path, "not a run file (format is not spikebar-run)");
    const std::string model = h5::read_attr_string(f, "/", "model");
    if (model != p.model) return "its model is " + model + ", this sweep's point has " + p.model;
    run_config c;
    try {
        c = parse_config(h5::read_attr_string(f, "/", "config"), path + "@config");
    } catch (const spikebar::config_error& e) {
        return std::string("its config does not load: ") + e.what();
    }
    return first_difference(result_config(c), result_config(p.config));
}

}  // namespace experiments
