// IDX and CIFAR-10 loaders against small files written here (raw and gzip): the bytes
// come back as byte/255 in order, and every kind of bad file gives one exact io_error line.
// Reference: the IDX layout of http://yann.lecun.com/exdb/mnist/ and the CIFAR-10 binary
// layout of https://www.cs.toronto.edu/~kriz/cifar.html.
#include "experiments/io/dataset_io.hpp"

#include <doctest/doctest.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "common/errors.hpp"

namespace fs = std::filesystem;
using bytes = std::vector<std::uint8_t>;

namespace {

// A fresh directory per test case, removed afterwards.
struct temp_dir {
    fs::path path;
    temp_dir() {
        static int n = 0;
        path = fs::temp_directory_path() /
               ("spikebar_dataset_test_" + std::to_string(::getpid()) + "_" + std::to_string(n++));
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~temp_dir() { fs::remove_all(path); }
    std::string operator/(const std::string& name) const { return (path / name).string(); }
};

void put32(bytes& b, std::uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(v >> s));
}

void write_file(const std::string& path, const bytes& b) {
    if (path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0) {
        gzFile f = gzopen(path.c_str(), "wb");
        REQUIRE(f != nullptr);
        REQUIRE(gzwrite(f, b.data(), static_cast<unsigned>(b.size())) ==
                static_cast<int>(b.size()));
        REQUIRE(gzclose(f) == Z_OK);
    } else {
        std::ofstream f(path, std::ios::binary);
        f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
    }
}

// Pixel k of sample i: a pattern that uses every byte value, so scaling is checked fully.
std::uint8_t pixel(std::size_t i, std::size_t k) {
    return static_cast<std::uint8_t>(i * 37 + k * 11);
}
std::uint8_t label(std::size_t i) {
    return static_cast<std::uint8_t>((i * 3) % 10);
}

// IDX images: header count `said`, then `n` images of rows x cols.
bytes idx_images(std::uint32_t said, std::size_t n, std::uint32_t rows, std::uint32_t cols) {
    bytes b;
    put32(b, 0x803);
    put32(b, said);
    put32(b, rows);
    put32(b, cols);
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t k = 0; k < rows * cols; ++k) b.push_back(pixel(i, k));
    }
    return b;
}

bytes idx_labels(std::uint32_t said, std::size_t n) {
    bytes b;
    put32(b, 0x801);
    put32(b, said);
    for (std::size_t i = 0; i < n; ++i) b.push_back(label(i));
    return b;
}

bytes cifar_records(std::size_t n, std::size_t offset) {
    bytes b;
    for (std::size_t i = offset; i < offset + n; ++i) {
        b.push_back(label(i));
        for (std::size_t k = 0; k < 3072; ++k) b.push_back(pixel(i, k));
    }
    return b;
}

void check_content(const snn::dataset& d, std::size_t n, std::size_t pixels,
                   std::size_t offset = 0) {
    REQUIRE(d.size() == n);
    REQUIRE(d.images.size() == n * pixels);
    REQUIRE(d.image_size() == pixels);
    for (std::size_t i = 0; i < n; ++i) {
        CHECK(d.labels[i] == label(offset + i));
        for (std::size_t k = 0; k < pixels; ++k) {
            if (d.image(i)[k] != pixel(offset + i, k) / 255.0f) {
                FAIL("sample ", i, " pixel ", k, ": ", d.image(i)[k],
                     " != ", pixel(offset + i, k) / 255.0f);
            }
        }
    }
}

std::string io_error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const spikebar::io_error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("IDX files round-trip raw and gzip-compressed") {
    for (const char* ext : {"", ".gz"}) {
        CAPTURE(ext);
        temp_dir t;
        write_file(t / ("img" + std::string(ext)), idx_images(5, 5, 4, 3));
        write_file(t / ("lab" + std::string(ext)), idx_labels(5, 5));
        const snn::dataset d = experiments::load_idx(t / ("img" + std::string(ext)),
                                                     t / ("lab" + std::string(ext)), "tiny train");
        CHECK(d.channels == 1);
        CHECK(d.height == 4);
        CHECK(d.width == 3);
        CHECK(d.num_classes == 10);
        check_content(d, 5, 12);
    }
}

TEST_CASE("Fashion-MNIST loads from the standard names, compressed or not") {
    temp_dir t;
    write_file(t / "train-images-idx3-ubyte.gz", idx_images(6, 6, 28, 28));
    write_file(t / "train-labels-idx1-ubyte.gz", idx_labels(6, 6));
    write_file(t / "t10k-images-idx3-ubyte", idx_images(2, 2, 28, 28));
    write_file(t / "t10k-labels-idx1-ubyte", idx_labels(2, 2));
    const auto train = experiments::load_fashion_mnist(t.path.string(), "train");
    CHECK(train.name == "fashion-mnist/train");
    check_content(train, 6, 784);
    const auto test = experiments::load_fashion_mnist(t.path.string(), "test");
    CHECK(test.name == "fashion-mnist/test");
    check_content(test, 2, 784);
}

