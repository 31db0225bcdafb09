// The HDF5 helpers (common/h5.hpp) on attributes whose shape or type a reader does not expect.
// Reference: the attribute as written through the HDF5 C API; the readers must refuse
// what they cannot hold with io_error, never read past their buffers (found by the
// run_file fuzz target: a 1-D array of strings where one string was expected).
#include <doctest/doctest.h>
#include <hdf5.h>

#include <cstdio>
#include <string>
#include <vector>

#include "common/errors.hpp"
#include "common/h5.hpp"

namespace {

std::string message_of(const h5::file& f, const std::string& name) {
    try {
        h5::read_attr_string(f, "/", name);
    } catch (const spikebar::io_error& e) {
        return e.what();
    }
    return "(no error)";
}

// A 1-D attribute of three variable-length strings on the root.
void write_vlen_strings(const h5::file& f, const std::string& name) {
    const hsize_t n = 3;
    const h5::id type(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(type.get(), H5T_VARIABLE);
    const h5::id space(H5Screate_simple(1, &n, nullptr), H5Sclose);
    const h5::id a(H5Acreate2(f.h.get(), name.c_str(), type.get(), space.get(), H5P_DEFAULT,
                              H5P_DEFAULT),
                   H5Aclose);
    const char* v[3] = {"a fairly long first string", "second", "third"};
    H5Awrite(a.get(), type.get(), v);
}

}  // namespace

TEST_CASE("read_attr_string reads one string and refuses an array of strings") {
    const std::string path = "h5_test_strings.h5";
    {
        const h5::file f = h5::file::create(path);
        h5::write_attr(f, "/", "one", std::string("spikebar"));
        h5::write_attr(f, "/", "fixed_array",
                       std::vector<std::string>{"a long first element", "b", "c"});
        write_vlen_strings(f, "vlen_array");
        h5::write_attr(f, "/", "number", std::int64_t(7));
    }
    const h5::file f = h5::file::open_read(path);
    CHECK(h5::read_attr_string(f, "/", "one") == "spikebar");
    CHECK(message_of(f, "fixed_array") == path + ": /@fixed_array must be a string");
    CHECK(message_of(f, "vlen_array") == path + ": /@vlen_array must be a string");
    CHECK(message_of(f, "number") == path + ": /@number must be a string");
    std::remove(path.c_str());
}
