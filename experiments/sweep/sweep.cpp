// Expansion and validation of a sweep's [sweep] section (see sweep.hpp).
#include "experiments/sweep/sweep.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <set>

#include "common/errors.hpp"
#include "common/format.hpp"
#include "earlyexit/policy.hpp"
#include "experiments/config/config_model.hpp"
#include "experiments/config/value_range.hpp"
#include "experiments/io/dataset_io.hpp"
#include "experiments/seenn2_net.hpp"
#include "snn/model_io.hpp"

namespace experiments {

namespace {

constexpr std::size_t max_points = 1000000;

using spikebar::trim;

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::size_t b = 0;
    for (;;) {
        const auto e = s.find(sep, b);
        out.push_back(trim(s.substr(b, e == std::string::npos ? std::string::npos : e - b)));
        if (e == std::string::npos) return out;
        b = e + 1;
    }
}

const config_key_info* find_key(const std::vector<config_key_info>& keys, const std::string& name) {
    for (const auto& k : keys)
        if (k.section + "." + k.key == name) return &k;
    return nullptr;
}

bool numeric(const config_key_info* k) {
    return k && (k->type == "int" || k->type == "uint64" || k->type == "real");
}

std::string join_values(const std::vector<std::string>& keys,
                        const std::vector<std::string>& values) {
    std::string s;
    for (std::size_t i = 0; i < keys.size(); ++i)
        s += (i ? ", " : "") + keys[i] + " = " + values[i];
    return s;
}

}  // namespace

std::string point_name(std::size_t index) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "point_%05zu", index);
    return buf;
}

std::string fingerprint_of(const std::string& text) {
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : text) {
        h ^= c;
        h *= 0x100000001b3ull;
    }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

std::string result_config(const run_config& c) {
    run_config r = c;
    const run_config defaults;
    r.eval.threads = defaults.eval.threads;
    r.eval.batch_size = defaults.eval.batch_size;
    r.output.dir = defaults.output.dir;
    return effective_config(r);
}

std::string inert_in_sweep(const std::string& key) {
    if (model_governed_key(key))
        return "the model file's /network and /neuron govern it at eval (vary model instead)";
    if (key.rfind("train.", 0) == 0 && key != "train.seed")
        return "eval does not train (of [train], only train.seed acts: it keys rate encoding)";
    if (key == "eval.threads" || key == "eval.batch_size")
        return "results are bit-identical for any eval.threads and eval.batch_size";
    if (key == "output.dir") return "a sweep writes its points to its own work directory";
    for (const char* k : {"seenn2_beta", "seenn2_seed", "seenn2_layers", "seenn2_epochs",
                          "seenn2_lr", "seenn2_batch_size"})
        if (key == std::string("earlyexit.") + k)
            return "only train-policy reads it; eval reads the policy net earlyexit.seenn2_model";
    return "";
}

std::vector<std::string> expand_sweep_values(const std::string& key, const std::string& text,
                                             const std::string& prefix) {
    const std::string where = prefix + key + " = " + (text.empty() ? "''" : text) + ": ";
    const auto keys = config_keys();
    if (is_range(text) && numeric(find_key(keys, key))) return range_values(text, where);
    return list_values(text, where);
}

