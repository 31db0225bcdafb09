// IDX and CIFAR-10 binary loaders (see dataset_io.hpp).
#include "experiments/io/dataset_io.hpp"

#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <utility>
#include <vector>

#include "common/errors.hpp"
#include "common/validate.hpp"

namespace fs = std::filesystem;

namespace experiments {

void data_params::validate() const {
    using namespace spikebar::check;
    // Not one_of: the message is the one the [data] schema gives, names separated by commas.
    require(dataset == "fashion-mnist" || dataset == "mnist" || dataset == "cifar10" ||
                dataset == "tensor",
            "data.dataset", dataset, "expected one of fashion-mnist, mnist, cifar10, tensor");
    require(!dir.empty(), "data.dir", "''", "must not be empty");
    require(dataset != "tensor" || !path.empty(), "data.path", "''",
            "data.dataset = tensor needs the HDF5 tensor file (docs/datasets.md)");
    at_least("data.train_limit", train_limit, 0, "samples");
    at_least("data.test_limit", test_limit, 0, "samples");
    at_least("data.validation", validation, 0, "samples");
}

namespace {

constexpr std::uint32_t idx_images_magic = 0x00000803;  // unsigned bytes, 3 dimensions
constexpr std::uint32_t idx_labels_magic = 0x00000801;  // unsigned bytes, 1 dimension
constexpr std::size_t cifar_pixels = 3 * 32 * 32;
constexpr std::size_t cifar_record = 1 + cifar_pixels;

// The whole (decompressed) content of a file. zlib reads raw files unchanged, so one
// path serves both .gz and uncompressed files. `label` prefixes every error.
std::vector<std::uint8_t> read_all(const std::string& path, const std::string& label) {
    const std::string where = label + " " + path + ": ";
    std::error_code ec;
    if (!fs::exists(path, ec)) throw spikebar::io_error(where + "file does not exist");
    if (fs::is_directory(path, ec)) throw spikebar::io_error(where + "is a directory, not a file");
    errno = 0;
    gzFile f = gzopen(path.c_str(), "rb");
    if (!f) {
        throw spikebar::io_error(where + "cannot open (" +
                                 (errno ? std::strerror(errno) : "out of memory") + ")");
    }
    gzbuffer(f, 1 << 20);
    std::vector<std::uint8_t> out;
    constexpr unsigned chunk = 1 << 20;
    for (;;) {
        const std::size_t old = out.size();
        out.resize(old + chunk);
        const int n = gzread(f, out.data() + old, chunk);
        int err = Z_OK;
        const char* msg = gzerror(f, &err);
        if (n < 0 || (err != Z_OK && err != Z_STREAM_END)) {
            std::string what = err == Z_ERRNO ? std::strerror(errno) : msg;
            // zlib prefixes its message with the path, which `where` already names.
            if (what.rfind(path + ": ", 0) == 0) what.erase(0, path.size() + 2);
            gzclose(f);
            throw spikebar::io_error(where + "read failed (" + what + ")");
        }
        out.resize(old + static_cast<std::size_t>(n));
        if (n == 0) break;
    }
    gzclose(f);
    return out;
}

std::uint32_t be32(const std::vector<std::uint8_t>& b, std::size_t at) {
    return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) |
           (std::uint32_t{b[at + 2]} << 8) | std::uint32_t{b[at + 3]};
}

std::string hex32(std::uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08X", v);
    return buf;
}

// Checks an IDX header with `dims` dimensions and returns them; the payload follows.
std::vector<std::uint32_t> idx_header(const std::vector<std::uint8_t>& b, std::uint32_t magic,
                                      int dims, const std::string& where) {
    const std::size_t header = 4 + 4 * static_cast<std::size_t>(dims);
    if (b.size() < 4) {
        throw spikebar::io_error(where + "file holds " + std::to_string(b.size()) +
                                 " bytes, too short for an IDX header");
    }
    if (be32(b, 0) != magic) {
        throw spikebar::io_error(where + "magic number " + hex32(be32(b, 0)) + ", expected " +
                                 hex32(magic) + " (IDX unsigned bytes, " + std::to_string(dims) +
                                 (dims == 1 ? " dimension)" : " dimensions)"));
    }
    if (b.size() < header) {
        throw spikebar::io_error(where + "file holds " + std::to_string(b.size()) +
                                 " bytes, too short for the " + std::to_string(header) +
                                 "-byte IDX header");
    }
    std::vector<std::uint32_t> d(static_cast<std::size_t>(dims));
    for (int i = 0; i < dims; ++i) d[static_cast<std::size_t>(i)] = be32(b, 4 + 4 * i);
    return d;
}

// The payload must hold exactly `count` items of `item` bytes.
void check_count(std::size_t payload, std::uint64_t count, std::uint64_t item, const char* noun,
                 const std::string& where) {
    const std::uint64_t holds = payload / item;
    const std::uint64_t extra = payload % item;
    if (holds != count) {
        throw spikebar::io_error(where + "header says " + std::to_string(count) + " " + noun +
                                 ", file holds " + std::to_string(holds));
    }
    if (extra != 0) {
        throw spikebar::io_error(where + "header says " + std::to_string(count) + " " + noun +
                                 ", file holds " + std::to_string(holds) + " and " +
                                 std::to_string(extra) + " extra bytes");
    }
}

void check_label(std::uint8_t label, std::size_t index, int num_classes, const std::string& where) {
    if (label >= num_classes) {
        throw spikebar::io_error(where + "label " + std::to_string(label) + " at index " +
                                 std::to_string(index) + " is not in [0, " +
                                 std::to_string(num_classes) + ")");
    }
}

// Keeps samples [begin, end) of `d`.
void keep_range(snn::dataset& d, std::size_t begin, std::size_t end) {
    const std::size_t px = d.sample_size();
    d.labels.assign(d.labels.begin() + static_cast<std::ptrdiff_t>(begin),
                    d.labels.begin() + static_cast<std::ptrdiff_t>(end));
    d.images.erase(d.images.begin() + static_cast<std::ptrdiff_t>(end * px), d.images.end());
    d.images.erase(d.images.begin(), d.images.begin() + static_cast<std::ptrdiff_t>(begin * px));
    d.images.shrink_to_fit();
    d.labels.shrink_to_fit();
}

void check_split(const std::string& split) {
    if (split != "train" && split != "test") {
        throw spikebar::config_error("dataset split '" + split + "': expected train or test");
    }
}

}  // namespace

