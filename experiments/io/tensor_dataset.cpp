// The HDF5 tensor dataset reader (see tensor_dataset.hpp, docs/datasets.md).
#include "experiments/io/tensor_dataset.hpp"

#include <hdf5.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <vector>

#include "common/errors.hpp"
#include "common/h5.hpp"
#include "experiments/io/h5_read.hpp"

namespace experiments {

namespace {

constexpr hsize_t max_frames = 1024;  // network.timesteps' bound [steps]

// "[3, 0, 1, 2, 0]": the index of flat element k of an array of shape `dims`.
std::string index_string(std::size_t k, const std::vector<hsize_t>& dims) {
    std::vector<hsize_t> idx(dims.size());
    for (std::size_t a = dims.size(); a-- > 0;) {
        idx[a] = k % dims[a];
        k /= dims[a];
    }
    return h5::shape_string(idx);
}

}  // namespace

snn::dataset load_tensor(const std::string& path, const std::string& split, frame_inputs frames) {
    if (split != "train" && split != "test")
        throw spikebar::config_error("tensor dataset split '" + split +
                                     "': expected train or test");
    const h5_reader r(path, "tensor dataset");
    const bool one = r.exists("/inputs") || r.exists("/labels");
    const bool two = r.exists("/train") || r.exists("/test");
    if (one && two)
        r.fail(
            "holds both /inputs or /labels and a /train or /test group, expected one layout "
            "(docs/datasets.md)");
    if (!one && !two)
        r.fail("holds neither /inputs and /labels nor /train and /test groups (docs/datasets.md)");
    const std::string set = one ? "" : "/" + split;
    if (two && !r.exists(set))
        r.fail("has no " + set + " group, which the " + split + " split reads");
    const std::string in_path = set + "/inputs", lab_path = set + "/labels";
    if (!r.exists(in_path))
        r.fail(in_path + " is missing, expected float32 or uint8 [N, C, H, W] or [N, T, C, H, W]");
    if (!r.exists(lab_path)) r.fail(lab_path + " is missing, expected integer labels [N]");

    const h5_column in = r.open(in_path);
    const bool bytes = in.is_uint8();
    if (!bytes && in.type_class() != H5T_FLOAT)
        r.fail(in_path + " holds " + in.type_name() + " values, expected float32 or uint8");
    const std::vector<hsize_t> dims = in.shape();
    if (dims.size() != 4 && dims.size() != 5)
        r.fail(in_path + " has shape " + h5::shape_string(dims) +
               ", expected [N, C, H, W] or [N, T, C, H, W]");
    for (const hsize_t d : dims)
        if (d == 0)
            r.fail(in_path + " has shape " + h5::shape_string(dims) +
                   ", expected every dimension >= 1");
    const bool five = dims.size() == 5;
    const hsize_t n = dims[0], f = five ? dims[1] : 1;
    const hsize_t c = dims[five ? 2 : 1], h = dims[five ? 3 : 2], w = dims[five ? 4 : 3];
    if (f > max_frames)
        r.fail(in_path + " holds " + std::to_string(f) + " frames per sample, expected at most " +
               std::to_string(max_frames) + " (network.timesteps' bound)");
    constexpr hsize_t int_max = std::numeric_limits<int>::max();
    if (c > int_max || h > int_max || w > int_max || c * h * w > int_max)
        r.fail(in_path + " has shape " + h5::shape_string(dims) + ", expected C * H * W < 2^31");
    if (f > 1 && frames == frame_inputs::refuse)
        r.fail(in_path + " holds " + std::to_string(f) +
               " frames per sample [N, T, C, H, W]; this command takes static images "
               "[N, C, H, W] (eval and sweep take frames)");

    const h5_column lab = r.open(lab_path);
    if (lab.type_class() != H5T_INTEGER)
        r.fail(lab_path + " holds " + lab.type_name() + " values, expected integers");
    const std::vector<hsize_t> ldims = lab.shape();
    if (ldims.size() != 1)
        r.fail(lab_path + " has shape " + h5::shape_string(ldims) + ", expected [N] = [" +
               std::to_string(n) + "]");
    if (ldims[0] != n)
        r.fail(lab_path + " holds " + std::to_string(ldims[0]) + " labels for the " +
               std::to_string(n) + " samples of " + in_path);

    // K: the attribute, or 1 + the largest label.
    std::int64_t k = 0;
    const bool given = r.has_attr("/", "num_classes");
    if (given) {
        k = r.int_attr("/", "num_classes");
        if (k < 1 || k > 256)
            r.fail("/@num_classes = " + std::to_string(k) + ", expected an integer in [1, 256]");
    }
    const std::vector<std::int64_t> labels = lab.read_ints(0, n);
    const std::int64_t bound = given ? k : 256;
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if (labels[i] < 0 || labels[i] >= bound)
            r.fail(lab_path + ": label " + std::to_string(labels[i]) + " at index " +
                   std::to_string(i) + " is not in [0, " + std::to_string(bound) + ")" +
                   (given ? " (/@num_classes)" : " (classes are 8-bit)"));
        if (!given) k = std::max(k, labels[i] + 1);
    }

    snn::dataset d;
    d.name = "tensor/" + split;
    d.channels = static_cast<int>(c);
    d.height = static_cast<int>(h);
    d.width = static_cast<int>(w);
    d.frames = static_cast<int>(f);
    d.num_classes = static_cast<int>(k);
    d.labels.assign(labels.begin(), labels.end());
    const std::size_t total = static_cast<std::size_t>(n * f * c * h * w);
    if (bytes) {
        const std::vector<std::uint8_t> b = in.read_uint8s();
        d.images.resize(total);
        for (std::size_t i = 0; i < total; ++i) d.images[i] = b[i] / 255.0f;
    } else {
        d.images = in.read_floats();
        for (std::size_t i = 0; i < total; ++i) {
            const float v = d.images[i];
            if (!std::isfinite(v))
                r.fail(in_path + index_string(i, dims) + " is " +
                       (std::isnan(v) ? "nan"
                        : v > 0       ? "inf"
                                      : "-inf") +
                       ", expected finite values");
        }
    }
    return d;
}

}  // namespace experiments