namespace {

// The varied keys of [sweep]: each key's values (ranges expanded), its line as written,
// the keys in [sweep] order, and the zip line.
struct varied_keys {
    std::map<std::string, std::vector<std::string>> values;
    std::map<std::string, std::string> line_of;
    std::vector<std::string> order;
    std::string zip_text;
    bool has_zip = false;
};

varied_keys read_varied(const std::vector<sweep_line>& lines, const std::string& pre,
                        const std::vector<std::string>& overrides, const std::string& model) {
    const auto keys = config_keys();
    varied_keys v;
    for (const auto& l : lines) {
        if (l.key == "zip") {
            v.zip_text = l.value;
            v.has_zip = true;
            continue;
        }
        if (l.key != "model") {
            if (!find_key(keys, l.key))
                throw spikebar::config_error(pre + "unknown key '" + l.key + "'");
            if (const std::string why = inert_in_sweep(l.key); !why.empty())
                throw spikebar::config_error(pre + l.key + ": cannot change a result: " + why);
            for (const auto& o : overrides) {
                const auto eq = o.find('=');
                if (trim(o.substr(0, eq)) == l.key)
                    throw spikebar::config_error(pre + l.key +
                                                 " is also given by --set; drop one of the two");
            }
        } else if (!model.empty()) {
            throw spikebar::config_error(pre +
                                         "model is also given by --model; drop one of the two");
        }
        v.values[l.key] = expand_sweep_values(l.key, l.value, pre);
        v.line_of[l.key] = l.value;
        v.order.push_back(l.key);
    }
    return v;
}

// The zip groups: keys that vary together, row by row.
struct zip_groups {
    std::map<std::string, std::size_t> group_of;  // key -> group
    std::vector<std::vector<std::string>> groups;
};

zip_groups read_zip(const varied_keys& v, const std::string& pre) {
    zip_groups z;
    if (!v.has_zip) return z;
    const std::string zpre = pre + "zip = " + (v.zip_text.empty() ? "''" : v.zip_text) + ": ";
    for (const auto& g : split(v.zip_text, ';')) {
        std::vector<std::string> group;
        for (const auto& k : split(g, ',')) {
            if (k.empty()) throw spikebar::config_error(zpre + "empty key in a group");
            if (!v.values.count(k))
                throw spikebar::config_error(zpre + "'" + k + "' is not varied in [sweep]");
            if (z.group_of.count(k))
                throw spikebar::config_error(zpre + "'" + k + "' is in two groups");
            z.group_of[k] = z.groups.size();
            group.push_back(k);
        }
        if (group.size() < 2) throw spikebar::config_error(zpre + "a group needs two keys or more");
        const std::size_t n0 = v.values.at(group[0]).size();
        for (const auto& k : group) {
            const std::size_t nk = v.values.at(k).size();
            if (nk != n0)
                throw spikebar::config_error(zpre + "lists of different lengths (" + group[0] +
                                             ": " + std::to_string(n0) + ", " + k + ": " +
                                             std::to_string(nk) + ")");
        }
        z.groups.push_back(group);
    }
    return z;
}

// The axes in the order of their first key: one per unzipped key, one per zip group. A
// repeated value (or zip row) is refused: it is a typo.
void build_axes(const varied_keys& v, const zip_groups& z, const std::string& pre,
                sweep_spec& s) {
    std::set<std::size_t> placed;
    for (const auto& k : v.order) {
        std::vector<std::string> axis_keys{k};
        const auto g = z.group_of.find(k);
        if (g != z.group_of.end()) {
            if (!placed.insert(g->second).second) continue;
            axis_keys = z.groups[g->second];
        }
        sweep_axis a;
        a.keys = axis_keys;
        std::map<std::vector<std::string>, std::size_t> seen;
        for (std::size_t r = 0; r < v.values.at(axis_keys[0]).size(); ++r) {
            std::vector<std::string> row;
            for (const auto& ak : axis_keys) row.push_back(v.values.at(ak)[r]);
            const auto [it, fresh] = seen.emplace(row, r);
            if (!fresh && axis_keys.size() == 1)
                throw spikebar::config_error(pre + k + " = " + v.line_of.at(k) + ": value " +
                                             row[0] + " appears twice");
            if (!fresh)
                throw spikebar::config_error(
                    pre + "zip = " + v.zip_text + ": row " + std::to_string(r) + " (" +
                    join_values(axis_keys, row) + ") repeats row " + std::to_string(it->second));
            a.rows.push_back(row);
        }
        for (const auto& ak : axis_keys) s.keys.push_back(ak);
        s.axes.push_back(std::move(a));
    }
}

// The --set overrides plus keys = values (model excluded: it is not a config key).
std::vector<std::string> with_values(const std::vector<std::string>& overrides,
                                     const std::vector<std::string>& ks,
                                     const std::vector<std::string>& vs) {
    std::vector<std::string> ov = overrides;
    for (std::size_t i = 0; i < ks.size(); ++i)
        if (ks[i] != "model") ov.push_back(ks[i] + "=" + vs[i]);
    return ov;
}

// A config error of a sweep value, which parse_config blames on --set: its text without
// that source, since the value came from [sweep].
std::string without_set_source(const spikebar::config_error& e) {
    if (!e.key.empty() && e.source == "--set")
        return spikebar::config_error(e.key, e.value, e.rule, e.unit).what();
    const std::string msg = e.what();
    return msg.rfind("--set: ", 0) == 0 ? msg.substr(7) : msg;
}

// Each axis row alone on the base config, so that a bad value is named as it was written.
void check_axis_rows(const sweep_spec& s, const std::string& pre) {
    for (const auto& a : s.axes) {
        for (const auto& row : a.rows) {
            try {
                parse_config(s.text, s.source, with_values(s.overrides, a.keys, row));
            } catch (const spikebar::config_error& e) {
                const bool ours = std::find(a.keys.begin(), a.keys.end(), e.key) != a.keys.end();
                if (ours && e.source == "--set")
                    throw spikebar::config_error(pre + without_set_source(e));
                throw spikebar::config_error(pre + "with " + join_values(a.keys, row) + ": " +
                                             e.what());
            }
        }
    }
}

// Every point of the grid (the last axis varies fastest), its config, and the sweep's
// fingerprint.
void expand_points(const std::string& pre, sweep_spec& s) {
    std::size_t total = 1;
    for (const auto& a : s.axes) {
        total *= a.rows.size();
        if (total > max_points)
            throw spikebar::config_error(pre + "more than " + std::to_string(max_points) +
                                         " points");
    }
    std::string identity;
    for (std::size_t i = 0; i < total; ++i) {
        sweep_point p;
        p.index = i;
        p.model = s.model;
        std::size_t rest = i;
        std::vector<std::vector<std::string>> rows(s.axes.size());
        for (std::size_t a = s.axes.size(); a-- > 0;) {
            rows[a] = s.axes[a].rows[rest % s.axes[a].rows.size()];
            rest /= s.axes[a].rows.size();
        }
        for (std::size_t a = 0; a < s.axes.size(); ++a) {
            for (std::size_t k = 0; k < s.axes[a].keys.size(); ++k) {
                p.values.push_back(rows[a][k]);
                if (s.axes[a].keys[k] == "model") p.model = rows[a][k];
            }
        }
        try {
            p.config = parse_config(s.text, s.source, with_values(s.overrides, s.keys, p.values));
        } catch (const spikebar::config_error& e) {
            throw spikebar::config_error(pre + "point " + std::to_string(i) + " (" +
                                         join_values(s.keys, p.values) + "): " +
                                         without_set_source(e));
        }
        identity +=
            "point " + std::to_string(i) + "\nmodel = " + p.model + "\n" + result_config(p.config);
        s.points.push_back(std::move(p));
    }
    s.fingerprint = fingerprint_of(identity);
}

}  // namespace

