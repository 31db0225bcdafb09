// Reading user-supplied HDF5 files (tensor datasets, event tables) with one-line errors:
// every failure is an io_error "<label> <path>: <what>", e.g.
//   tensor dataset /d/x.h5: /labels holds 3 labels for the 4 samples of /inputs
// Datasets are read whole or, for 1-D integer columns, by range (hyperslab), converted by
// HDF5 to the native type asked for.
#pragma once
#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/h5.hpp"

namespace experiments {

class h5_reader;

// One dataset of a file opened by h5_reader.
class h5_column {
public:
    H5T_class_t type_class() const;
    bool is_uint8() const;          // an unsigned 8-bit integer
    std::string type_name() const;  // "float32", "int16", "uint8", "string", "enum", ...
    std::vector<hsize_t> shape() const;
    // Elements [begin, begin + count) of a 1-D dataset as int64.
    std::vector<std::int64_t> read_ints(hsize_t begin, hsize_t count) const;
    std::vector<float> read_floats() const;         // the whole dataset, row-major
    std::vector<std::uint8_t> read_uint8s() const;  // the whole dataset, row-major

private:
    friend class h5_reader;
    h5_column(const h5_reader& r, std::string path, h5::id d);
    void read_all(hid_t mem_type, void* out) const;
    const h5_reader* r_;
    std::string path_;
    h5::id d_, type_;
};

class h5_reader {
public:
    // io_error when `path` is missing, a directory or not an HDF5 file.
    h5_reader(const std::string& path, const std::string& label);
    const std::string& path() const { return f_.path; }
    bool exists(const std::string& obj) const;
    h5_column open(const std::string& obj) const;  // io_error unless a dataset
    bool has_attr(const std::string& obj, const std::string& name) const;
    // A scalar integer attribute; io_error naming it otherwise.
    std::int64_t int_attr(const std::string& obj, const std::string& name) const;
    [[noreturn]] void fail(const std::string& what) const;

private:
    h5::file f_;
    std::string where_;  // "<label> <path>: "
};

}  // namespace experiments
