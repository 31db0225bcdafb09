// Image datasets from their standard on-disk formats into snn::dataset.
//
// IDX (MNIST, Fashion-MNIST; LeCun et al., http://yann.lecun.com/exdb/mnist/): a big-endian
// header, magic 0x00000803 (unsigned bytes, 3 dimensions) then N, rows, cols for images, and
// 0x00000801 then N for labels, followed by the raw bytes. Files may be gzip-compressed
// (.gz) or raw; zlib reads both. CIFAR-10 binary (Krizhevsky 2009,
// https://www.cs.toronto.edu/~kriz/cifar.html): records of 1 label byte + 3072 pixel bytes
// (3 x 32 x 32, channel-major), data_batch_1..5.bin for training and test_batch.bin for test.
// Pixels scale to [0, 1] as byte / 255. User data comes as an HDF5 tensor file
// (dataset = tensor, data.path; experiments/io/tensor_dataset.hpp, docs/datasets.md). Every problem with a file is an io_error naming the
// dataset, the file and what was wrong, e.g.
//   fashion-mnist train-images /data/train-images-idx3-ubyte.gz: header says 60000 images,
//   file holds 59999
#pragma once
#include <cstdint>
#include <string>

#include "experiments/io/tensor_dataset.hpp"
#include "snn/dataset.hpp"

namespace experiments {

// [data]: which dataset, where, and how much of it.
struct data_params {
    std::string dataset = "fashion-mnist";                  // fashion-mnist | mnist | cifar10 | tensor
    std::string dir = "/usr/share/datasets/fashion-mnist";  // directory holding the files [path]
    std::string path;  // dataset = tensor: the HDF5 tensor file (docs/datasets.md) [path]
    std::int64_t train_limit = 0;  // use only the first N training samples, 0 = all [samples]
    std::int64_t test_limit = 0;   // use only the first N test samples, 0 = all [samples]
    std::int64_t validation = 0;   // hold out the last N training samples for validation [samples]
    void validate() const;
};

// An IDX image file and its IDX label file. `what` names them in errors, e.g.
// "fashion-mnist train"; the files are then called "<what>-images" and "<what>-labels".
snn::dataset load_idx(const std::string& images_path, const std::string& labels_path,
                      const std::string& what, int num_classes = 10);

// MNIST-format split ("train" or "test") from `dir` under the standard names
// (train-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz, ...; the uncompressed names
// without .gz are accepted too). `name` is "fashion-mnist" or "mnist".
snn::dataset load_mnist_format(const std::string& dir, const std::string& split,
                               const std::string& name);
snn::dataset load_fashion_mnist(const std::string& dir, const std::string& split);

// CIFAR-10 binary split ("train": data_batch_1..5.bin, "test": test_batch.bin) from `dir`
// or from its subdirectory cifar-10-batches-bin/ (the layout of the official archive).
snn::dataset load_cifar10(const std::string& dir, const std::string& split);

// The split a run uses: "train" (training files minus the validation tail, then
// train_limit), "validation" (the last `validation` training samples) or "test" (test
// files, then test_limit). Throws config_error for an unknown split or a validation
// size the training set cannot give. Frames (a tensor file of [N, T, C, H, W]) are an
// io_error unless the caller passes frame_inputs::accept.
snn::dataset load_dataset(const data_params& p, const std::string& split,
                          frame_inputs frames = frame_inputs::refuse);

}  // namespace experiments