snn::dataset load_idx(const std::string& images_path, const std::string& labels_path,
                      const std::string& what, int num_classes) {
    const std::string img_where = what + "-images " + images_path + ": ";
    const std::string lab_where = what + "-labels " + labels_path + ": ";

    const auto img = read_all(images_path, what + "-images");
    const auto dims = idx_header(img, idx_images_magic, 3, img_where);
    const std::uint64_t n = dims[0], rows = dims[1], cols = dims[2];
    if (rows == 0 || cols == 0) {
        throw spikebar::io_error(img_where + "header says images of " + std::to_string(rows) +
                                 " x " + std::to_string(cols) + " pixels");
    }
    check_count(img.size() - 16, n, rows * cols, "images", img_where);

    const auto lab = read_all(labels_path, what + "-labels");
    const std::uint64_t nl = idx_header(lab, idx_labels_magic, 1, lab_where)[0];
    check_count(lab.size() - 8, nl, 1, "labels", lab_where);
    if (nl != n) {
        throw spikebar::io_error(lab_where + std::to_string(nl) + " labels for the " +
                                 std::to_string(n) + " images of " + images_path);
    }

    snn::dataset d;
    d.name = what;
    d.channels = 1;
    d.height = static_cast<int>(rows);
    d.width = static_cast<int>(cols);
    d.num_classes = num_classes;
    d.images.resize(img.size() - 16);
    for (std::size_t i = 0; i < d.images.size(); ++i) d.images[i] = img[16 + i] / 255.0f;
    d.labels.assign(lab.begin() + 8, lab.end());
    for (std::size_t i = 0; i < d.labels.size(); ++i) {
        check_label(d.labels[i], i, num_classes, lab_where);
    }
    return d;
}

