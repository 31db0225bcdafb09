// The NIR file layer against real files from other frameworks' exporters (tests/data/nir,
// see its README: node counts, types, shapes and first values as `h5dump` prints them),
// against small files written here with the HDF5 C API (nested graphs and every rejection,
// with its exact message), and against itself (write_graph -> read_graph is bit-identical).
#include "experiments/nir/nir_file.hpp"

#include <doctest/doctest.h>
#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/errors.hpp"
#include "common/h5.hpp"

namespace fs = std::filesystem;
namespace nir = experiments::nir;

#ifndef SPIKEBAR_NIR_DATA
#error "tests/experiments/CMakeLists.txt passes SPIKEBAR_NIR_DATA, the fixture folder"
#endif

namespace {

std::string fixture(const std::string& name) { return std::string(SPIKEBAR_NIR_DATA) + "/" + name; }

struct temp_dir {
    fs::path path;
    temp_dir() {
        static int n = 0;
        path = fs::temp_directory_path() /
               ("spikebar_nir_file_test_" + std::to_string(::getpid()) + "_" + std::to_string(n++));
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~temp_dir() { fs::remove_all(path); }
    std::string operator/(const std::string& name) const { return (path / name).string(); }
};

// Raw HDF5 writing for hand-made (and deliberately bad) files, as h5py lays them out.
struct raw_file {
    h5::file f;
    explicit raw_file(const std::string& path) : f(h5::file::create(path)) {}

    void group(const std::string& path) { h5::create_group(f, path); }

    void text(const std::string& path, const std::string& s) {
        const h5::id type(H5Tcopy(H5T_C_S1), H5Tclose);
        H5Tset_size(type.get(), H5T_VARIABLE);
        H5Tset_cset(type.get(), H5T_CSET_UTF8);
        const h5::id space(H5Screate(H5S_SCALAR), H5Sclose);
        const h5::id lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
        H5Pset_create_intermediate_group(lcpl.get(), 1);
        const h5::id d(H5Dcreate2(f.h.get(), path.c_str(), type.get(), space.get(), lcpl.get(),
                                  H5P_DEFAULT, H5P_DEFAULT),
                       H5Dclose);
        const char* p = s.c_str();
        REQUIRE(H5Dwrite(d.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &p) >= 0);
    }

