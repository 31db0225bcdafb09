// Writing small HDF5 files in tests: datasets of any type and rank (intermediate groups
// created), groups and scalar attributes, through the HDF5 C API, so that tests can make
// both good files and every kind of bad one. A fresh temporary directory per test case.
#pragma once
#include <doctest/doctest.h>
#include <hdf5.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace h5_fixture {

struct temp_dir {
    std::filesystem::path path;
    temp_dir() {
        static int n = 0;
        path = std::filesystem::temp_directory_path() /
               ("spikebar_h5_fixture_" + std::to_string(::getpid()) + "_" + std::to_string(n++));
        std::filesystem::remove_all(path);
        std::filesystem::create_directories(path);
    }
    ~temp_dir() { std::filesystem::remove_all(path); }
    std::string operator/(const std::string& name) const { return (path / name).string(); }
};

class writer {
public:
    explicit writer(const std::string& path)
        : f_(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT)) {
        REQUIRE(f_ >= 0);
    }
    ~writer() { H5Fclose(f_); }
    writer(const writer&) = delete;
    writer& operator=(const writer&) = delete;

    // `data` holds the product of dims values of memory type `mem`, stored as `file_type`.
    void dataset(const std::string& name, hid_t file_type, hid_t mem,
                 const std::vector<hsize_t>& dims, const void* data) {
        const hid_t space = dims.empty() ? H5Screate(H5S_SCALAR)
                                         : H5Screate_simple(int(dims.size()), dims.data(), nullptr);
        const hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
        H5Pset_create_intermediate_group(lcpl, 1);
        const hid_t d =
            H5Dcreate2(f_, name.c_str(), file_type, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
        REQUIRE(d >= 0);
        hsize_t n = 1;
        for (const hsize_t x : dims) n *= x;
        if (n > 0) REQUIRE(H5Dwrite(d, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0);
        H5Dclose(d);
        H5Pclose(lcpl);
        H5Sclose(space);
    }
    void floats(const std::string& name, const std::vector<hsize_t>& dims,
                const std::vector<float>& v) {
        dataset(name, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, dims, v.data());
    }
    void ints(const std::string& name, const std::vector<std::int64_t>& v,
              hid_t file_type = H5T_STD_I32LE) {
        dataset(name, file_type, H5T_NATIVE_INT64, {hsize_t(v.size())}, v.data());
    }
    void group(const std::string& name) {
        const hid_t g = H5Gcreate2(f_, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        REQUIRE(g >= 0);
        H5Gclose(g);
    }
    void int_attr(const std::string& name, std::int64_t v) {
        const hid_t space = H5Screate(H5S_SCALAR);
        const hid_t a =
            H5Acreate2(f_, name.c_str(), H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT);
        REQUIRE(a >= 0);
        REQUIRE(H5Awrite(a, H5T_NATIVE_INT64, &v) >= 0);
        H5Aclose(a);
        H5Sclose(space);
    }

private:
    hid_t f_;
};

}  // namespace h5_fixture