snn::dataset load_mnist_format(const std::string& dir, const std::string& split,
                               const std::string& name) {
    check_split(split);
    const std::string prefix = split == "train" ? "train" : "t10k";
    const auto find = [&](const std::string& role, const std::string& base) {
        const fs::path raw = fs::path(dir) / base;
        const fs::path gz = fs::path(dir) / (base + ".gz");
        std::error_code ec;
        if (fs::exists(gz, ec)) return gz.string();
        if (fs::exists(raw, ec)) return raw.string();
        throw spikebar::io_error(name + " " + split + "-" + role + ": neither " + gz.string() +
                                 " nor " + raw.string() + " exists");
    };
    const std::string images = find("images", prefix + "-images-idx3-ubyte");
    const std::string labels = find("labels", prefix + "-labels-idx1-ubyte");
    snn::dataset d = load_idx(images, labels, name + " " + split, 10);
    d.name = name + "/" + split;
    return d;
}

snn::dataset load_fashion_mnist(const std::string& dir, const std::string& split) {
    return load_mnist_format(dir, split, "fashion-mnist");
}

snn::dataset load_cifar10(const std::string& dir, const std::string& split) {
    check_split(split);
    std::vector<std::string> names;
    if (split == "train") {
        for (int i = 1; i <= 5; ++i) names.push_back("data_batch_" + std::to_string(i) + ".bin");
    } else {
        names.push_back("test_batch.bin");
    }
    // The official archive unpacks into cifar-10-batches-bin/; accept its parent too.
    fs::path root(dir);
    std::error_code ec;
    if (!fs::exists(root / names[0], ec) &&
        fs::exists(root / "cifar-10-batches-bin" / names[0], ec)) {
        root /= "cifar-10-batches-bin";
    }

    snn::dataset d;
    d.name = "cifar10/" + split;
    d.channels = 3;
    d.height = 32;
    d.width = 32;
    d.num_classes = 10;
    for (const auto& name : names) {
        const std::string path = (root / name).string();
        const std::string label = "cifar10 " + name.substr(0, name.size() - 4);
        const std::string where = label + " " + path + ": ";
        if (!fs::exists(path, ec)) {
            throw spikebar::io_error("cifar10 " + split + ": " + path + " does not exist");
        }
        const auto b = read_all(path, label);
        if (b.empty() || b.size() % cifar_record != 0) {
            throw spikebar::io_error(where + "file holds " + std::to_string(b.size()) +
                                     " bytes, not a whole number of " +
                                     std::to_string(cifar_record) +
                                     "-byte records (1 label + 3072 pixels)");
        }
        const std::size_t records = b.size() / cifar_record;
        const std::size_t first = d.labels.size();
        d.labels.reserve(first + records);
        d.images.reserve((first + records) * cifar_pixels);
        for (std::size_t r = 0; r < records; ++r) {
            const std::uint8_t* rec = b.data() + r * cifar_record;
            check_label(rec[0], r, 10, where);
            d.labels.push_back(rec[0]);
            for (std::size_t i = 0; i < cifar_pixels; ++i) d.images.push_back(rec[1 + i] / 255.0f);
        }
    }
    return d;
}

snn::dataset load_dataset(const data_params& p, const std::string& split, frame_inputs frames) {
    if (split != "train" && split != "validation" && split != "test") {
        throw spikebar::config_error("dataset split '" + split +
                                     "': expected train, validation or test");
    }
    const std::string file_split = split == "test" ? "test" : "train";
    const bool tensor = p.dataset == "tensor";
    snn::dataset d = tensor                  ? load_tensor(p.path, file_split, frames)
                     : p.dataset == "cifar10" ? load_cifar10(p.dir, file_split)
                                              : load_mnist_format(p.dir, file_split, p.dataset);
    const auto n = d.size();
    const auto limit = [](std::int64_t l, std::size_t size) {
        return l > 0 && static_cast<std::size_t>(l) < size ? static_cast<std::size_t>(l) : size;
    };
    if (split == "test") {
        keep_range(d, 0, limit(p.test_limit, n));
        return d;
    }
    const auto v = static_cast<std::size_t>(p.validation);
    if (v >= n) {
        throw spikebar::config_error("data.validation = " + std::to_string(p.validation) +
                                     ": must be less than the " + std::to_string(n) +
                                     " training samples in " + (tensor ? p.path : p.dir));
    }
    if (split == "validation") {
        if (v == 0) {
            throw spikebar::config_error(
                "data.validation = 0: no validation split (set it to the samples to hold out)");
        }
        keep_range(d, n - v, n);
        d.name = p.dataset + "/validation";
    } else {
        keep_range(d, 0, limit(p.train_limit, n - v));
    }
    return d;
}

}  // namespace experiments