    void edges(const std::string& graph,
               const std::vector<std::pair<std::string, std::string>>& e) {
        const hsize_t dims[2] = {e.size(), 2};
        const h5::id type(H5Tcopy(H5T_C_S1), H5Tclose);
        H5Tset_size(type.get(), H5T_VARIABLE);
        H5Tset_cset(type.get(), H5T_CSET_UTF8);
        const h5::id space(H5Screate_simple(2, dims, nullptr), H5Sclose);
        const h5::id d(H5Dcreate2(f.h.get(), (graph + "/edges").c_str(), type.get(),
                                  space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                       H5Dclose);
        std::vector<const char*> p;
        for (const auto& [a, b] : e) {
            p.push_back(a.c_str());
            p.push_back(b.c_str());
        }
        if (!p.empty())
            REQUIRE(H5Dwrite(d.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, p.data()) >= 0);
    }

    void floats(const std::string& path, const std::vector<hsize_t>& dims,
                const std::vector<float>& v) {
        h5::write_floats(f, path, dims, v.data());
    }

    // A node group with its type dataset.
    void node(const std::string& graph, const std::string& name, const std::string& type) {
        group(graph + "/nodes/" + name);
        text(graph + "/nodes/" + name + "/type", type);
    }

    // /version and /node as a NIRGraph with nodes/.
    void header() {
        text("/version", "0.2.0");
        group("/node/nodes");
        text("/node/type", "NIRGraph");
    }
};

// A graph with one Linear node between Input and Output, as h5py would lay it out.
void write_chain(raw_file& r) {
    r.header();
    r.node("/node", "input", "Input");
    r.node("/node", "lin", "Linear");
    r.floats("/node/nodes/lin/weight", {1, 1}, {2.0f});
    r.node("/node", "output", "Output");
}

std::string message_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const spikebar::io_error& e) {
        return e.what();
    }
    return "(no io_error)";
}

std::string read_message(const std::string& path) {
    return message_of([&] { nir::read_graph(path); });
}

const nir::node& get(const nir::graph& g, const std::string& name) {
    const std::size_t i = g.find(name);
    REQUIRE_MESSAGE(i < g.nodes.size(), "no node " << name);
    return g.nodes[i];
}

bool same(const nir::array& a, const nir::array& b) {
    return a.shape == b.shape && a.is_text == b.is_text && a.text == b.text &&
           a.is_integer == b.is_integer && a.is_float32 == b.is_float32 &&
           a.values.size() == b.values.size() &&
           (a.values.empty() ||  // memcmp of a null data() is undefined, even for 0 bytes
            std::memcmp(a.values.data(), b.values.data(), a.values.size() * sizeof(double)) == 0);
}

bool same(const std::map<std::string, nir::array>& a, const std::map<std::string, nir::array>& b) {
    if (a.size() != b.size()) return false;
    for (const auto& [k, v] : a) {
        const auto it = b.find(k);
        if (it == b.end() || !same(v, it->second)) return false;
    }
    return true;
}

void require_same(const nir::graph& a, const nir::graph& b) {
    CHECK(a.version == b.version);
    REQUIRE(a.nodes.size() == b.nodes.size());
    for (std::size_t i = 0; i < a.nodes.size(); ++i) {
        INFO("node " << a.nodes[i].name);
        CHECK(a.nodes[i].name == b.nodes[i].name);
        CHECK(a.nodes[i].type == b.nodes[i].type);
        CHECK(same(a.nodes[i].params, b.nodes[i].params));
        CHECK(same(a.nodes[i].metadata, b.nodes[i].metadata));
    }
    CHECK(a.edges == b.edges);
    CHECK(same(a.metadata, b.metadata));
}

const std::vector<std::string> fixtures = {
    "braille_noDelay_bias_zero.nir", "braille_noDelay_noBias_subtract.nir", "cnn_sinabs.nir",
    "lif_norse.nir",                 "lif_rockpool.nir",                    "two_lif_neurons.nir"};

}  // namespace

TEST_CASE("every fixture reads with the version, node and edge counts h5ls and h5dump show") {
    struct expect {
        std::string file, version;
        std::size_t nodes, edges;
        std::string some_node, its_type;
    };
    const std::vector<expect> cases = {
        {"braille_noDelay_bias_zero.nir", "0.2.0", 7, 7, "lif1.lif", "CubaLIF"},
        {"braille_noDelay_noBias_subtract.nir", "0.2.0", 7, 7, "lif1.w_rec", "Linear"},
        {"cnn_sinabs.nir", "0.2.0", 15, 14, "4", "SumPool2d"},
        {"lif_norse.nir", "0.1.1", 4, 3, "1", "LIF"},
        {"lif_rockpool.nir", "0.2.0", 4, 3, "0_LinearTorch", "Linear"},
        {"two_lif_neurons.nir", "0.2.0", 6, 5, "lif2", "LIF"},
    };
    for (const expect& c : cases) {
        INFO(c.file);
        const nir::graph g = nir::read_graph(fixture(c.file));
        CHECK(g.version == c.version);
        CHECK(g.nodes.size() == c.nodes);
        CHECK(g.edges.size() == c.edges);
        CHECK(get(g, c.some_node).type == c.its_type);
        CHECK(g.metadata.empty());
    }
}

