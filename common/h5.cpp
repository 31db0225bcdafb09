#include "common/h5.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "common/errors.hpp"

namespace h5 {

namespace {

[[noreturn]] void fail(const file& f, const std::string& what) {
    throw spikebar::io_error(f.path + ": " + what);
}

id open_object(const file& f, const std::string& obj) {
    if (!exists(f, obj)) fail(f, obj + " is missing");
    id o(H5Oopen(f.h.get(), obj.c_str(), H5P_DEFAULT), H5Oclose);
    if (!o.ok()) fail(f, obj + " cannot be opened");
    return o;
}

id open_attr(const file& f, const std::string& obj, const std::string& name) {
    const id o = open_object(f, obj);
    if (H5Aexists(o.get(), name.c_str()) <= 0)
        fail(f, obj + "@" + name + " is missing");
    id a(H5Aopen(o.get(), name.c_str(), H5P_DEFAULT), H5Aclose);
    if (!a.ok()) fail(f, obj + "@" + name + " cannot be opened");
    return a;
}

void write_attr_raw(const file& f, const std::string& obj, const std::string& name, hid_t type,
                    const std::vector<hsize_t>& dims, const void* data) {
    const id o = open_object(f, obj);
    const id space(dims.empty() ? H5Screate(H5S_SCALAR)
                                : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                   H5Sclose);
    if (H5Aexists(o.get(), name.c_str()) > 0) H5Adelete(o.get(), name.c_str());
    const id a(H5Acreate2(o.get(), name.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT),
               H5Aclose);
    if (!a.ok() || H5Awrite(a.get(), type, data) < 0) fail(f, "cannot write attribute " + obj + "@" + name);
}

void write_dataset(const file& f, const std::string& path, const std::vector<hsize_t>& dims,
                   hid_t file_type, hid_t mem_type, const void* data) {
    const id space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
    const id lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
    H5Pset_create_intermediate_group(lcpl.get(), 1);
    const id d(H5Dcreate2(f.h.get(), path.c_str(), file_type, space.get(), lcpl.get(), H5P_DEFAULT,
                          H5P_DEFAULT),
               H5Dclose);
    if (!d.ok() || H5Dwrite(d.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
        fail(f, "cannot write dataset " + path);
}

}  // namespace

quiet::quiet() {
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}
quiet::~quiet() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }

file file::open_read(const std::string& path) {
    const quiet q;
    file f;
    f.path = path;
    if (H5Fis_hdf5(path.c_str()) <= 0) {
        FILE* probe = std::fopen(path.c_str(), "rb");
        if (!probe) throw spikebar::io_error(path + ": cannot open (missing or unreadable)");
        std::fclose(probe);
        throw spikebar::io_error(path + ": not an HDF5 file");
    }
    f.h = id(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    if (!f.h.ok()) throw spikebar::io_error(path + ": cannot open as HDF5");
    return f;
}

file file::create(const std::string& path) {
    file f;
    f.path = path;
    f.h = id(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
    if (!f.h.ok()) throw spikebar::io_error(path + ": cannot create");
    return f;
}

id create_group(const file& f, const std::string& path) {
    const id lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
    H5Pset_create_intermediate_group(lcpl.get(), 1);
    id g(H5Gcreate2(f.h.get(), path.c_str(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
    if (!g.ok()) fail(f, "cannot create group " + path);
    return g;
}

bool exists(const file& f, const std::string& path) {
    if (path == "/") return true;
    const quiet q;
    std::size_t pos = 0;
    while (true) {
        pos = path.find('/', pos + 1);
        const std::string prefix = path.substr(0, pos);
        if (!prefix.empty() && prefix != "/" && H5Lexists(f.h.get(), prefix.c_str(), H5P_DEFAULT) <= 0)
            return false;
        if (pos == std::string::npos) return true;
    }
}

void write_attr(const file& f, const std::string& obj, const std::string& name, std::int64_t v) {
    write_attr_raw(f, obj, name, H5T_NATIVE_INT64, {}, &v);
}
void write_attr(const file& f, const std::string& obj, const std::string& name, double v) {
    write_attr_raw(f, obj, name, H5T_NATIVE_DOUBLE, {}, &v);
}
void write_attr(const file& f, const std::string& obj, const std::string& name,
                const std::string& v) {
    const id type(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(type.get(), std::max<std::size_t>(v.size(), 1));
    H5Tset_strpad(type.get(), H5T_STR_NULLPAD);
    H5Tset_cset(type.get(), H5T_CSET_UTF8);
    std::string padded = v.empty() ? std::string(1, '\0') : v;
    write_attr_raw(f, obj, name, type.get(), {}, padded.data());
}
void write_attr(const file& f, const std::string& obj, const std::string& name,
                const std::vector<std::int64_t>& v) {
    write_attr_raw(f, obj, name, H5T_NATIVE_INT64, {v.size()}, v.data());
}

void write_attr(const file& f, const std::string& obj, const std::string& name,
                const std::vector<double>& v) {
    write_attr_raw(f, obj, name, H5T_NATIVE_DOUBLE, {v.size()}, v.data());
}
void write_attr(const file& f, const std::string& obj, const std::string& name,
                const std::vector<std::string>& v) {
    std::size_t len = 1;
    for (const std::string& x : v) len = std::max(len, x.size());
    std::string buf(len * v.size(), '\0');
    for (std::size_t i = 0; i < v.size(); ++i) buf.replace(i * len, v[i].size(), v[i]);
    const id type(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(type.get(), len);
    H5Tset_strpad(type.get(), H5T_STR_NULLPAD);
    H5Tset_cset(type.get(), H5T_CSET_UTF8);
    write_attr_raw(f, obj, name, type.get(), {v.size()}, buf.data());
}

std::int64_t read_attr_int(const file& f, const std::string& obj, const std::string& name) {
    const quiet q;
    const id a = open_attr(f, obj, name);
    const id type(H5Aget_type(a.get()), H5Tclose);
    const id space(H5Aget_space(a.get()), H5Sclose);
    if (H5Tget_class(type.get()) != H5T_INTEGER || H5Sget_simple_extent_npoints(space.get()) != 1)
        fail(f, obj + "@" + name + " must be an integer scalar");
    std::int64_t v = 0;
    H5Aread(a.get(), H5T_NATIVE_INT64, &v);
    return v;
}

double read_attr_double(const file& f, const std::string& obj, const std::string& name) {
    const quiet q;
    const id a = open_attr(f, obj, name);
    const id type(H5Aget_type(a.get()), H5Tclose);
    const id space(H5Aget_space(a.get()), H5Sclose);
    const auto cls = H5Tget_class(type.get());
    if ((cls != H5T_FLOAT && cls != H5T_INTEGER) || H5Sget_simple_extent_npoints(space.get()) != 1)
        fail(f, obj + "@" + name + " must be a numeric scalar");
    double v = 0;
    H5Aread(a.get(), H5T_NATIVE_DOUBLE, &v);
    return v;
}

std::string read_attr_string(const file& f, const std::string& obj, const std::string& name) {
    const quiet q;
    const id a = open_attr(f, obj, name);
    const id type(H5Aget_type(a.get()), H5Tclose);
    const id space(H5Aget_space(a.get()), H5Sclose);
    // One element only: the buffers below hold one string, an array would overrun them.
    if (H5Tget_class(type.get()) != H5T_STRING || H5Sget_simple_extent_npoints(space.get()) != 1)
        fail(f, obj + "@" + name + " must be a string");
    if (H5Tis_variable_str(type.get()) > 0) {
        char* s = nullptr;
        const id mem(H5Tcopy(H5T_C_S1), H5Tclose);
        H5Tset_size(mem.get(), H5T_VARIABLE);
        H5Aread(a.get(), mem.get(), &s);
        std::string out = s ? s : "";
        H5free_memory(s);
        return out;
    }
    const std::size_t n = H5Tget_size(type.get());
    std::string buf(n, '\0');
    H5Aread(a.get(), type.get(), buf.data());
    buf.resize(std::min(buf.find('\0'), buf.size()));
    return buf;
}

std::vector<std::int64_t> read_attr_ints(const file& f, const std::string& obj,
                                         const std::string& name) {
    const quiet q;
    const id a = open_attr(f, obj, name);
    const id type(H5Aget_type(a.get()), H5Tclose);
    const id space(H5Aget_space(a.get()), H5Sclose);
    if (H5Tget_class(type.get()) != H5T_INTEGER) fail(f, obj + "@" + name + " must hold integers");
    std::vector<std::int64_t> v(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space.get())));
    H5Aread(a.get(), H5T_NATIVE_INT64, v.data());
    return v;
}

std::vector<std::string> attr_names(const file& f, const std::string& obj) {
    const quiet q;
    const id o = open_object(f, obj);
    H5O_info_t info;
    H5Oget_info2(o.get(), &info, H5O_INFO_NUM_ATTRS);
    std::vector<std::string> names;
    for (hsize_t i = 0; i < info.num_attrs; ++i) {
        const ssize_t n = H5Aget_name_by_idx(o.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0,
                                             H5P_DEFAULT);
        std::string s(static_cast<std::size_t>(n) + 1, '\0');
        H5Aget_name_by_idx(o.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, s.data(), s.size(), H5P_DEFAULT);
        s.resize(static_cast<std::size_t>(n));
        names.push_back(s);
    }
    return names;
}

void write_floats(const file& f, const std::string& path, const std::vector<hsize_t>& dims,
                  const float* data) {
    write_dataset(f, path, dims, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, data);
}
void write_doubles(const file& f, const std::string& path, const std::vector<hsize_t>& dims,
                   const double* data) {
    write_dataset(f, path, dims, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, data);
}

void write_uint8s(const file& f, const std::string& path, const std::vector<hsize_t>& dims,
                  const std::uint8_t* data) {
    write_dataset(f, path, dims, H5T_STD_U8LE, H5T_NATIVE_UINT8, data);
}
void write_uint32s(const file& f, const std::string& path, const std::vector<hsize_t>& dims,
                   const std::uint32_t* data) {
    write_dataset(f, path, dims, H5T_STD_U32LE, H5T_NATIVE_UINT32, data);
}
void write_uint64s(const file& f, const std::string& path, const std::vector<hsize_t>& dims,
                   const std::uint64_t* data) {
    write_dataset(f, path, dims, H5T_STD_U64LE, H5T_NATIVE_UINT64, data);
}

slab_writer::slab_writer(const file& f, const std::string& path, hid_t file_type,
                         const std::vector<hsize_t>& dims, const std::vector<hsize_t>& chunk,
                         int gzip_level)
    : f_(&f), path_(path), dims_(dims) {
    const int rank = static_cast<int>(dims.size());
    const id space(H5Screate_simple(rank, dims.data(), nullptr), H5Sclose);
    const id lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
    H5Pset_create_intermediate_group(lcpl.get(), 1);
    const id dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    // A chunk may not exceed the extent, and no chunk axis may be 0.
    std::vector<hsize_t> c(chunk);
    bool empty = false;
    for (int i = 0; i < rank; ++i) {
        c[i] = std::max<hsize_t>(1, std::min(c[i], dims[i]));
        empty = empty || dims[i] == 0;
    }
    if (!empty) {
        H5Pset_chunk(dcpl.get(), rank, c.data());
        H5Pset_shuffle(dcpl.get());
        H5Pset_deflate(dcpl.get(), static_cast<unsigned>(gzip_level));
    }
    d_ = id(H5Dcreate2(f.h.get(), path.c_str(), file_type, space.get(), lcpl.get(), dcpl.get(),
                       H5P_DEFAULT),
            H5Dclose);
    if (!d_.ok()) fail(f, "cannot create dataset " + path);
}

void slab_writer::write(const std::vector<hsize_t>& offset, const std::vector<hsize_t>& count,
                        hid_t mem_type, const void* data) {
    hsize_t total = 1;
    for (hsize_t n : count) total *= n;
    if (total == 0) return;
    const int rank = static_cast<int>(dims_.size());
    const id fspace(H5Dget_space(d_.get()), H5Sclose);
    const id mspace(H5Screate_simple(rank, count.data(), nullptr), H5Sclose);
    if (H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, offset.data(), nullptr, count.data(),
                            nullptr) < 0 ||
        H5Dwrite(d_.get(), mem_type, mspace.get(), fspace.get(), H5P_DEFAULT, data) < 0)
        fail(*f_, "cannot write to dataset " + path_);
}

void commit_file(const std::string& tmp, const std::string& path) {
    const int fd = ::open(tmp.c_str(), O_RDONLY);
    if (fd < 0 || ::fsync(fd) != 0) {
        if (fd >= 0) ::close(fd);
        throw spikebar::io_error(tmp + ": cannot sync to disk");
    }
    ::close(fd);
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::filesystem::remove(tmp, ec);  // a failed run leaves nothing behind
        throw spikebar::io_error(path + ": cannot rename " + tmp + " to it: " + ec.message());
    }
}

std::vector<hsize_t> dataset_shape(const file& f, const std::string& path) {
    const quiet q;
    if (!exists(f, path)) fail(f, path + " is missing");
    const id d(H5Dopen2(f.h.get(), path.c_str(), H5P_DEFAULT), H5Dclose);
    if (!d.ok()) fail(f, path + " is not a dataset");
    const id space(H5Dget_space(d.get()), H5Sclose);
    const int nd = H5Sget_simple_extent_ndims(space.get());
    std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(nd, 0)));
    H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
    return dims;
}

std::vector<float> read_floats(const file& f, const std::string& path,
                               const std::vector<hsize_t>& dims) {
    const auto shape = dataset_shape(f, path);
    if (shape != dims)
        fail(f, path + " has shape " + shape_string(shape) + ", expected " + shape_string(dims));
    const quiet q;
    const id d(H5Dopen2(f.h.get(), path.c_str(), H5P_DEFAULT), H5Dclose);
    const id type(H5Dget_type(d.get()), H5Tclose);
    if (H5Tget_class(type.get()) != H5T_FLOAT) fail(f, path + " must hold floating-point values");
    std::size_t n = 1;
    for (auto x : dims) n *= x;
    std::vector<float> v(n);
    if (H5Dread(d.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0)
        fail(f, path + " cannot be read");
    return v;
}

std::string shape_string(const std::vector<hsize_t>& dims) {
    std::string s = "[";
    for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
    return s + "]";
}

}  // namespace h5
