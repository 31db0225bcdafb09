// The NIR file layer: a NIR graph file (neuromorphs/NIR, HDF5) as a generic in-memory graph,
// read and written without knowing what the nodes compute (experiments/nir/nir_import.hpp maps
// it to a spikebar model).
//
// The layout, as the reference reader and writer (nir/serialization.py) and the real files
// of tests/data/nir/ have it:
//   /version                  variable-length UTF-8 string, e.g. "0.2.0"
//   /node                     the top graph: a group whose `type` dataset says "NIRGraph"
//   <graph>/nodes/<name>/     one group per node: `type` (a string DATASET, not an
//                             attribute), one dataset per parameter, optional `metadata/`
//   <graph>/edges             (E, 2) strings: source and target names, in no order
//   <graph>/metadata/         optional datasets (non-essential, by NIR's own rule)
// Parameters are float32/float64 (weights, neuron parameters) or int64 (shapes, strides)
// datasets, scalar or shaped; a few are strings (Conv2d padding "same" / "valid").
//
// Nested graphs are inlined: the nodes of a NIRGraph node "G" become "G.<inner name>" at
// G's place in the node order (recursively: "G.H.x"), the inner Input and Output nodes
// are removed, and every edge into G continues to the successors of G's Input node, every
// edge out of G starts from the predecessors of G's Output node. A subgraph that an edge
// enters (leaves) must therefore have exactly one Input (Output) node.
//
// Every problem throws spikebar::io_error with one line naming the file, the node and what
// is wrong. The reader checks every size before it allocates and opens any file without
// crashing; HDF5's own error printer is silenced while it runs.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace experiments::nir {

// One dataset.
struct array {
    std::vector<std::int64_t> shape;  // {} for a scalar (HDF5 SCALAR dataspace)
    std::vector<double> values;       // numeric data, row-major; empty for text
    std::string text;                 // a string dataset's text (is_text)
    bool is_text = false;
    bool is_integer = false;  // stored as an integer type; written back as int64
    bool is_float32 = false;  // stored as float32; written back so (else float64)

    std::size_t size() const;  // product of shape (1 for a scalar)
};

// Convenience constructors for writers.
array float32_array(std::vector<std::int64_t> shape, std::vector<double> values);
array float64_array(std::vector<std::int64_t> shape, std::vector<double> values);
array int64_array(std::vector<std::int64_t> shape, std::vector<double> values);
array text_array(std::string text);

struct node {
    std::string name;  // full name; a node inlined from subgraph G is "G.<inner name>"
    std::string type;  // the `type` dataset: "Affine", "Conv2d", "LIF", ...
    std::map<std::string, array> params;    // every dataset of the group but `type`
    std::map<std::string, array> metadata;  // `metadata/` datasets; nested groups as "a/b"
};

struct graph {
    std::string version;  // /version
    std::vector<node> nodes;  // the file's order (HDF5 creation order if tracked, else name)
    std::vector<std::pair<std::string, std::string>> edges;  // (source, target) node names
    std::map<std::string, array> metadata;                   // the top graph's metadata

    // Index of the node named `name` in `nodes`, or nodes.size() if there is none.
    std::size_t find(const std::string& name) const;
};

// Limits the reader enforces, so a file that declares huge datasets is refused, not
// allocated: elements per dataset, elements in all datasets of a file, nesting depth,
// nodes and edges per file.
inline constexpr std::size_t max_dataset_elements = std::size_t{1} << 26;
inline constexpr std::size_t max_file_elements = std::size_t{1} << 27;
inline constexpr int max_graph_depth = 16;
inline constexpr std::size_t max_nodes = 100000;

// Reads the NIR file `path`, with nested graphs inlined (above). Checks that every edge
// names a node of its graph and that the names stay unique once inlined.
graph read_graph(const std::string& path);

// Writes `g` to `path` through `path + ".tmp"` (fsync, rename), in the layout above, as
// the reference writer (nir.write) does: numeric datasets gzip-compressed (scalars
// uncompressed), strings as variable-length UTF-8, /node/type "NIRGraph". An empty
// `version` is written as "0.2.0" (the layout version this code follows). Refuses (io_error)
// a graph whose edges name missing nodes, whose names repeat or contain '/', or whose
// arrays' values do not fill their shape.
void write_graph(const graph& g, const std::string& path);

// The nodes of `g` (indices into g.nodes) in an order where every edge goes forward;
// among ready nodes, the earliest in g.nodes comes first. If the graph has a cycle, throws
// io_error "<path>: the graph has a cycle: a -> b -> a", the cycle starting at its node
// earliest in g.nodes. `path` names the file in that message.
std::vector<std::size_t> topological_order(const graph& g, const std::string& path);

}  // namespace experiments::nir