TEST_CASE("cnn_sinabs parameters have the dtypes, shapes and first values h5dump prints") {
    const nir::graph g = nir::read_graph(fixture("cnn_sinabs.nir"));
    // Name order, as HDF5's name index (and h5py) lists them.
    std::vector<std::string> names;
    for (const auto& n : g.nodes) names.push_back(n.name);
    CHECK(names == std::vector<std::string>{"0", "1", "10", "11", "12", "2", "3", "4", "5", "6",
                                            "7", "8", "9", "input", "output"});
    const nir::node& conv = get(g, "0");
    CHECK(conv.type == "Conv2d");
    const nir::array& w = conv.params.at("weight");
    CHECK(w.shape == std::vector<std::int64_t>{16, 2, 5, 5});
    CHECK(w.is_float32);
    CHECK_FALSE(w.is_integer);
    REQUIRE(w.values.size() == 800);
    // h5dump prints 6 significant digits: 5e-6 relative covers its rounding.
    const double first[] = {-0.257342, -0.270349, -0.326558, -0.417664, -0.0988097};
    for (int i = 0; i < 5; ++i) CHECK(w.values[i] == doctest::Approx(first[i]).epsilon(5e-6));
    CHECK(w.values[25] == doctest::Approx(0.117596).epsilon(5e-6));  // (0,1,0,0)
    const nir::array& pad = conv.params.at("padding");
    CHECK(pad.is_integer);
    CHECK(pad.shape == std::vector<std::int64_t>{2});
    CHECK(pad.values == std::vector<double>{1, 1});
    CHECK(conv.params.at("stride").values == std::vector<double>{2, 2});
    CHECK(conv.params.at("input_shape").values == std::vector<double>{34, 34});
    const nir::array& groups = conv.params.at("groups");
    CHECK(groups.shape.empty());  // SCALAR dataspace
    CHECK(groups.values == std::vector<double>{1});
    CHECK(conv.params.size() == 7);  // bias dilation groups input_shape padding stride weight

    const nir::node& spike = get(g, "1");
    CHECK(spike.type == "IF");
    CHECK(spike.params.at("v_threshold").shape == std::vector<std::int64_t>{16, 16, 16});
    CHECK(spike.params.at("r").values.front() == 1.0);
    CHECK(spike.params.count("v_reset") == 0);

    const nir::node& flat = get(g, "8");
    CHECK(flat.type == "Flatten");
    CHECK(flat.params.at("start_dim").values == std::vector<double>{0});
    CHECK(flat.params.at("end_dim").values == std::vector<double>{-1});
    CHECK(flat.params.at("input_type").values == std::vector<double>{8, 4, 4});
    CHECK(get(g, "input").params.at("shape").values == std::vector<double>{2, 34, 34});
    CHECK(get(g, "9").params.at("weight").shape == std::vector<std::int64_t>{256, 128});
    // The first edge h5dump lists.
    CHECK(g.edges.front() == std::pair<std::string, std::string>{"8", "9"});
}

TEST_CASE("lif_norse (NIR 0.1.1) and braille read the float32 values h5dump prints") {
    const nir::graph norse = nir::read_graph(fixture("lif_norse.nir"));
    const nir::node& lif = get(norse, "1");
    CHECK(lif.type == "LIF");
    // Exactly the float32 nearest 0.0025 and 0.1: the values are not rounded through text.
    CHECK(lif.params.at("tau").values == std::vector<double>{double(0.0025f)});
    CHECK(lif.params.at("v_threshold").values == std::vector<double>{double(0.1f)});
    CHECK(lif.params.at("r").shape == std::vector<std::int64_t>{1});
    CHECK(lif.params.count("v_reset") == 0);  // absent: NIR's default 0, for the importer
    CHECK(get(norse, "0").type == "Affine");

    const nir::graph braille = nir::read_graph(fixture("braille_noDelay_bias_zero.nir"));
    const nir::node& cuba = get(braille, "lif1.lif");
    std::set<std::string> keys;
    for (const auto& p : cuba.params) keys.insert(p.first);
    CHECK(keys == std::set<std::string>{"r", "tau_mem", "tau_syn", "v_leak", "v_threshold",
                                        "w_in"});
    const nir::array& w = get(braille, "fc1").params.at("weight");
    CHECK(w.shape == std::vector<std::int64_t>{38, 12});
    CHECK(w.values[0] == doctest::Approx(-1.33806).epsilon(5e-6));
    CHECK(w.values[6] == doctest::Approx(-0.49032).epsilon(5e-6));  // (0,6)
}

