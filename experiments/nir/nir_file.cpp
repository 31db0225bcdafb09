#include "experiments/nir/nir_file.hpp"

#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <queue>
#include <set>
#include <system_error>
#include <filesystem>

#include "common/errors.hpp"
#include "common/h5.hpp"

namespace experiments::nir {

namespace {

constexpr std::size_t max_name_chars = 4096;           // a link or string dataset name
constexpr std::size_t max_text_chars = std::size_t{1} << 20;  // one string dataset
constexpr std::size_t max_edges = 1000000;
constexpr int max_metadata_depth = 8;
const char* const layout_version = "0.2.0";

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

std::string shape_string(const std::vector<std::int64_t>& shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

// "int64", "float32", "string", "enum", ... for messages.
std::string type_name(hid_t type) {
    const std::size_t bits = 8 * H5Tget_size(type);
    switch (H5Tget_class(type)) {
        case H5T_INTEGER:
            return std::string(H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int") +
                   std::to_string(bits);
        case H5T_FLOAT: return "float" + std::to_string(bits);
        case H5T_STRING: return "strings";
        case H5T_ENUM: return "enum (e.g. bool)";
        case H5T_COMPOUND: return "compound records";
        case H5T_ARRAY: return "fixed arrays";
        case H5T_VLEN: return "variable-length sequences";
        case H5T_OPAQUE: return "opaque data";
        case H5T_BITFIELD: return "bitfields";
        case H5T_REFERENCE: return "references";
        default: return "an unknown type";
    }
}

// ---------------------------------------------------------------------------------------
// Reading

struct reader {
    const h5::file& f;
    std::size_t elements = 0;  // numeric elements read so far (max_file_elements)
    std::size_t node_count = 0;

    [[noreturn]] void fail(const std::string& what) const {
        throw spikebar::io_error(f.path + ": " + what);
    }

    // Names of the links in `group`, in creation order where the group tracks it (files
    // written by write_graph), else in name order (h5py's default, HDF5's name index).
    std::vector<std::string> link_names(hid_t group, const std::string& where) const {
        H5G_info_t info;
        if (H5Gget_info(group, &info) < 0) fail(where + " cannot be listed");
        if (info.nlinks > max_nodes)
            fail(where + " holds " + std::to_string(info.nlinks) + " entries, more than the " +
                 std::to_string(max_nodes) + " allowed");
        H5_index_t index = H5_INDEX_NAME;
        const h5::id gcpl(H5Gget_create_plist(group), H5Pclose);
        unsigned flags = 0;
        if (gcpl.ok() && H5Pget_link_creation_order(gcpl.get(), &flags) >= 0 &&
            (flags & H5P_CRT_ORDER_INDEXED))
            index = H5_INDEX_CRT_ORDER;
        std::vector<std::string> names;
        for (hsize_t i = 0; i < info.nlinks; ++i) {
            const ssize_t n =
                H5Lget_name_by_idx(group, ".", index, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
            if (n < 0) fail(where + " cannot be listed");
            if (static_cast<std::size_t>(n) > max_name_chars)
                fail(where + " holds a name of " + std::to_string(n) + " characters");
            std::string s(static_cast<std::size_t>(n) + 1, '\0');
            if (H5Lget_name_by_idx(group, ".", index, H5_ITER_INC, i, s.data(), s.size(),
                                   H5P_DEFAULT) < 0)
                fail(where + " cannot be listed");
            s.resize(static_cast<std::size_t>(n));
            names.push_back(s);
        }
        return names;
    }

    // Opens the member `name` of `group` (a hard link only: a soft or external link could
    // lead anywhere, including out of the file). `what` names it in messages.
    h5::id open_member(hid_t group, const std::string& name, const std::string& what) const {
        H5L_info_t li;
        if (H5Lget_info(group, name.c_str(), &li, H5P_DEFAULT) < 0) fail(what + " cannot be read");
        if (li.type != H5L_TYPE_HARD) fail(what + " is a soft or external link");
        h5::id o(H5Oopen(group, name.c_str(), H5P_DEFAULT), H5Oclose);
        if (!o.ok()) fail(what + " cannot be opened");
        return o;
    }

    bool has_member(hid_t group, const std::string& name) const {
        return H5Lexists(group, name.c_str(), H5P_DEFAULT) > 0;
    }

    static bool is_group(const h5::id& o) { return H5Iget_type(o.get()) == H5I_GROUP; }
    static bool is_dataset(const h5::id& o) { return H5Iget_type(o.get()) == H5I_DATASET; }

    // The text of a one-element string dataset `d` of type `type`.
    std::string read_text(hid_t d, hid_t type, const std::string& what) const {
        const H5T_cset_t cset = H5Tget_cset(type);
        if (H5Tis_variable_str(type) > 0) {
            const h5::id mem(H5Tcopy(H5T_C_S1), H5Tclose);
            H5Tset_size(mem.get(), H5T_VARIABLE);
            H5Tset_cset(mem.get(), cset);
            char* s = nullptr;
            if (H5Dread(d, mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &s) < 0)
                fail(what + " cannot be read");
            std::string out = s ? s : "";
            H5free_memory(s);
            if (out.size() > max_text_chars) fail(what + " is a string of more than 1 MiB");
            return out;
        }
        const std::size_t size = H5Tget_size(type);
        if (size == 0 || size > max_text_chars) fail(what + " is a string of more than 1 MiB");
        const h5::id mem(H5Tcopy(H5T_C_S1), H5Tclose);
        H5Tset_size(mem.get(), size);
        H5Tset_cset(mem.get(), cset);
        H5Tset_strpad(mem.get(), H5T_STR_NULLPAD);
        std::string buf(size, '\0');
        if (H5Dread(d, mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0)
            fail(what + " cannot be read");
        buf.resize(std::min(buf.find('\0'), buf.size()));
        if (H5Tget_strpad(type) == H5T_STR_SPACEPAD)
            buf.erase(buf.find_last_not_of(' ') + 1);
        return buf;
    }

    // The shape of dataset `d`, refusing null dataspaces and element counts past the limit.
    std::vector<std::int64_t> shape_of(hid_t d, const std::string& what,
                                       std::size_t& count) const {
        const h5::id space(H5Dget_space(d), H5Sclose);
        if (!space.ok()) fail(what + " has an unreadable dataspace");
        const H5S_class_t cls = H5Sget_simple_extent_type(space.get());
        if (cls == H5S_NULL) fail(what + " has no dataspace (null)");
        if (cls != H5S_SCALAR && cls != H5S_SIMPLE) fail(what + " has an unreadable dataspace");
        const int rank = H5Sget_simple_extent_ndims(space.get());
        if (rank < 0 || rank > H5S_MAX_RANK) fail(what + " has an unreadable dataspace");
        std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
        if (rank > 0 && H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) < 0)
            fail(what + " has an unreadable dataspace");
        std::vector<std::int64_t> shape;
        count = 1;
        bool over = false;
        for (hsize_t n : dims) {
            if (n > static_cast<hsize_t>(std::numeric_limits<std::int64_t>::max())) over = true;
            shape.push_back(static_cast<std::int64_t>(std::min<hsize_t>(
                n, static_cast<hsize_t>(std::numeric_limits<std::int64_t>::max()))));
            if (n != 0 && count > max_dataset_elements / n) over = true;
            count *= n;
        }
        if (over || count > max_dataset_elements)
            fail(what + " has shape " + h5::shape_string(dims) + ", more than the " +
                 std::to_string(max_dataset_elements) + " elements allowed per dataset");
        return shape;
    }

    array read_array(hid_t group, const std::string& name, const std::string& what) {
        const h5::id o = open_member(group, name, what);
        if (!is_dataset(o)) fail(what + " is not a dataset");
        const hid_t d = o.get();
        const h5::id type(H5Dget_type(d), H5Tclose);
        if (!type.ok()) fail(what + " has an unreadable type");
        array a;
        std::size_t count = 0;
        a.shape = shape_of(d, what, count);
        const H5T_class_t cls = H5Tget_class(type.get());
        if (cls == H5T_STRING) {
            if (count != 1)
                fail(what + " holds " + std::to_string(count) + " strings " +
                     shape_string(a.shape) + "; only single strings are supported");
            a.is_text = true;
            a.text = read_text(d, type.get(), what);
            return a;
        }
        if (cls != H5T_INTEGER && cls != H5T_FLOAT)
            fail(what + " holds " + type_name(type.get()) + ", not numbers or a string");
        if (elements + count > max_file_elements)
            fail("the file's datasets hold more than the " + std::to_string(max_file_elements) +
                 " elements allowed (at " + what + ")");
        elements += count;
        a.is_integer = cls == H5T_INTEGER;
        a.is_float32 = cls == H5T_FLOAT && H5Tget_size(type.get()) == 4;
        a.values.resize(count);
        if (count > 0 &&
            H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, a.values.data()) < 0)
            fail(what + " cannot be read (truncated or corrupt)");
        return a;
    }

    // Every dataset under `group` into `out`, nested groups as "a/b".
    void read_metadata(hid_t group, const std::string& prefix, const std::string& what,
                       int depth, std::map<std::string, array>& out) {
        if (depth > max_metadata_depth)
            fail(what + " nests groups more than " + std::to_string(max_metadata_depth) +
                 " deep");
        for (const std::string& name : link_names(group, what)) {
            const std::string key = prefix + name;
            const std::string item = what + " " + quoted(key);
            const h5::id o = open_member(group, name, item);
            if (is_group(o))
                read_metadata(o.get(), key + "/", what, depth + 1, out);
            else
                out[key] = read_array(group, name, item);
        }
    }

    // The `type` dataset of the node group `g`; `who` names the node.
    std::string read_type(hid_t g, const std::string& who) {
        if (!has_member(g, "type")) fail(who + " has no type dataset");
        const array t = read_array(g, "type", who + ": type");
        if (!t.is_text) fail(who + ": type must be a string");
        if (t.text.empty()) fail(who + ": type is an empty string");
        return t.text;
    }

    // One level of graph, as nodes with full names (prefix + name) and edges between them.
    struct level {
        std::vector<node> nodes;
        std::vector<std::pair<std::string, std::string>> edges;
        std::vector<std::string> inputs, outputs;  // full names of its own Input, Output
    };

    // Reads the NIRGraph group `g` at HDF5 path `where`. `prefix` is "" for the top graph,
    // "G." for the subgraph G; `label` starts messages about this graph's edges.
    level read_level(hid_t g, const std::string& where, const std::string& prefix,
                     const std::string& label, int depth) {
        if (depth > max_graph_depth)
            fail(label + "graphs nest more than " + std::to_string(max_graph_depth) + " deep");
        if (!has_member(g, "nodes")) fail(where + "/nodes is missing");
        const h5::id nodes_group = open_member(g, "nodes", where + "/nodes");
        if (!is_group(nodes_group)) fail(where + "/nodes is not a group");

        level out;
        // Per subgraph node (local name): the full names of its Input and Output nodes.
        struct ports {
            std::vector<std::string> inputs, outputs;
        };
        std::map<std::string, ports> subgraphs;
        std::set<std::string> local;
        std::set<std::string> spliced;  // inner Input/Output nodes of direct subgraphs
        for (const std::string& name : link_names(nodes_group.get(), where + "/nodes")) {
            const std::string full = prefix + name;
            const std::string who = "node " + quoted(full);
            if (++node_count > max_nodes)
                fail("the file holds more than " + std::to_string(max_nodes) + " nodes");
            local.insert(name);
            const h5::id o = open_member(nodes_group.get(), name, who);
            if (!is_group(o)) fail(who + " is not a group");
            const std::string type = read_type(o.get(), who);
            if (type == "NIRGraph") {
                level sub = read_level(o.get(), where + "/nodes/" + name, full + ".",
                                       "subgraph " + quoted(full) + ": ", depth + 1);
                ports& p = subgraphs[name];
                p.inputs = sub.inputs;
                p.outputs = sub.outputs;
                for (node& n : sub.nodes) out.nodes.push_back(std::move(n));
                for (const std::string& s : p.inputs) spliced.insert(s);
                for (const std::string& s : p.outputs) spliced.insert(s);
                for (auto& e : sub.edges) out.edges.push_back(std::move(e));
                continue;
            }
            node n;
            n.name = full;
            n.type = type;
            if (type == "Input") out.inputs.push_back(full);
            if (type == "Output") out.outputs.push_back(full);
            for (const std::string& member : link_names(o.get(), who)) {
                if (member == "type") continue;
                const std::string item = who + " (" + type + "): " + member;
                const h5::id m = open_member(o.get(), member, item);
                if (is_group(m)) {
                    if (member != "metadata")
                        fail(item + " is a group; only metadata may be one");
                    read_metadata(m.get(), "", who + " (" + type + "): metadata", 0, n.metadata);
                } else {
                    n.params[member] = read_array(o.get(), member, item);
                }
            }
            out.nodes.push_back(std::move(n));
        }

        // This level's edges, by local name; a subgraph stands for its Input (as a target)
        // and its Output (as a source).
        const std::vector<std::pair<std::string, std::string>> raw = read_edges(g, where);
        for (std::size_t i = 0; i < raw.size(); ++i) {
            std::string ends[2] = {raw[i].first, raw[i].second};
            for (int k = 0; k < 2; ++k) {
                const std::string& s = ends[k];
                if (!local.count(s))
                    fail(label + "edge " + std::to_string(i) + " names node " + quoted(s) +
                         ", which does not exist");
                const auto sg = subgraphs.find(s);
                if (sg == subgraphs.end()) {
                    ends[k] = prefix + s;
                    continue;
                }
                const std::vector<std::string>& port = k == 0 ? sg->second.outputs
                                                              : sg->second.inputs;
                const char* kind = k == 0 ? "Output" : "Input";
                const std::string who = "node " + quoted(prefix + s) + " (NIRGraph)";
                if (port.empty())
                    fail(who + " has no " + kind + " node, but edge " + std::to_string(i) +
                         (k == 0 ? " leaves it" : " leads into it"));
                if (port.size() > 1)
                    fail(who + " has " + std::to_string(port.size()) + " " + kind +
                         " nodes; only one can be inlined");
                ends[k] = port.front();
            }
            out.edges.emplace_back(ends[0], ends[1]);
        }

        // Remove the subgraphs' Input and Output nodes, joining the edges through them.
        for (const std::string& x : spliced) {
            std::vector<std::string> pred, succ;
            std::vector<std::pair<std::string, std::string>> kept;
            for (auto& e : out.edges) {
                if (e.second == x && e.first != x) pred.push_back(e.first);
                if (e.first == x && e.second != x) succ.push_back(e.second);
                if (e.first != x && e.second != x) kept.push_back(std::move(e));
            }
            if (kept.size() + pred.size() * succ.size() > max_edges)
                fail(label + "more than " + std::to_string(max_edges) +
                     " edges once subgraphs are inlined");
            for (const std::string& a : pred)
                for (const std::string& b : succ) kept.emplace_back(a, b);
            out.edges = std::move(kept);
            out.nodes.erase(std::remove_if(out.nodes.begin(), out.nodes.end(),
                                           [&](const node& n) { return n.name == x; }),
                            out.nodes.end());
        }
        return out;
    }

    // The (E, 2) string dataset `edges` of the graph group `g`.
    std::vector<std::pair<std::string, std::string>> read_edges(hid_t g,
                                                                const std::string& where) {
        const std::string what = where + "/edges";
        if (!has_member(g, "edges")) fail(what + " is missing");
        const h5::id o = open_member(g, "edges", what);
        if (!is_dataset(o)) fail(what + " is not a dataset");
        const hid_t d = o.get();
        const h5::id type(H5Dget_type(d), H5Tclose);
        if (!type.ok()) fail(what + " has an unreadable type");
        std::size_t count = 0;
        const std::vector<std::int64_t> shape = shape_of(d, what, count);
        if (count == 0) return {};  // a graph without edges (h5py writes [] as float64 [0])
        if (H5Tget_class(type.get()) != H5T_STRING)
            fail(what + " holds " + type_name(type.get()) + ", expected strings");
        if (shape.size() != 2 || shape[1] != 2)
            fail(what + " has shape " + shape_string(shape) + ", expected [E, 2]");
        if (count / 2 > max_edges)
            fail(what + " holds more than " + std::to_string(max_edges) + " edges");
        std::vector<std::string> s(count);
        const H5T_cset_t cset = H5Tget_cset(type.get());
        const h5::id mem(H5Tcopy(H5T_C_S1), H5Tclose);
        H5Tset_cset(mem.get(), cset);
        if (H5Tis_variable_str(type.get()) > 0) {
            H5Tset_size(mem.get(), H5T_VARIABLE);
            std::vector<char*> p(count, nullptr);
            const herr_t rc = H5Dread(d, mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, p.data());
            bool too_long = false;
            for (std::size_t i = 0; i < count; ++i) {
                if (rc >= 0 && p[i]) s[i] = p[i];
                too_long = too_long || s[i].size() > max_name_chars;
                H5free_memory(p[i]);
            }
            if (rc < 0) fail(what + " cannot be read (truncated or corrupt)");
            if (too_long) fail(what + " holds a name of more than " +
                               std::to_string(max_name_chars) + " characters");
        } else {
            const std::size_t size = H5Tget_size(type.get());
            if (size == 0 || size > max_name_chars)
                fail(what + " holds names of " + std::to_string(size) + " characters");
            H5Tset_size(mem.get(), size);
            H5Tset_strpad(mem.get(), H5T_STR_NULLPAD);
            std::string buf(count * size, '\0');
            if (H5Dread(d, mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0)
                fail(what + " cannot be read (truncated or corrupt)");
            for (std::size_t i = 0; i < count; ++i) {
                std::string x = buf.substr(i * size, size);
                x.resize(std::min(x.find('\0'), x.size()));
                s[i] = x;
            }
        }
        std::vector<std::pair<std::string, std::string>> edges;
        for (std::size_t i = 0; i < count; i += 2) edges.emplace_back(s[i], s[i + 1]);
        return edges;
    }
};

// ---------------------------------------------------------------------------------------
// Writing

struct writer {
    const std::string& path;  // the final name, for messages (the file is path + ".tmp")

    [[noreturn]] void fail(const std::string& what) const {
        throw spikebar::io_error(path + ": " + what);
    }

    // A group whose links keep their creation order, so read_graph returns the nodes in
    // the order they were written.
    h5::id group(hid_t parent, const std::string& name, const std::string& what) const {
        const h5::id gcpl(H5Pcreate(H5P_GROUP_CREATE), H5Pclose);
        H5Pset_link_creation_order(gcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
        const h5::id lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
        H5Pset_create_intermediate_group(lcpl.get(), 1);
        h5::id g(H5Gcreate2(parent, name.c_str(), lcpl.get(), gcpl.get(), H5P_DEFAULT),
                 H5Gclose);
        if (!g.ok()) fail("cannot create " + what);
        return g;
    }

    // A variable-length UTF-8 string, scalar or (as some exporters write) of shape [1].
    void text(hid_t parent, const std::string& name, const std::string& s,
              const std::string& what, const std::vector<std::int64_t>& shape = {}) const {
        const h5::id type(H5Tcopy(H5T_C_S1), H5Tclose);
        H5Tset_size(type.get(), H5T_VARIABLE);
        H5Tset_cset(type.get(), H5T_CSET_UTF8);
        H5Tset_strpad(type.get(), H5T_STR_NULLTERM);
        std::vector<hsize_t> dims(shape.begin(), shape.end());
        const h5::id space(dims.empty() ? H5Screate(H5S_SCALAR)
                                        : H5Screate_simple(static_cast<int>(dims.size()),
                                                           dims.data(), nullptr),
                           H5Sclose);
        const h5::id lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
        H5Pset_create_intermediate_group(lcpl.get(), 1);
        const h5::id d(H5Dcreate2(parent, name.c_str(), type.get(), space.get(), lcpl.get(),
                                  H5P_DEFAULT, H5P_DEFAULT),
                       H5Dclose);
        const char* p = s.c_str();
        if (!d.ok() || H5Dwrite(d.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &p) < 0)
            fail("cannot write " + what);
    }

    void dataset(hid_t parent, const std::string& name, const array& a,
                 const std::string& what) const {
        if (a.is_text) {
            if (a.size() != 1 || std::count(a.shape.begin(), a.shape.end(), 1) !=
                                     static_cast<std::ptrdiff_t>(a.shape.size()))
                fail(what + " is text of shape " + shape_string(a.shape) +
                     "; only single strings can be written");
            text(parent, name, a.text, what, a.shape);
            return;
        }
        std::vector<hsize_t> dims;
        for (std::int64_t n : a.shape) {
            if (n < 0) fail(what + " has a negative extent " + shape_string(a.shape));
            dims.push_back(static_cast<hsize_t>(n));
        }
        if (a.values.size() != a.size())
            fail(what + " has shape " + shape_string(a.shape) + " but " +
                 std::to_string(a.values.size()) + " values");
        const hid_t file_type = a.is_integer   ? H5T_STD_I64LE
                                : a.is_float32 ? H5T_IEEE_F32LE
                                               : H5T_IEEE_F64LE;
        const std::size_t elem = a.is_float32 && !a.is_integer ? 4 : 8;
        const h5::id space(dims.empty() ? H5Screate(H5S_SCALAR)
                                        : H5Screate_simple(static_cast<int>(dims.size()),
                                                           dims.data(), nullptr),
                           H5Sclose);
        const h5::id dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
        if (!dims.empty() && a.size() > 0) {
            // gzip as nir.write (h5py, level 4) does; chunks of at most 1 MiB, shrunk along
            // the largest axis.
            std::vector<hsize_t> chunk = dims;
            auto bytes = [&] {
                hsize_t b = elem;
                for (hsize_t c : chunk) b *= c;
                return b;
            };
            while (bytes() > (hsize_t{1} << 20)) {
                auto big = std::max_element(chunk.begin(), chunk.end());
                *big = (*big + 1) / 2;
            }
            H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data());
            H5Pset_deflate(dcpl.get(), 4);
        }
        const h5::id lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
        H5Pset_create_intermediate_group(lcpl.get(), 1);
        const h5::id d(H5Dcreate2(parent, name.c_str(), file_type, space.get(), lcpl.get(),
                                  dcpl.get(), H5P_DEFAULT),
                       H5Dclose);
        if (!d.ok()) fail("cannot create " + what);
        herr_t rc = 0;
        if (a.size() == 0) return;
        if (a.is_integer) {
            std::vector<std::int64_t> v(a.values.size());
            for (std::size_t i = 0; i < v.size(); ++i) {
                const double x = a.values[i];
                if (!(std::nearbyint(x) == x && std::fabs(x) < 9.2233720368547758e18))
                    fail(what + " is an integer array but holds " + std::to_string(x));
                v[i] = static_cast<std::int64_t>(x);
            }
            rc = H5Dwrite(d.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
        } else if (a.is_float32) {
            const std::vector<float> v(a.values.begin(), a.values.end());
            rc = H5Dwrite(d.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
        } else {
            rc = H5Dwrite(d.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                          a.values.data());
        }
        if (rc < 0) fail("cannot write " + what);
    }

    void metadata(hid_t parent, const std::map<std::string, array>& m,
                  const std::string& what) const {
        if (m.empty()) return;  // as nir.write: no group for empty metadata
        const h5::id g = group(parent, "metadata", what);
        for (const auto& [key, a] : m) {
            if (key.empty() || key.front() == '/' || key.back() == '/' ||
                key.find("//") != std::string::npos)
                fail(what + " key " + quoted(key) + " is not a valid name");
            dataset(g.get(), key, a, what + " " + quoted(key));
        }
    }

    void edges(hid_t parent, const std::vector<std::pair<std::string, std::string>>& e) const {
        const hsize_t dims[2] = {e.size(), 2};
        const h5::id type(H5Tcopy(H5T_C_S1), H5Tclose);
        H5Tset_size(type.get(), H5T_VARIABLE);
        H5Tset_cset(type.get(), H5T_CSET_UTF8);
        H5Tset_strpad(type.get(), H5T_STR_NULLTERM);
        const h5::id space(H5Screate_simple(2, dims, nullptr), H5Sclose);
        const h5::id d(H5Dcreate2(parent, "edges", type.get(), space.get(), H5P_DEFAULT,
                                  H5P_DEFAULT, H5P_DEFAULT),
                       H5Dclose);
        if (!d.ok()) fail("cannot create /node/edges");
        if (e.empty()) return;
        std::vector<const char*> p;
        for (const auto& [a, b] : e) {
            p.push_back(a.c_str());
            p.push_back(b.c_str());
        }
        if (H5Dwrite(d.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, p.data()) < 0)
            fail("cannot write /node/edges");
    }
};

// The checks write_graph makes before it creates any file.
void validate_for_write(const graph& g, const std::string& path) {
    auto fail = [&](const std::string& what) { throw spikebar::io_error(path + ": " + what); };
    auto bad_name = [](const std::string& s) {
        return s.empty() || s == "." || s.find('/') != std::string::npos;
    };
    std::set<std::string> names;
    for (const node& n : g.nodes) {
        if (bad_name(n.name)) fail("node name " + quoted(n.name) + " is empty, \".\" or has '/'");
        if (!names.insert(n.name).second) fail("node " + quoted(n.name) + " appears twice");
        if (n.type.empty()) fail("node " + quoted(n.name) + " has no type");
        for (const auto& p : n.params)
            if (bad_name(p.first) || p.first == "type" || p.first == "metadata")
                fail("node " + quoted(n.name) + ": parameter name " + quoted(p.first) +
                     " is reserved or not a valid name");
    }
    for (std::size_t i = 0; i < g.edges.size(); ++i)
        for (const std::string* s : {&g.edges[i].first, &g.edges[i].second})
            if (!names.count(*s))
                fail("edge " + std::to_string(i) + " names node " + quoted(*s) +
                     ", which does not exist");
}

}  // namespace

std::size_t array::size() const {
    std::size_t n = 1;
    for (std::int64_t s : shape) n *= static_cast<std::size_t>(std::max<std::int64_t>(s, 0));
    return n;
}

array float32_array(std::vector<std::int64_t> shape, std::vector<double> values) {
    array a;
    a.shape = std::move(shape);
    a.values = std::move(values);
    a.is_float32 = true;
    return a;
}
array float64_array(std::vector<std::int64_t> shape, std::vector<double> values) {
    array a;
    a.shape = std::move(shape);
    a.values = std::move(values);
    return a;
}
array int64_array(std::vector<std::int64_t> shape, std::vector<double> values) {
    array a;
    a.shape = std::move(shape);
    a.values = std::move(values);
    a.is_integer = true;
    return a;
}
array text_array(std::string text) {
    array a;
    a.text = std::move(text);
    a.is_text = true;
    return a;
}

std::size_t graph::find(const std::string& name) const {
    for (std::size_t i = 0; i < nodes.size(); ++i)
        if (nodes[i].name == name) return i;
    return nodes.size();
}

graph read_graph(const std::string& path) {
    const h5::file f = h5::file::open_read(path);
    const h5::quiet q;
    reader r{f};
    const hid_t root = f.h.get();
    graph g;

    if (!r.has_member(root, "version")) r.fail("/version missing");
    const array v = r.read_array(root, "version", "/version");
    if (!v.is_text) r.fail("/version must be a string");
    g.version = v.text;

    if (!r.has_member(root, "node")) r.fail("/node missing");
    const h5::id top = r.open_member(root, "node", "/node");
    if (!reader::is_group(top)) r.fail("/node is not a group");
    const std::string type = r.read_type(top.get(), "/node");
    if (type != "NIRGraph") r.fail("/node is a " + quoted(type) + ", not a NIRGraph");

    reader::level l = r.read_level(top.get(), "/node", "", "", 0);
    g.nodes = std::move(l.nodes);
    g.edges = std::move(l.edges);
    if (r.has_member(top.get(), "metadata")) {
        const h5::id m = r.open_member(top.get(), "metadata", "/node/metadata");
        if (!reader::is_group(m)) r.fail("/node/metadata is not a group");
        r.read_metadata(m.get(), "", "/node/metadata", 0, g.metadata);
    }

    std::set<std::string> names;
    for (const node& n : g.nodes)
        if (!names.insert(n.name).second)
            r.fail("node name " + quoted(n.name) + " appears twice once subgraphs are inlined");
    return g;
}

void write_graph(const graph& g, const std::string& path) {
    validate_for_write(g, path);
    const std::string tmp = path + ".tmp";
    try {
        const h5::quiet q;
        const h5::file f = h5::file::create(tmp);
        const writer w{path};
        const hid_t root = f.h.get();
        w.text(root, "version", g.version.empty() ? layout_version : g.version, "/version");
        const h5::id top = w.group(root, "node", "/node");
        w.text(top.get(), "type", "NIRGraph", "/node/type");
        const h5::id nodes = w.group(top.get(), "nodes", "/node/nodes");
        for (const node& n : g.nodes) {
            const std::string who = "node " + quoted(n.name);
            const h5::id ng = w.group(nodes.get(), n.name, who);
            w.text(ng.get(), "type", n.type, who + ": type");
            for (const auto& [name, a] : n.params)
                w.dataset(ng.get(), name, a, who + ": " + name);
            w.metadata(ng.get(), n.metadata, who + ": metadata");
        }
        w.edges(top.get(), g.edges);
        w.metadata(top.get(), g.metadata, "/node/metadata");
    } catch (...) {
        std::error_code ec;
        std::filesystem::remove(tmp, ec);
        throw;
    }
    h5::commit_file(tmp, path);
}

std::vector<std::size_t> topological_order(const graph& g, const std::string& path) {
    const std::size_t n = g.nodes.size();
    std::map<std::string, std::size_t> index;
    for (std::size_t i = 0; i < n; ++i) index.emplace(g.nodes[i].name, i);
    std::vector<std::vector<std::size_t>> succ(n), pred(n);
    std::vector<std::size_t> indegree(n, 0);
    for (std::size_t e = 0; e < g.edges.size(); ++e) {
        std::size_t ends[2];
        const std::string* names[2] = {&g.edges[e].first, &g.edges[e].second};
        for (int k = 0; k < 2; ++k) {
            const auto it = index.find(*names[k]);
            if (it == index.end())
                throw spikebar::io_error(path + ": edge " + std::to_string(e) + " names node " +
                                         quoted(*names[k]) + ", which does not exist");
            ends[k] = it->second;
        }
        succ[ends[0]].push_back(ends[1]);
        pred[ends[1]].push_back(ends[0]);
        ++indegree[ends[1]];
    }
    // Kahn's algorithm; the earliest ready node in file order goes first.
    std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;
    for (std::size_t i = 0; i < n; ++i)
        if (indegree[i] == 0) ready.push(i);
    std::vector<std::size_t> order;
    std::vector<bool> done(n, false);
    while (!ready.empty()) {
        const std::size_t i = ready.top();
        ready.pop();
        order.push_back(i);
        done[i] = true;
        for (std::size_t j : succ[i])
            if (--indegree[j] == 0) ready.push(j);
    }
    if (order.size() == n) return order;

    // Every node left has a predecessor that is left too, so walking predecessors from one
    // of them must come back to a node already seen: that closes a cycle.
    std::size_t x = 0;
    while (done[x]) ++x;
    std::vector<std::size_t> walk;
    std::vector<std::size_t> seen_at(n, n);
    while (seen_at[x] == n) {
        seen_at[x] = walk.size();
        walk.push_back(x);
        std::size_t p = n;
        for (std::size_t q : pred[x])
            if (!done[q]) p = std::min(p, q);
        x = p;
    }
    std::vector<std::size_t> cycle(walk.begin() + static_cast<std::ptrdiff_t>(seen_at[x]),
                                   walk.end());
    std::reverse(cycle.begin(), cycle.end());  // walked against the edges
    std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()), cycle.end());
    std::string text;
    for (std::size_t i : cycle) text += g.nodes[i].name + " -> ";
    text += g.nodes[cycle.front()].name;
    throw spikebar::io_error(path + ": the graph has a cycle: " + text);
}

}  // namespace experiments::nir