sweep_spec plan_sweep(const std::string& text, const std::string& source,
                      const std::vector<std::string>& overrides, const std::string& model) {
    sweep_spec s;
    s.source = source;
    s.text = text;
    s.overrides = overrides;
    s.model = model;
    const std::string pre = source + ": [sweep] ";
    const std::vector<sweep_line> lines = read_sweep_section(text, source);
    parse_config(text, source, overrides);  // the base config: its own messages first
    if (lines.empty())
        throw spikebar::config_error(source +
                                     ": no [sweep] section, or one that varies no key "
                                     "(docs/sweep.md)");
    const varied_keys v = read_varied(lines, pre, overrides, model);
    if (model.empty() && !v.values.count("model"))
        throw spikebar::config_error(source +
                                     ": no model: give --model M or a [sweep] line model = M, ...");
    build_axes(v, read_zip(v, pre), pre, s);
    check_axis_rows(s, pre);
    expand_points(pre, s);
    return s;
}

std::string describe_point(const sweep_spec& s, const sweep_point& p) {
    return join_values(s.keys, p.values);
}

std::vector<point_size> check_sweep_inputs(sweep_spec& s) {
    std::map<std::string, snn::model> models;
    struct data_facts {
        std::size_t n = 0;
        int c = 0, h = 0, w = 0;
    };
    std::map<std::string, data_facts> tests;  // by [data] config
    std::set<std::string> policy_nets;
    std::vector<point_size> out;
    for (auto& p : s.points) {
        const std::string pre = s.source + ": [sweep] point " + std::to_string(p.index) + " (" +
                                describe_point(s, p) + "): ";
        auto m = models.find(p.model);
        if (m == models.end()) {
            snn::model net = snn::load_model(p.model);
            if (net.has_batchnorm())
                throw spikebar::io_error(p.model +
                                         ": holds BatchNorm layers (a training checkpoint?); "
                                         "sweep the model file spikebar train wrote");
            m = models.emplace(p.model, std::move(net)).first;
        }
        const snn::model& net = m->second;
        // What run_evaluation will simulate: the model's [network], [lif] and T.
        run_config c;
        try {
            c = for_inference(p.config, net, p.model);
        } catch (const spikebar::config_error& e) {
            std::string msg = e.what();
            if (msg.rfind("--set: ", 0) == 0) msg = msg.substr(7);
            if (msg.rfind("earlyexit.t_max = ", 0) == 0) msg += "; zip the model with earlyexit.t_max";
            throw spikebar::config_error(pre + msg);
        }
        p.config = c;  // a point's run file records, and resume compares, what is simulated
        struct {
            int timesteps, c, h, w;
        } const f{net.steps(), net.arch.input.c, net.arch.input.h, net.arch.input.w};
        try {
            earlyexit::make_policy(c.earlyexit);
        } catch (const spikebar::config_error& e) {
            throw spikebar::config_error(pre + e.what());
        }
        if (c.earlyexit.kind() == earlyexit::policy_kind::seenn2) {
            if (c.earlyexit.seenn2_model.empty())
                throw spikebar::config_error(pre +
                                             "earlyexit.seenn2_model = '': policy seenn2 "
                                             "needs the policy net that spikebar "
                                             "train-policy wrote");
            if (policy_nets.insert(c.earlyexit.seenn2_model + "\n" + std::to_string(f.timesteps))
                    .second)
                load_policy_net(c.earlyexit.seenn2_model, f.timesteps);
        }
        const std::string data_key =
            c.data.dataset + "\n" + c.data.dir + "\n" + c.data.path + "\n" +
            std::to_string(c.data.test_limit);
        auto d = tests.find(data_key);
        if (d == tests.end()) {
            const snn::dataset t = load_dataset(c.data, "test", frame_inputs::accept);
            d = tests
                    .emplace(data_key,
                             data_facts{t.size(), int(t.channels), int(t.height), int(t.width)})
                    .first;
        }
        const data_facts& test = d->second;
        if (f.c != test.c || f.h != test.h || f.w != test.w)
            throw spikebar::io_error(pre + p.model + " takes [" + std::to_string(f.c) + ", " +
                                     std::to_string(f.h) + ", " + std::to_string(f.w) +
                                     "] inputs, the dataset's images are [" +
                                     std::to_string(test.c) + ", " + std::to_string(test.h) + ", " +
                                     std::to_string(test.w) + "]");
        point_size ps;
        ps.samples = test.n;
        ps.lanes = c.crossbar.enabled ? c.crossbar.chips : 1;
        out.push_back(ps);
    }
    return out;
}

}  // namespace experiments