TEST_CASE("topological order of cnn_sinabs (shuffled edges) sends every edge forward") {
    const std::string path = fixture("cnn_sinabs.nir");
    const nir::graph g = nir::read_graph(path);
    const std::vector<std::size_t> order = nir::topological_order(g, path);
    REQUIRE(order.size() == g.nodes.size());
    std::vector<std::size_t> position(g.nodes.size(), g.nodes.size());
    for (std::size_t k = 0; k < order.size(); ++k) position[order[k]] = k;
    for (std::size_t p : position) CHECK(p < g.nodes.size());  // a permutation
    for (const auto& [a, b] : g.edges) {
        INFO(a << " -> " << b);
        CHECK(position[g.find(a)] < position[g.find(b)]);
    }
    // The chain the README describes.
    std::string chain;
    for (std::size_t i : order) chain += g.nodes[i].name + " ";
    CHECK(chain == "input 0 1 2 3 4 5 6 7 8 9 10 11 12 output ");
}

TEST_CASE("the braille recurrence is reported as a cycle naming its nodes") {
    for (const char* file : {"braille_noDelay_bias_zero.nir", "braille_noDelay_noBias_subtract.nir"}) {
        const std::string path = fixture(file);
        const nir::graph g = nir::read_graph(path);
        CHECK(message_of([&] { nir::topological_order(g, path); }) ==
              path + ": the graph has a cycle: lif1.lif -> lif1.w_rec -> lif1.lif");
    }
}

TEST_CASE("topological order: a self-loop, a three-node cycle and a dangling in-memory edge") {
    nir::graph g;
    for (const char* n : {"c", "a", "b"}) g.nodes.push_back({n, "Linear", {}, {}});
    g.edges = {{"a", "b"}, {"b", "c"}, {"c", "a"}};
    CHECK(message_of([&] { nir::topological_order(g, "m.nir"); }) ==
          "m.nir: the graph has a cycle: c -> a -> b -> c");
    g.edges = {{"a", "b"}, {"b", "b"}};
    CHECK(message_of([&] { nir::topological_order(g, "m.nir"); }) ==
          "m.nir: the graph has a cycle: b -> b");
    g.edges = {{"a", "b"}, {"b", "x"}};
    CHECK(message_of([&] { nir::topological_order(g, "m.nir"); }) ==
          "m.nir: edge 1 names node \"x\", which does not exist");
    // Without edges, file order.
    g.edges.clear();
    CHECK(nir::topological_order(g, "m.nir") == std::vector<std::size_t>{0, 1, 2});
}

TEST_CASE("write_graph then read_graph gives every fixture back bit for bit") {
    temp_dir dir;
    for (const std::string& file : fixtures) {
        INFO(file);
        const nir::graph g = nir::read_graph(fixture(file));
        const std::string out = dir / file;
        nir::write_graph(g, out);
        CHECK_FALSE(fs::exists(out + ".tmp"));
        require_same(g, nir::read_graph(out));
    }
}

