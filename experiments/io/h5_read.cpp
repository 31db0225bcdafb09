#include "experiments/io/h5_read.hpp"

#include <filesystem>
#include <utility>

#include "common/errors.hpp"

namespace experiments {

h5_reader::h5_reader(const std::string& path, const std::string& label)
    : where_(label + " " + path + ": ") {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) fail("file does not exist");
    if (std::filesystem::is_directory(path, ec)) fail("is a directory, expected an HDF5 file");
    const h5::quiet q;
    if (H5Fis_hdf5(path.c_str()) <= 0) fail("not an HDF5 file");
    f_.path = path;
    f_.h = h5::id(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    if (!f_.h.ok()) fail("cannot open as HDF5");
}

void h5_reader::fail(const std::string& what) const {
    throw spikebar::io_error(where_ + what);
}

bool h5_reader::exists(const std::string& obj) const {
    return h5::exists(f_, obj);
}

h5_column h5_reader::open(const std::string& obj) const {
    const h5::quiet q;
    if (!exists(obj)) fail(obj + " is missing");
    {
        const h5::id o(H5Oopen(f_.h.get(), obj.c_str(), H5P_DEFAULT), H5Oclose);
        if (!o.ok()) fail(obj + " cannot be opened");
        if (H5Iget_type(o.get()) != H5I_DATASET) fail(obj + " is not a dataset");
    }
    h5::id d(H5Dopen2(f_.h.get(), obj.c_str(), H5P_DEFAULT), H5Dclose);
    if (!d.ok()) fail(obj + " cannot be opened");
    return h5_column(*this, obj, std::move(d));
}

bool h5_reader::has_attr(const std::string& obj, const std::string& name) const {
    const h5::quiet q;
    return H5Aexists_by_name(f_.h.get(), obj.c_str(), name.c_str(), H5P_DEFAULT) > 0;
}

std::int64_t h5_reader::int_attr(const std::string& obj, const std::string& name) const {
    const h5::quiet q;
    const std::string what = (obj == "/" ? "/" : obj) + "@" + name;
    const h5::id a(H5Aopen_by_name(f_.h.get(), obj.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT),
                   H5Aclose);
    if (!a.ok()) fail(what + " cannot be opened");
    const h5::id type(H5Aget_type(a.get()), H5Tclose);
    const h5::id space(H5Aget_space(a.get()), H5Sclose);
    if (H5Tget_class(type.get()) != H5T_INTEGER || H5Sget_simple_extent_npoints(space.get()) != 1)
        fail(what + " must be one integer");
    std::int64_t v = 0;
    if (H5Aread(a.get(), H5T_NATIVE_INT64, &v) < 0) fail(what + " cannot be read");
    return v;
}

h5_column::h5_column(const h5_reader& r, std::string path, h5::id d)
    : r_(&r), path_(std::move(path)), d_(std::move(d)), type_(H5Dget_type(d_.get()), H5Tclose) {}

H5T_class_t h5_column::type_class() const {
    return H5Tget_class(type_.get());
}

bool h5_column::is_uint8() const {
    return type_class() == H5T_INTEGER && H5Tget_size(type_.get()) == 1 &&
           H5Tget_sign(type_.get()) == H5T_SGN_NONE;
}

std::string h5_column::type_name() const {
    const std::string bits = std::to_string(8 * H5Tget_size(type_.get()));
    switch (type_class()) {
        case H5T_INTEGER:
            return (H5Tget_sign(type_.get()) == H5T_SGN_NONE ? "uint" : "int") + bits;
        case H5T_FLOAT:
            return "float" + bits;
        case H5T_STRING:
            return "string";
        case H5T_ENUM:
            return "enum (h5py writes bool as enum)";
        case H5T_COMPOUND:
            return "compound";
        default:
            return "non-numeric";
    }
}

std::vector<hsize_t> h5_column::shape() const {
    const h5::id space(H5Dget_space(d_.get()), H5Sclose);
    const int nd = H5Sget_simple_extent_ndims(space.get());
    std::vector<hsize_t> dims(static_cast<std::size_t>(nd > 0 ? nd : 0));
    if (nd > 0) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
    return dims;
}

void h5_column::read_all(hid_t mem_type, void* out) const {
    const h5::quiet q;
    if (H5Dread(d_.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) < 0)
        r_->fail(path_ + " cannot be read");
}

std::vector<float> h5_column::read_floats() const {
    hsize_t n = 1;
    for (const hsize_t d : shape()) n *= d;
    std::vector<float> v(static_cast<std::size_t>(n));
    if (n) read_all(H5T_NATIVE_FLOAT, v.data());
    return v;
}

std::vector<std::uint8_t> h5_column::read_uint8s() const {
    hsize_t n = 1;
    for (const hsize_t d : shape()) n *= d;
    std::vector<std::uint8_t> v(static_cast<std::size_t>(n));
    if (n) read_all(H5T_NATIVE_UINT8, v.data());
    return v;
}

std::vector<std::int64_t> h5_column::read_ints(hsize_t begin, hsize_t count) const {
    std::vector<std::int64_t> v(static_cast<std::size_t>(count));
    if (count == 0) return v;
    const h5::quiet q;
    const h5::id fspace(H5Dget_space(d_.get()), H5Sclose);
    const h5::id mspace(H5Screate_simple(1, &count, nullptr), H5Sclose);
    if (H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, &begin, nullptr, &count, nullptr) < 0 ||
        H5Dread(d_.get(), H5T_NATIVE_INT64, mspace.get(), fspace.get(), H5P_DEFAULT, v.data()) < 0)
        r_->fail(path_ + " cannot be read");
    return v;
}

}  // namespace experiments
