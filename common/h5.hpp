// Thin RAII helpers over the HDF5 C API, shared by the model file and the run logs.
// Every failure throws spikebar::io_error naming the file and the object path.
#pragma once
#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

namespace h5 {

// One HDF5 identifier, closed by the matching H5?close.
class id {
public:
    id() = default;
    id(hid_t v, herr_t (*close)(hid_t)) : v_(v), close_(close) {}
    id(id&& o) noexcept : v_(o.v_), close_(o.close_) { o.v_ = -1; }
    id& operator=(id&& o) noexcept {
        std::swap(v_, o.v_);
        std::swap(close_, o.close_);
        return *this;
    }
    id(const id&) = delete;
    id& operator=(const id&) = delete;
    ~id() {
        if (v_ >= 0 && close_) close_(v_);
    }
    hid_t get() const { return v_; }
    bool ok() const { return v_ >= 0; }

private:
    hid_t v_ = -1;
    herr_t (*close_)(hid_t) = nullptr;
};

// Silences HDF5's own error printer while in scope: we report errors ourselves.
class quiet {
public:
    quiet();
    ~quiet();

private:
    H5E_auto2_t func_ = nullptr;
    void* data_ = nullptr;
};

// A file opened for reading or created for writing, remembering its path for messages.
struct file {
    id h;
    std::string path;
    static file open_read(const std::string& path);    // io_error if missing or not HDF5
    static file create(const std::string& path);       // truncates
};

id create_group(const file& f, const std::string& path);
bool exists(const file& f, const std::string& path);  // each component checked in turn

// Attributes on the object at `obj` ("/" for the root).
void write_attr(const file& f, const std::string& obj, const std::string& name, std::int64_t v);
void write_attr(const file& f, const std::string& obj, const std::string& name, double v);
void write_attr(const file& f, const std::string& obj, const std::string& name,
                const std::string& v);
void write_attr(const file& f, const std::string& obj, const std::string& name,
                const std::vector<std::int64_t>& v);
void write_attr(const file& f, const std::string& obj, const std::string& name,
                const std::vector<double>& v);
// A 1-D array of fixed-length UTF-8 strings (h5py reads it as a list of str/bytes).
void write_attr(const file& f, const std::string& obj, const std::string& name,
                const std::vector<std::string>& v);
std::int64_t read_attr_int(const file& f, const std::string& obj, const std::string& name);
double read_attr_double(const file& f, const std::string& obj, const std::string& name);
std::string read_attr_string(const file& f, const std::string& obj, const std::string& name);
std::vector<std::int64_t> read_attr_ints(const file& f, const std::string& obj,
                                         const std::string& name);
std::vector<std::string> attr_names(const file& f, const std::string& obj);

// Whole datasets. Writes are contiguous (model-sized data); `dims` gives the shape.
void write_floats(const file& f, const std::string& path, const std::vector<hsize_t>& dims,
                  const float* data);
void write_doubles(const file& f, const std::string& path, const std::vector<hsize_t>& dims,
                   const double* data);
void write_uint8s(const file& f, const std::string& path, const std::vector<hsize_t>& dims,
                  const std::uint8_t* data);
void write_uint32s(const file& f, const std::string& path, const std::vector<hsize_t>& dims,
                   const std::uint32_t* data);
void write_uint64s(const file& f, const std::string& path, const std::vector<hsize_t>& dims,
                   const std::uint64_t* data);

// A dataset of fixed shape, chunked and gzip-compressed, written block by block (run logs
// written as results arrive). file_type: e.g. H5T_IEEE_F32LE; chunk: one entry per axis.
class slab_writer {
public:
    slab_writer(const file& f, const std::string& path, hid_t file_type,
                const std::vector<hsize_t>& dims, const std::vector<hsize_t>& chunk,
                int gzip_level = 4);
    // Writes the row-major block `count` at `offset` from `data` (memory type mem_type).
    void write(const std::vector<hsize_t>& offset, const std::vector<hsize_t>& count,
               hid_t mem_type, const void* data);
    // Leaves the attribute on this dataset.
    const std::string& path() const { return path_; }

private:
    const file* f_;
    std::string path_;
    std::vector<hsize_t> dims_;
    id d_;
};
// Reads a float dataset of exactly shape `dims` (io_error naming the path otherwise).
std::vector<float> read_floats(const file& f, const std::string& path,
                               const std::vector<hsize_t>& dims);
std::vector<hsize_t> dataset_shape(const file& f, const std::string& path);

// Makes the closed file `tmp` (any file, HDF5 or not) durable (fsync) and gives it its final
// name `path` (rename), so a file named `path` is always complete. Throws io_error naming the
// file when it cannot.
void commit_file(const std::string& tmp, const std::string& path);

std::string shape_string(const std::vector<hsize_t>& dims);  // "[32, 1, 3, 3]"

}  // namespace h5