TEST_CASE("write_graph keeps dtypes, text, scalars, node order and metadata, as nir.write lays "
          "them out") {
    nir::graph g;
    g.version = "0.2.0";
    nir::node in{"input", "Input", {{"shape", nir::int64_array({3}, {2, 4, 4})}}, {}};
    nir::node conv{"z.conv", "Conv2d", {}, {{"origin", nir::text_array("spikebar")}}};
    conv.params["weight"] = nir::float32_array({1, 2, 1, 1}, {double(0.1f), -3.25});
    conv.params["bias"] = nir::float64_array({1}, {0.1});
    conv.params["padding"] = nir::text_array("same");
    conv.params["groups"] = nir::int64_array({}, {1});
    conv.params["stride"] = nir::int64_array({2}, {1, 1});
    conv.params["empty"] = nir::float32_array({0}, {});
    nir::node out{"output", "Output", {{"shape", nir::int64_array({3}, {1, 4, 4})}}, {}};
    g.nodes = {in, conv, out};  // not name order: creation order must survive
    g.edges = {{"z.conv", "output"}, {"input", "z.conv"}};
    g.metadata["dt"] = nir::float64_array({}, {1e-3});
    g.metadata["reset"] = nir::text_array("subtract");
    g.metadata["nested/key"] = nir::int64_array({}, {7});

    temp_dir dir;
    const std::string path = dir / "made.nir";
    nir::write_graph(g, path);
    const nir::graph back = nir::read_graph(path);
    require_same(g, back);
    CHECK(back.nodes[1].params.at("weight").values[0] == double(0.1f));
    CHECK(back.nodes[1].params.at("bias").values[0] == 0.1);  // float64 stays float64

    // The layout: type and padding are variable-length UTF-8 string datasets, the weight is
    // float32 and gzip-compressed, groups is a SCALAR int64, edges an (E, 2) string array.
    const h5::file f = h5::file::open_read(path);
    auto dataset = [&](const std::string& p) {
        return h5::id(H5Dopen2(f.h.get(), p.c_str(), H5P_DEFAULT), H5Dclose);
    };
    for (const char* p : {"/version", "/node/type", "/node/nodes/z.conv/type",
                          "/node/nodes/z.conv/padding", "/node/metadata/reset"}) {
        INFO(p);
        const h5::id d = dataset(p);
        REQUIRE(d.ok());
        const h5::id t(H5Dget_type(d.get()), H5Tclose);
        CHECK(H5Tget_class(t.get()) == H5T_STRING);
        CHECK(H5Tis_variable_str(t.get()) > 0);
        CHECK(H5Tget_cset(t.get()) == H5T_CSET_UTF8);
    }
    const h5::id w = dataset("/node/nodes/z.conv/weight");
    const h5::id wt(H5Dget_type(w.get()), H5Tclose);
    CHECK(H5Tequal(wt.get(), H5T_IEEE_F32LE) > 0);
    const h5::id dcpl(H5Dget_create_plist(w.get()), H5Pclose);
    CHECK(H5Pget_nfilters(dcpl.get()) == 1);
    unsigned flags = 0, level = 0;
    std::size_t nvalues = 1;
    CHECK(H5Pget_filter2(dcpl.get(), 0, &flags, &nvalues, &level, 0, nullptr, nullptr) ==
          H5Z_FILTER_DEFLATE);
    const h5::id gr = dataset("/node/nodes/z.conv/groups");
    const h5::id gs(H5Dget_space(gr.get()), H5Sclose);
    CHECK(H5Sget_simple_extent_type(gs.get()) == H5S_SCALAR);
    const h5::id gt(H5Dget_type(gr.get()), H5Tclose);
    CHECK(H5Tequal(gt.get(), H5T_STD_I64LE) > 0);
    CHECK(h5::dataset_shape(f, "/node/edges") == std::vector<hsize_t>{2, 2});
}

TEST_CASE("write_graph refuses a graph it cannot write, and leaves no file") {
    temp_dir dir;
    const std::string path = dir / "bad.nir";
    nir::graph g;
    g.nodes.push_back({"a", "Linear", {{"weight", nir::float32_array({2, 2}, {1, 2, 3})}}, {}});
    CHECK(message_of([&] { nir::write_graph(g, path); }) ==
          path + ": node \"a\": weight has shape [2, 2] but 3 values");
    g.nodes[0].params.clear();
    g.edges = {{"a", "b"}};
    CHECK(message_of([&] { nir::write_graph(g, path); }) ==
          path + ": edge 0 names node \"b\", which does not exist");
    g.nodes.push_back({"a", "Linear", {}, {}});
    CHECK(message_of([&] { nir::write_graph(g, path); }) == path + ": node \"a\" appears twice");
    g.nodes.back().name = "x/y";
    CHECK(message_of([&] { nir::write_graph(g, path); }) ==
          path + ": node name \"x/y\" is empty, \".\" or has '/'");
    g.nodes.pop_back();
    g.edges.clear();
    g.nodes[0].params["stride"] = nir::int64_array({1}, {1.5});
    CHECK(message_of([&] { nir::write_graph(g, path); }) ==
          path + ": node \"a\": stride is an integer array but holds 1.500000");
    CHECK_FALSE(fs::exists(path));
    CHECK_FALSE(fs::exists(path + ".tmp"));
}