TEST_CASE("bad IDX files give an io_error naming the file and the problem") {
    temp_dir t;
    const std::string img = t / "train-images-idx3-ubyte.gz";
    const std::string lab = t / "train-labels-idx1-ubyte.gz";
    const std::string dir = t.path.string();
    const auto load = [&] { experiments::load_fashion_mnist(dir, "train"); };

    SUBCASE("missing files") {
        CHECK(io_error_of(load) == "fashion-mnist train-images: neither " + img + " nor " +
                                       t / "train-images-idx3-ubyte" + " exists");
        CHECK(io_error_of([&] { experiments::load_idx(t / "none", t / "none2", "x train"); }) ==
              "x train-images " + t / "none" + ": file does not exist");
        CHECK(io_error_of([&] { experiments::load_idx(dir, dir, "x train"); }) ==
              "x train-images " + dir + ": is a directory, not a file");
    }
    SUBCASE("wrong magic number: labels where images belong") {
        write_file(img, idx_labels(3, 3));
        write_file(lab, idx_labels(3, 3));
        CHECK(io_error_of(load) == "fashion-mnist train-images " + img +
                                       ": magic number 0x00000801, expected 0x00000803 (IDX "
                                       "unsigned bytes, 3 dimensions)");
    }
    SUBCASE("wrong magic number in the labels") {
        write_file(img, idx_images(3, 3, 2, 2));
        write_file(lab, idx_images(3, 3, 2, 2));
        CHECK(io_error_of(load) == "fashion-mnist train-labels " + lab +
                                       ": magic number 0x00000803, expected 0x00000801 (IDX "
                                       "unsigned bytes, 1 dimension)");
    }
    SUBCASE("truncated image data") {
        bytes b = idx_images(3, 3, 2, 2);
        b.pop_back();
        write_file(img, b);
        write_file(lab, idx_labels(3, 3));
        CHECK(io_error_of(load) ==
              "fashion-mnist train-images " + img + ": header says 3 images, file holds 2");
    }
    SUBCASE("trailing bytes after the images") {
        bytes b = idx_images(3, 3, 2, 2);
        b.push_back(7);
        write_file(img, b);
        write_file(lab, idx_labels(3, 3));
        CHECK(io_error_of(load) == "fashion-mnist train-images " + img +
                                       ": header says 3 images, file holds 3 and 1 extra bytes");
    }
    SUBCASE("truncated header") {
        write_file(lab, idx_labels(3, 3));
        bytes b = idx_images(3, 0, 2, 2);
        b.resize(10);
        write_file(img, b);
        CHECK(io_error_of(load) == "fashion-mnist train-images " + img +
                                       ": file holds 10 bytes, too short for the 16-byte IDX "
                                       "header");
        write_file(img, bytes{0, 0});
        CHECK(io_error_of(load) == "fashion-mnist train-images " + img +
                                       ": file holds 2 bytes, too short for an IDX header");
    }
    SUBCASE("truncated labels") {
        write_file(img, idx_images(3, 3, 2, 2));
        write_file(lab, idx_labels(3, 1));
        CHECK(io_error_of(load) ==
              "fashion-mnist train-labels " + lab + ": header says 3 labels, file holds 1");
    }
    SUBCASE("image and label counts differ") {
        write_file(img, idx_images(3, 3, 2, 2));
        write_file(lab, idx_labels(2, 2));
        CHECK(io_error_of(load) ==
              "fashion-mnist train-labels " + lab + ": 2 labels for the 3 images of " + img);
    }
    SUBCASE("label out of range") {
        write_file(img, idx_images(3, 3, 2, 2));
        bytes b = idx_labels(3, 3);
        b[8 + 2] = 10;
        write_file(lab, b);
        CHECK(io_error_of(load) ==
              "fashion-mnist train-labels " + lab + ": label 10 at index 2 is not in [0, 10)");
    }
    SUBCASE("zero-sized images") {
        write_file(lab, idx_labels(3, 3));
        write_file(img, idx_images(3, 0, 0, 28));
        CHECK(io_error_of(load) ==
              "fashion-mnist train-images " + img + ": header says images of 0 x 28 pixels");
    }
    SUBCASE("truncated gzip stream") {
        write_file(img, idx_images(20, 20, 28, 28));
        std::ifstream in(img, std::ios::binary);
        bytes gz((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        gz.resize(gz.size() / 2);
        std::ofstream(img, std::ios::binary | std::ios::trunc)
            .write(reinterpret_cast<const char*>(gz.data()),
                   static_cast<std::streamsize>(gz.size()));
        write_file(lab, idx_labels(20, 20));
        CHECK(io_error_of(load) ==
              "fashion-mnist train-images " + img + ": read failed (unexpected end of file)");
    }
}

TEST_CASE("CIFAR-10 batches load in order, from the directory or its archive subdirectory") {
    for (const bool sub : {false, true}) {
        CAPTURE(sub);
        temp_dir t;
        const fs::path dir = sub ? t.path / "cifar-10-batches-bin" : t.path;
        fs::create_directories(dir);
        for (int b = 1; b <= 5; ++b) {
            write_file((dir / ("data_batch_" + std::to_string(b) + ".bin")).string(),
                       cifar_records(2, 2 * (b - 1)));
        }
        write_file((dir / "test_batch.bin").string(), cifar_records(3, 100));
        const auto train = experiments::load_cifar10(t.path.string(), "train");
        CHECK(train.name == "cifar10/train");
        CHECK(train.channels == 3);
        CHECK(train.height == 32);
        CHECK(train.width == 32);
        check_content(train, 10, 3072);
        check_content(experiments::load_cifar10(t.path.string(), "test"), 3, 3072, 100);
    }
}

TEST_CASE("bad CIFAR-10 files give an io_error naming the file and the problem") {
    temp_dir t;
    for (int b = 1; b <= 5; ++b) {
        write_file(t / ("data_batch_" + std::to_string(b) + ".bin"), cifar_records(1, 0));
    }
    const auto load = [&] { experiments::load_cifar10(t.path.string(), "train"); };
    SUBCASE("missing batch") {
        fs::remove(t / "data_batch_3.bin");
        CHECK(io_error_of(load) == "cifar10 train: " + t / "data_batch_3.bin" + " does not exist");
    }
    SUBCASE("truncated record") {
        bytes b = cifar_records(2, 0);
        b.pop_back();
        write_file(t / "data_batch_2.bin", b);
        CHECK(io_error_of(load) == "cifar10 data_batch_2 " + t / "data_batch_2.bin" +
                                       ": file holds 6145 bytes, not a whole number of 3073-byte "
                                       "records (1 label + 3072 pixels)");
    }
    SUBCASE("label out of range") {
        bytes b = cifar_records(2, 0);
        b[3073] = 200;
        write_file(t / "data_batch_5.bin", b);
        CHECK(io_error_of(load) == "cifar10 data_batch_5 " + t / "data_batch_5.bin" +
                                       ": label 200 at index 1 is not in [0, 10)");
    }
}

TEST_CASE("load_dataset holds out the validation tail and applies the limits") {
    temp_dir t;
    write_file(t / "train-images-idx3-ubyte.gz", idx_images(10, 10, 2, 2));
    write_file(t / "train-labels-idx1-ubyte.gz", idx_labels(10, 10));
    write_file(t / "t10k-images-idx3-ubyte.gz", idx_images(4, 4, 2, 2));
    write_file(t / "t10k-labels-idx1-ubyte.gz", idx_labels(4, 4));
    experiments::data_params p;
    p.dataset = "mnist";
    p.dir = t.path.string();
    check_content(experiments::load_dataset(p, "train"), 10, 4);
    check_content(experiments::load_dataset(p, "test"), 4, 4);
    p.validation = 3;
    check_content(experiments::load_dataset(p, "train"), 7, 4);
    const auto val = experiments::load_dataset(p, "validation");
    CHECK(val.name == "mnist/validation");
    check_content(val, 3, 4, 7);
    p.train_limit = 5;
    p.test_limit = 1;
    check_content(experiments::load_dataset(p, "train"), 5, 4);
    check_content(experiments::load_dataset(p, "test"), 1, 4);
    p.train_limit = 100;  // more than there is: all of it
    check_content(experiments::load_dataset(p, "train"), 7, 4);

    p.validation = 10;
    try {
        experiments::load_dataset(p, "train");
        FAIL("expected a config_error");
    } catch (const spikebar::config_error& e) {
        CHECK(std::string(e.what()) ==
              "data.validation = 10: must be less than the 10 training samples in " + p.dir);
    }
}

TEST_CASE("the real Fashion-MNIST has 60000/10000 images and 6000/1000 per class") {
    const std::string dir = "/usr/share/datasets/fashion-mnist";
    if (!fs::exists(dir + "/train-images-idx3-ubyte.gz") &&
        !fs::exists(dir + "/train-images-idx3-ubyte")) {
        MESSAGE("skipped: no Fashion-MNIST in " << dir);
        return;
    }
    for (const auto& [split, n] : {std::pair<const char*, std::size_t>{"train", 60000},
                                   std::pair<const char*, std::size_t>{"test", 10000}}) {
        CAPTURE(split);
        const auto d = experiments::load_fashion_mnist(dir, split);
        CHECK(d.size() == n);
        CHECK(d.height == 28);
        CHECK(d.width == 28);
        CHECK(d.images.size() == n * 784);
        std::array<std::size_t, 10> hist{};
        for (auto l : d.labels) ++hist[l];
        for (int k = 0; k < 10; ++k) CHECK(hist[static_cast<std::size_t>(k)] == n / 10);
        float lo = 1, hi = 0;
        for (float v : d.images) {
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
        CHECK(lo == 0.0f);
        CHECK(hi == 1.0f);
    }
}
