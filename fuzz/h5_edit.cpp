#include "fuzz/h5_edit.hpp"

#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <stdexcept>
#include <vector>

#include "common/h5.hpp"

namespace fuzz {
namespace {

constexpr int max_depth = 16;
constexpr hsize_t max_elements = hsize_t(1) << 20;  // per rewritten object [elements]

class script {
public:
    script(const std::uint8_t* d, std::size_t n) : d_(d), n_(n) {}
    bool done() const { return i_ >= n_; }
    unsigned byte() { return i_ < n_ ? d_[i_++] : 0u; }
    unsigned word() {
        const unsigned lo = byte();
        return lo | (byte() << 8);
    }

private:
    const std::uint8_t* d_;
    std::size_t n_, i_ = 0;
};

// A dataset, or an attribute (name non-empty) of the object at `obj`.
struct target {
    std::string obj;
    std::string attr;
    bool dataset = false;  // obj is a dataset (not a group)
};

herr_t collect_link(hid_t, const char* name, const H5L_info_t*, void* out) {
    static_cast<std::vector<std::string>*>(out)->push_back(name);
    return 0;
}

herr_t collect_attr(hid_t, const char* name, const H5A_info_t*, void* out) {
    static_cast<std::vector<std::string>*>(out)->push_back(name);
    return 0;
}

void list_objects(hid_t file, const std::string& path, int depth, std::vector<target>& out) {
    if (depth > max_depth) return;
    const h5::id g(H5Gopen2(file, path.c_str(), H5P_DEFAULT), H5Gclose);
    if (!g.ok()) return;
    std::vector<std::string> names;
    H5Literate(g.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr, collect_link, &names);
    for (const std::string& name : names) {
        const std::string child = (path == "/" ? "/" : path + "/") + name;
        const h5::id o(H5Oopen(file, child.c_str(), H5P_DEFAULT), H5Oclose);
        if (!o.ok()) continue;
        const H5I_type_t type = H5Iget_type(o.get());
        if (type == H5I_GROUP) {
            out.push_back({child, "", false});
            list_objects(file, child, depth + 1, out);
        } else if (type == H5I_DATASET) {
            out.push_back({child, "", true});
        }
    }
}

std::vector<target> list_attributes(hid_t file, const std::vector<target>& objects) {
    std::vector<target> out;
    for (const target& t : objects) {
        const h5::id o(H5Oopen(file, t.obj.c_str(), H5P_DEFAULT), H5Oclose);
        if (!o.ok()) continue;
        std::vector<std::string> names;
        H5Aiterate2(o.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr, collect_attr, &names);
        for (const std::string& n : names) out.push_back({t.obj, n, t.dataset});
    }
    return out;
}

// The open object behind a target, with its type and dataspace.
struct opened {
    h5::id obj, type, space;
    bool ok() const { return obj.ok() && type.ok() && space.ok(); }
};

opened open_target(hid_t file, const target& t) {
    opened o;
    if (t.attr.empty()) {
        o.obj = h5::id(H5Dopen2(file, t.obj.c_str(), H5P_DEFAULT), H5Dclose);
        if (!o.obj.ok()) return o;
        o.type = h5::id(H5Dget_type(o.obj.get()), H5Tclose);
        o.space = h5::id(H5Dget_space(o.obj.get()), H5Sclose);
    } else {
        o.obj = h5::id(H5Aopen_by_name(file, t.obj.c_str(), t.attr.c_str(), H5P_DEFAULT,
                                       H5P_DEFAULT),
                       H5Aclose);
        if (!o.obj.ok()) return o;
        o.type = h5::id(H5Aget_type(o.obj.get()), H5Tclose);
        o.space = h5::id(H5Aget_space(o.obj.get()), H5Sclose);
    }
    return o;
}

std::vector<hsize_t> dims_of(hid_t space) {
    const int rank = H5Sget_simple_extent_ndims(space);
    std::vector<hsize_t> d(rank > 0 ? rank : 0);
    if (rank > 0) H5Sget_simple_extent_dims(space, d.data(), nullptr);
    return d;
}

hsize_t count_of(const std::vector<hsize_t>& dims) {
    hsize_t n = 1;
    for (hsize_t d : dims) n = d == 0 ? 0 : (n > max_elements / d ? max_elements + 1 : n * d);
    return n;
}

bool is_numeric(hid_t type) {
    const H5T_class_t c = H5Tget_class(type);
    return c == H5T_INTEGER || c == H5T_FLOAT;
}

std::vector<double> read_numbers(const target& t, const opened& o) {
    std::vector<double> v;
    if (!is_numeric(o.type.get())) return v;
    const hsize_t n = H5Sget_simple_extent_npoints(o.space.get());
    if (n == 0 || n > max_elements) return v;
    v.resize(n);
    const herr_t rc = t.attr.empty() ? H5Dread(o.obj.get(), H5T_NATIVE_DOUBLE, H5S_ALL,
                                               H5S_ALL, H5P_DEFAULT, v.data())
                                     : H5Aread(o.obj.get(), H5T_NATIVE_DOUBLE, v.data());
    if (rc < 0) v.clear();
    return v;
}

h5::id string_type(bool variable) {
    h5::id t(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(t.get(), variable ? H5T_VARIABLE : 8);
    H5Tset_cset(t.get(), H5T_CSET_UTF8);
    return t;
}

// A file type by code: float32, float64, int64, int32, uint8, variable or fixed string.
h5::id type_by_code(unsigned code) {
    switch (code % 7) {
    case 0: return h5::id(H5Tcopy(H5T_IEEE_F32LE), H5Tclose);
    case 1: return h5::id(H5Tcopy(H5T_IEEE_F64LE), H5Tclose);
    case 2: return h5::id(H5Tcopy(H5T_STD_I64LE), H5Tclose);
    case 3: return h5::id(H5Tcopy(H5T_STD_I32LE), H5Tclose);
    case 4: return h5::id(H5Tcopy(H5T_STD_U8LE), H5Tclose);
    case 5: return string_type(true);
    default: return string_type(false);
    }
}

// Replaces target `t` by an object of file type `type`, shape `dims` (empty: scalar),
// holding `values` cycled (numbers) or `text` in every element (strings).
void recreate(hid_t file, const target& t, hid_t type, const std::vector<hsize_t>& dims,
              const std::vector<double>& values, const std::string& text) {
    const hsize_t n = dims.empty() ? 1 : count_of(dims);
    if (n > max_elements) return;
    const h5::id space(dims.empty() ? H5Screate(H5S_SCALAR)
                                    : H5Screate_simple(int(dims.size()), dims.data(), nullptr),
                       H5Sclose);
    if (!space.ok()) return;
    if (t.attr.empty()) {
        if (H5Ldelete(file, t.obj.c_str(), H5P_DEFAULT) < 0) return;
    } else if (H5Adelete_by_name(file, t.obj.c_str(), t.attr.c_str(), H5P_DEFAULT) < 0) {
        return;
    }
    h5::id obj;
    if (t.attr.empty())
        obj = h5::id(H5Dcreate2(file, t.obj.c_str(), type, space.get(), H5P_DEFAULT,
                                H5P_DEFAULT, H5P_DEFAULT),
                     H5Dclose);
    else
        obj = h5::id(H5Acreate_by_name(file, t.obj.c_str(), t.attr.c_str(), type, space.get(),
                                       H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                     H5Aclose);
    if (!obj.ok() || n == 0) return;
    auto write = [&](hid_t mem, const void* buf) {
        if (t.attr.empty())
            H5Dwrite(obj.get(), mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
        else
            H5Awrite(obj.get(), mem, buf);
    };
    if (H5Tget_class(type) == H5T_STRING) {
        if (H5Tis_variable_str(type) > 0) {
            const std::vector<const char*> ptrs(n, text.c_str());
            write(type, ptrs.data());
        } else {
            const std::size_t width = H5Tget_size(type);
            std::vector<char> buf(n * width, 0);
            for (hsize_t i = 0; i < n; ++i)
                for (std::size_t j = 0; j < width && j < text.size(); ++j)
                    buf[i * width + j] = text[j];
            write(type, buf.data());
        }
        return;
    }
    std::vector<double> buf(n, 0.0);
    for (hsize_t i = 0; i < n && !values.empty(); ++i) buf[i] = values[i % values.size()];
    write(H5T_NATIVE_DOUBLE, buf.data());
}

double special_value(unsigned code) {
    static const double table[] = {std::numeric_limits<double>::quiet_NaN(),
                                   std::numeric_limits<double>::infinity(),
                                   -std::numeric_limits<double>::infinity(),
                                   0.0, -0.0, -1.0, 1.0, 0.5, 2.0, 255.0, 256.0, 1e308, -1e308,
                                   2147483648.0, -2147483649.0, 9.3e18, 1e-45, 65536.0, 1024.0,
                                   1025.0, 4294967296.0};
    return table[code % (sizeof table / sizeof table[0])];
}

hsize_t dim_by_code(unsigned code) {
    if (code >= 250) return hsize_t(code - 250) * 40000 + 1;  // one large dimension
    return code % 9;
}

std::string text_from(script& s) {
    std::string text;
    for (unsigned len = s.byte() % 40; len > 0; --len) text.push_back(char(s.byte()));
    return text;
}

void apply(hid_t file, script& s) {
    std::vector<target> objects{{"/", "", false}};
    list_objects(file, "/", 0, objects);
    const std::vector<target> attrs = list_attributes(file, objects);
    const unsigned op = s.byte() % 6;
    const bool on_attr = (s.byte() & 1) && !attrs.empty();
    const std::vector<target>& pool = on_attr ? attrs : objects;
    const target& t = pool[s.word() % pool.size()];
    if (op == 0) {  // delete
        if (!t.attr.empty())
            H5Adelete_by_name(file, t.obj.c_str(), t.attr.c_str(), H5P_DEFAULT);
        else if (t.obj != "/")
            H5Ldelete(file, t.obj.c_str(), H5P_DEFAULT);
        return;
    }
    if (op == 5) {  // graft an attribute onto another object under the same name
        if (attrs.empty()) return;
        const target& a = attrs[s.word() % attrs.size()];
        const target& dest = objects[s.word() % objects.size()];
        const opened src = open_target(file, a);
        if (!src.ok() || H5Aexists_by_name(file, dest.obj.c_str(), a.attr.c_str(), H5P_DEFAULT))
            return;
        const h5::id copy(H5Acreate_by_name(file, dest.obj.c_str(), a.attr.c_str(),
                                            src.type.get(), src.space.get(), H5P_DEFAULT,
                                            H5P_DEFAULT, H5P_DEFAULT),
                          H5Aclose);
        const hsize_t n = H5Sget_simple_extent_npoints(src.space.get());
        const std::size_t bytes = H5Tget_size(src.type.get());
        if (!copy.ok() || n > max_elements || bytes == 0) return;
        std::vector<unsigned char> buf(n * bytes + 1);
        if (H5Aread(src.obj.get(), src.type.get(), buf.data()) < 0) return;
        H5Awrite(copy.get(), src.type.get(), buf.data());
        if (H5Tdetect_class(src.type.get(), H5T_VLEN) > 0 || H5Tis_variable_str(src.type.get()) > 0)
            H5Dvlen_reclaim(src.type.get(), src.space.get(), H5P_DEFAULT, buf.data());
        return;
    }
    if (t.attr.empty() && !t.dataset) return;  // the remaining ops rewrite data
    const opened o = open_target(file, t);
    if (!o.ok()) return;
    std::vector<hsize_t> dims = dims_of(o.space.get());
    std::vector<double> values = read_numbers(t, o);
    const bool text = H5Tget_class(o.type.get()) == H5T_STRING;
    h5::id type(H5Tcopy(o.type.get()), H5Tclose);
    std::string str = "x";
    if (op == 1) {  // reshape, same type
        dims.resize(s.byte() % 5);
        for (hsize_t& d : dims) d = dim_by_code(s.byte());
    } else if (op == 2) {  // retype, same shape
        type = type_by_code(s.byte());
    } else if (op == 3) {  // poke one element
        if (values.empty()) return;
        values[s.word() % values.size()] = special_value(s.byte());
    } else {  // op 4: new string content
        if (!text) return;
        str = text_from(s);
    }
    recreate(file, t, type.get(), dims, values, str);
}

}  // namespace

std::string scratch_path(const std::string& suffix) {
    const std::string dir = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
    return dir + "/spikebar-fuzz-" + std::to_string(getpid()) + suffix;
}

std::vector<std::string> seed_files(const std::vector<std::string>& defaults) {
    std::vector<std::string> out;
    if (const char* env = std::getenv("SPIKEBAR_FUZZ_SEEDS")) {
        std::string list = env;
        for (std::size_t a = 0; a <= list.size();) {
            const std::size_t b = std::min(list.find(':', a), list.size());
            if (b > a) out.push_back(list.substr(a, b - a));
            a = b + 1;
        }
    } else {
        for (const std::string& d : defaults) out.push_back(std::string(SPIKEBAR_SOURCE_DIR) + "/" + d);
    }
    for (const std::string& f : out)
        if (!std::filesystem::is_regular_file(f)) throw std::runtime_error("no seed file " + f);
    if (out.empty()) throw std::runtime_error("SPIKEBAR_FUZZ_SEEDS names no file");
    return out;
}

void write_bytes(const std::string& path, const std::uint8_t* data, std::size_t size) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) throw std::runtime_error("cannot write " + path);
    if (size) std::fwrite(data, 1, size, f);
    std::fclose(f);
}

void write_edited(const std::string& seed, const std::uint8_t* data, std::size_t size,
                  const std::string& out) {
    std::filesystem::copy_file(seed, out, std::filesystem::copy_options::overwrite_existing);
    const h5::quiet quiet;
    const h5::id file(H5Fopen(out.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
    if (!file.ok()) throw std::runtime_error("cannot open the seed copy " + out);
    script s(data, size);
    for (int edits = 0; !s.done() && edits < 8; ++edits) apply(file.get(), s);
}

}  // namespace fuzz