TEST_CASE("a nested NIRGraph is inlined as G.<name>, its Input and Output spliced out") {
    temp_dir dir;
    const std::string path = dir / "nested.nir";
    {
        raw_file r(path);
        r.header();
        r.node("/node", "input", "Input");
        r.node("/node", "sub", "NIRGraph");
        r.node("/node", "output", "Output");
        const std::string sub = "/node/nodes/sub";
        r.group(sub + "/nodes");
        r.node(sub, "in", "Input");
        r.node(sub, "w", "Linear");
        r.floats(sub + "/nodes/w/weight", {1, 1}, {0.5f});
        r.node(sub, "l.if", "LIF");  // a dotted inner name
        r.node(sub, "deeper", "NIRGraph");
        r.node(sub, "out", "Output");
        const std::string deeper = sub + "/nodes/deeper";
        r.group(deeper + "/nodes");
        r.node(deeper, "i", "Input");
        r.node(deeper, "s", "Scale");
        r.node(deeper, "o", "Output");
        r.edges(deeper, {{"s", "o"}, {"i", "s"}});
        r.edges(sub, {{"in", "w"}, {"w", "l.if"}, {"l.if", "deeper"}, {"deeper", "out"},
                      {"l.if", "l.if"}});
        r.edges("/node", {{"sub", "output"}, {"input", "sub"}});
    }
    const nir::graph g = nir::read_graph(path);
    std::vector<std::string> names;
    for (const auto& n : g.nodes) names.push_back(n.name);
    // Name order per level, a subgraph's nodes at its place.
    CHECK(names == std::vector<std::string>{"input", "output", "sub.deeper.s", "sub.l.if",
                                            "sub.w"});
    CHECK(get(g, "sub.w").params.at("weight").values == std::vector<double>{0.5});
    const std::set<std::pair<std::string, std::string>> edges(g.edges.begin(), g.edges.end());
    CHECK(edges == std::set<std::pair<std::string, std::string>>{
                       {"input", "sub.w"},
                       {"sub.w", "sub.l.if"},
                       {"sub.l.if", "sub.l.if"},
                       {"sub.l.if", "sub.deeper.s"},
                       {"sub.deeper.s", "output"}});
    CHECK(g.edges.size() == 5);
}

TEST_CASE("each malformed file is refused with one exact line naming the file and node") {
    temp_dir dir;
    int k = 0;
    // Writes a file with `make`, reads it, returns the message without the path prefix.
    auto refused = [&](const std::function<void(raw_file&)>& make) {
        const std::string path = dir / ("bad" + std::to_string(k++) + ".nir");
        {
            raw_file r(path);
            make(r);
        }
        const std::string m = read_message(path);
        REQUIRE_MESSAGE(m.rfind(path + ": ", 0) == 0, m);
        return m.substr(path.size() + 2);
    };

    CHECK(refused([](raw_file& r) { r.group("/node"); }) == "/version missing");
    CHECK(refused([](raw_file& r) { r.text("/version", "0.2.0"); }) == "/node missing");
    CHECK(refused([](raw_file& r) {
              r.floats("/version", {1}, {1});
              r.group("/node");
          }) == "/version must be a string");
    CHECK(refused([](raw_file& r) {
              r.text("/version", "0.2.0");
              r.text("/node/type", "LIF");
          }) == "/node is a \"LIF\", not a NIRGraph");
    CHECK(refused([](raw_file& r) {
              r.text("/version", "0.2.0");
              r.text("/node/type", "NIRGraph");
          }) == "/node/nodes is missing");
    CHECK(refused([](raw_file& r) {
              r.header();
              r.group("/node/nodes/3");
              r.floats("/node/nodes/3/weight", {1}, {1});
              r.edges("/node", {});
          }) == "node \"3\" has no type dataset");
    CHECK(refused([](raw_file& r) {
              r.header();
              r.group("/node/nodes/3");
              r.floats("/node/nodes/3/type", {1}, {1});
          }) == "node \"3\": type must be a string");
    CHECK(refused([](raw_file& r) { write_chain(r); }) == "/node/edges is missing");
    CHECK(refused([](raw_file& r) {
              write_chain(r);
              r.edges("/node", {{"input", "lin"}, {"lin", "output"}, {"input", "lin"},
                                {"lin", "output"}, {"lin", "foo"}});
          }) == "edge 4 names node \"foo\", which does not exist");
    CHECK(refused([](raw_file& r) {
              write_chain(r);
              r.floats("/node/edges", {3, 2}, {0, 1, 2, 3, 4, 5});
          }) == "/node/edges holds float32, expected strings");
    CHECK(refused([](raw_file& r) {
              write_chain(r);
              r.text("/node/edges", "input");
          }) == "/node/edges has shape [], expected [E, 2]");
    CHECK(refused([](raw_file& r) {
              write_chain(r);
              r.edges("/node", {});
              r.group("/node/nodes/lin/extra");
          }) == "node \"lin\" (Linear): extra is a group; only metadata may be one");
    CHECK(refused([](raw_file& r) {
              write_chain(r);
              r.edges("/node", {});
              r.floats("/node/nodes/w", {1}, {1});
          }) == "node \"w\" is not a group");
    CHECK(refused([](raw_file& r) {
              write_chain(r);
              r.edges("/node", {});
              const hsize_t dims[1] = {2};
              const h5::id space(H5Screate_simple(1, dims, nullptr), H5Sclose);
              const h5::id type(H5Tcopy(H5T_C_S1), H5Tclose);
              H5Tset_size(type.get(), H5T_VARIABLE);
              const h5::id d(H5Dcreate2(r.f.h.get(), "/node/nodes/lin/padding", type.get(),
                                        space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                             H5Dclose);
              const char* p[2] = {"same", "valid"};
              H5Dwrite(d.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, p);
          }) == "node \"lin\" (Linear): padding holds 2 strings [2]; only single strings are "
                "supported");
    CHECK(refused([](raw_file& r) {
              write_chain(r);
              r.edges("/node", {});
              // h5py stores numpy bools as an enum.
              const h5::id type(H5Tenum_create(H5T_NATIVE_INT8), H5Tclose);
              const signed char f = 0, t = 1;
              H5Tenum_insert(type.get(), "FALSE", &f);
              H5Tenum_insert(type.get(), "TRUE", &t);
              const h5::id space(H5Screate(H5S_SCALAR), H5Sclose);
              const h5::id d(H5Dcreate2(r.f.h.get(), "/node/nodes/lin/flag", type.get(),
                                        space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                             H5Dclose);
              H5Dwrite(d.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &t);
          }) == "node \"lin\" (Linear): flag holds enum (e.g. bool), not numbers or a string");
    CHECK(refused([](raw_file& r) {
              write_chain(r);
              r.edges("/node", {});
              H5Lcreate_soft("/node/nodes/lin/weight", r.f.h.get(), "/node/nodes/lin/bias",
                             H5P_DEFAULT, H5P_DEFAULT);
          }) == "node \"lin\" (Linear): bias is a soft or external link");
    CHECK(refused([](raw_file& r) {
              write_chain(r);
              r.edges("/node", {});
              // 10^12 elements declared, none stored: refused before any allocation.
              const hsize_t dims[2] = {1000000, 1000000}, chunk[2] = {1, 1000};
              const h5::id space(H5Screate_simple(2, dims, nullptr), H5Sclose);
              const h5::id dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
              H5Pset_chunk(dcpl.get(), 2, chunk);
              H5Pset_deflate(dcpl.get(), 4);
              const h5::id d(H5Dcreate2(r.f.h.get(), "/node/nodes/lin/bias", H5T_IEEE_F32LE,
                                        space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                             H5Dclose);
          }) == "node \"lin\" (Linear): bias has shape [1000000, 1000000], more than the "
                "67108864 elements allowed per dataset");
}

TEST_CASE("subgraphs that cannot be inlined are refused by name") {
    temp_dir dir;
    int k = 0;
    // A top graph input -> sub -> output around a subgraph that `fill` completes.
    auto refused = [&](const std::function<void(raw_file&)>& fill) {
        const std::string path = dir / ("sub" + std::to_string(k++) + ".nir");
        {
            raw_file r(path);
            r.header();
            r.node("/node", "input", "Input");
            r.node("/node", "sub", "NIRGraph");
            r.node("/node", "output", "Output");
            r.group("/node/nodes/sub/nodes");
            r.edges("/node", {{"input", "sub"}, {"sub", "output"}});
            fill(r);
        }
        const std::string m = read_message(path);
        REQUIRE_MESSAGE(m.rfind(path + ": ", 0) == 0, m);
        return m.substr(path.size() + 2);
    };
    const std::string sub = "/node/nodes/sub";
    CHECK(refused([&](raw_file& r) {
              r.node(sub, "a", "Input");
              r.node(sub, "b", "Input");
              r.node(sub, "o", "Output");
              r.edges(sub, {{"a", "o"}, {"b", "o"}});
          }) == "node \"sub\" (NIRGraph) has 2 Input nodes; only one can be inlined");
    CHECK(refused([&](raw_file& r) {
              r.node(sub, "i", "Input");
              r.node(sub, "o", "Output");
              r.node(sub, "p", "Output");
              r.edges(sub, {{"i", "o"}, {"i", "p"}});
          }) == "node \"sub\" (NIRGraph) has 2 Output nodes; only one can be inlined");
    CHECK(refused([&](raw_file& r) {
              r.node(sub, "o", "Output");
              r.edges(sub, {});
          }) == "node \"sub\" (NIRGraph) has no Input node, but edge 0 leads into it");
    CHECK(refused([&](raw_file& r) {
              r.node(sub, "i", "Input");
              r.node(sub, "o", "Output");
              r.edges(sub, {{"i", "x"}});
          }) == "subgraph \"sub\": edge 0 names node \"x\", which does not exist");
    CHECK(refused([&](raw_file& r) {
              r.node(sub, "i", "Input");
              r.node(sub, "x", "Scale");
              r.node(sub, "o", "Output");
              r.edges(sub, {{"i", "x"}, {"x", "o"}});
              r.node("/node", "sub.x", "Scale");  // collides once sub.* is inlined
          }) == "node name \"sub.x\" appears twice once subgraphs are inlined");
}

TEST_CASE("non-HDF5, missing and truncated files are refused with an io_error, never a crash") {
    temp_dir dir;
    const std::string text = dir / "text.nir";
    std::ofstream(text) << "not hdf5\n";
    CHECK(read_message(text) == text + ": not an HDF5 file");
    const std::string missing = dir / "missing.nir";
    CHECK(read_message(missing) == missing + ": cannot open (missing or unreadable)");

    // Every cut of cnn_sinabs.nir at these lengths: each must fail cleanly, with the path.
    const std::string src = fixture("cnn_sinabs.nir");
    const auto size = static_cast<std::size_t>(fs::file_size(src));
    for (std::size_t cut : {std::size_t{0}, std::size_t{8}, std::size_t{100}, std::size_t{2048},
                            size / 4, size / 2, size - 4096, size - 1}) {
        INFO("cut at " << cut << " of " << size);
        const std::string p = dir / ("cut" + std::to_string(cut) + ".nir");
        fs::copy_file(src, p, fs::copy_options::overwrite_existing);
        fs::resize_file(p, cut);
        const std::string m = read_message(p);
        CHECK(m.rfind(p + ": ", 0) == 0);
    }
}

TEST_CASE("a refused file leaves stderr empty: HDF5's error printer is silenced") {
    temp_dir dir;
    const std::string path = dir / "cut.nir";
    fs::copy_file(fixture("lif_norse.nir"), path);
    fs::resize_file(path, fs::file_size(path) / 2);
    const std::string log = dir / "stderr.txt";
    std::fflush(stderr);
    const int saved = ::dup(2);
    std::FILE* sink = std::fopen(log.c_str(), "w");
    REQUIRE(sink != nullptr);
    ::dup2(::fileno(sink), 2);
    const std::string m = read_message(path);
    const std::string m2 = read_message(fixture("lif_norse.nir") + ".absent");
    std::fflush(stderr);
    ::dup2(saved, 2);
    ::close(saved);
    std::fclose(sink);
    CHECK(m.rfind(path + ": ", 0) == 0);
    CHECK(m2.find("cannot open") != std::string::npos);
    CHECK(fs::file_size(log) == 0);
}
