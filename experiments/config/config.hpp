// Run configuration: INI files mapped 1:1 onto the param structs of every library.
//
// A config file has one [section] per struct and `key = value` lines (Boost.Program_options
// INI syntax; `#` starts a comment). The effective value of a key is, in order of priority:
// a `--set section.key=value` override, the file, the struct's default. Every key is typed;
// enum-like strings have a fixed list of allowed values. Loading stops at the first problem
// with a config_error of one line that names section.key, the value and what was expected:
//   config configs/x.ini: unknown key 'lif.decya'
//   config configs/x.ini: train.epochs = abc: expected an integer
//   config configs/x.ini: lif.reset = medium: expected one of hard, soft
//   --set: lif.decay = 1.5: must be in (0, 1] [1]
// Sections: [network] [lif] [train] (snn), [data] [eval] [output] (experiments), [crossbar]
// [device] [wires] [adc] (crossbar), [earlyexit] (earlyexit).
// The source prefix (`config <path>` or `--set`) says where the offending value came from;
// it is absent when a default alone fails a cross-field check. docs/config.md lists every key.
#pragma once
#include <charconv>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "crossbar/params.hpp"
#include "earlyexit/params.hpp"
#include "experiments/energy/energy.hpp"
#include "experiments/io/dataset_io.hpp"
#include "snn/params.hpp"

namespace experiments {

// [eval]: how inference runs over the test set.
struct eval_params {
    int batch_size = 16;   // samples simulated together; small keeps each sample's state in cache [samples]
    int threads = 0;       // OpenMP threads over samples, 0 = every core [1]
    std::uint64_t chip_seed = 1;   // crossbar chips: programming and read-noise streams; chip k keyed (chip_seed, k) [1]
    int calibration_samples = 256; // crossbar ADC ranges from the ideal network on the first N training samples, 0 = uncalibrated [samples]
    bool online_exit = false;      // exited samples leave the batch (not simulated further, not logged) [1]
    bool record_energy = true;     // work counters and energy per read and step; false: accuracy only, faster [1]
    void validate() const;
};

// [output]: where results go.
struct output_params {
    std::string dir = "out";  // directory for run files, created when missing [path]
    void validate() const;
};

// Every section of a run, each one the param struct of the library that owns it.
struct run_config {
    snn::network_params network;            // [network]
    snn::neuron_params lif;                 // [lif]
    snn::train_params train;                // [train]
    data_params data;                       // [data]
    eval_params eval;                       // [eval]
    output_params output;                   // [output]
    crossbar::crossbar_params crossbar;     // [crossbar]
    crossbar::device_params device;         // [device]
    crossbar::wire_params wires;            // [wires]
    crossbar::adc_params adc;               // [adc]
    earlyexit::earlyexit_params earlyexit;  // [earlyexit]
    energy_params energy;                   // [energy]

    // Where each key that the file or --set gave came from ("config <path>" or "--set"),
    // by full name ("lif.decay"); keys left at their defaults are absent. It lets the keys a
    // model governs be checked against the model (experiments/config/config_model.hpp).
    std::map<std::string, std::string> given;
};

// Read `path` (INI), apply `overrides` ("section.key=value", in order; a later one wins),
// then validate every section. Throws io_error when the file cannot be read and
// config_error (one line, see above) for any bad key or value.
run_config load_config(const std::string& path, const std::vector<std::string>& overrides = {});

// As load_config, but from INI text; `source` names it in messages (e.g. "config <path>").
run_config parse_config(const std::string& text, const std::string& source,
                        const std::vector<std::string>& overrides = {});

// Defaults plus overrides only, no file; validated.
run_config default_config(const std::vector<std::string>& overrides = {});

// Check every section of `c` (each struct's validate()).
void validate(const run_config& c);

// The full effective config as INI text: every section and every key, defaults included,
// in the order of `spikebar config --dump`. parse_config(effective_config(c)) gives back c.
std::string effective_config(const run_config& c);

// [sweep]: the keys a sweep varies (docs/sweep.md). load_config and parse_config accept the
// section and ignore it; experiments/sweep/sweep.hpp expands it into the sweep's points.
struct sweep_line {
    std::string key;    // as written in [sweep]: "wires.r_row_ohm", "model", "zip", ...
    std::string value;  // as written: "0, 1, 2.5, 5", "0:0.05:0.3", ...
};

// The text of config file `path`. Throws io_error("config <path>: cannot open file").
std::string read_config_text(const std::string& path);

// The lines of the [sweep] section of INI text, in file order (empty without one). Throws
// config_error as parse_config does for a line that is not key = value or a key set twice.
std::vector<sweep_line> read_sweep_section(const std::string& text, const std::string& source);

// Every key with its default, unit and meaning, grouped by section, as valid INI whose
// comments carry unit, meaning and allowed values: a template for new configs.
std::string dump_config_template();

// One configurable key, for tools and tests that walk the schema.
struct config_key_info {
    std::string section;               // e.g. "lif"
    std::string key;                   // e.g. "decay"; the full name is section.key
    std::string type;                  // "int", "uint64", "real", "bool", "string", "choice"
    std::string unit;                  // e.g. "ohm", "1", "steps"; empty for strings and choices
    std::string meaning;               // a line or a few (the dump comments each)
    std::vector<std::string> choices;  // allowed values of a "choice" key
};
std::vector<config_key_info> config_keys();

// The schema behind all of the above: each config_<area>.cpp binds its structs' fields here.
namespace config_detail {

// A value that does not parse; `expected` completes "section.key = value: <expected>".
struct value_error {
    std::string expected;
};

void parse_value(const std::string& text, bool& out);
void parse_value(const std::string& text, double& out);
void parse_value(const std::string& text, float& out);
void parse_value(const std::string& text, std::string& out);
template <class T>
std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>> parse_value(
    const std::string& text, T& out) {
    const char* b = text.data();
    const char* e = b + text.size();
    if (b != e && *b == '+') ++b;
    T v{};
    const auto r = std::from_chars(b, e, v);
    if (r.ec == std::errc::result_out_of_range) {
        throw value_error{"expected an integer in [" +
                          std::to_string(std::numeric_limits<T>::min()) + ", " +
                          std::to_string(std::numeric_limits<T>::max()) + "]"};
    }
    if (r.ec != std::errc() || r.ptr != e || b == e) {
        throw value_error{std::is_signed_v<T> ? "expected an integer"
                                              : "expected a non-negative integer"};
    }
    out = v;
}

std::string format_value(bool v);
std::string format_value(double v);
std::string format_value(float v);
std::string format_value(const std::string& v);
template <class T>
std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, std::string> format_value(T v) {
    return std::to_string(v);
}
template <class T>
std::string type_name() {
    if constexpr (std::is_same_v<T, bool>)
        return "bool";
    else if constexpr (std::is_same_v<T, std::string>)
        return "string";
    else if constexpr (std::is_floating_point_v<T>)
        return "real";
    else if constexpr (std::is_signed_v<T>)
        return "int";
    else
        return "uint64";
}

struct field {
    config_key_info info;
    std::function<std::string(const run_config&)> get;
    std::function<void(run_config&, const std::string&)> set;  // throws value_error
};

struct section {
    std::string name;   // e.g. "lif"
    std::string title;  // one line for the dump
    std::function<void(const run_config&)> validate;
    std::vector<field> fields;
};

// Adds the fields of the struct run_config::*member to a section.
template <class S>
class section_builder {
public:
    section_builder(std::vector<section>& all, S run_config::*member)
        : all_(all), index_(all.size() - 1), m_(member) {}

    template <class T>
    section_builder& key(const char* name, T S::*f, const char* unit, const char* meaning) {
        field fl;
        fl.info = {all_[index_].name, name, type_name<T>(), unit, meaning, {}};
        auto m = m_;
        fl.get = [m, f](const run_config& c) { return format_value((c.*m).*f); };
        fl.set = [m, f](run_config& c, const std::string& text) { parse_value(text, (c.*m).*f); };
        all_[index_].fields.push_back(std::move(fl));
        return *this;
    }

    // A string that must be one of `choices`.
    section_builder& choice(const char* name, std::string S::*f, std::vector<std::string> choices,
                            const char* meaning) {
        field fl;
        fl.info = {all_[index_].name, name, "choice", "", meaning, choices};
        auto m = m_;
        fl.get = [m, f](const run_config& c) { return (c.*m).*f; };
        fl.set = [m, f, choices](run_config& c, const std::string& text) {
            for (const auto& ch : choices) {
                if (text == ch) {
                    (c.*m).*f = text;
                    return;
                }
            }
            std::string e = "expected one of ";
            for (std::size_t i = 0; i < choices.size(); ++i) e += (i ? ", " : "") + choices[i];
            throw value_error{e};
        };
        all_[index_].fields.push_back(std::move(fl));
        return *this;
    }

    // An enum field, written in INI as one of the names in `names`.
    template <class E>
    section_builder& enumeration(const char* name, E S::*f,
                                 std::vector<std::pair<std::string, E>> names,
                                 const char* meaning) {
        field fl;
        std::vector<std::string> choices;
        for (const auto& n : names) choices.push_back(n.first);
        fl.info = {all_[index_].name, name, "choice", "", meaning, choices};
        auto m = m_;
        fl.get = [m, f, names](const run_config& c) {
            for (const auto& n : names) {
                if (n.second == (c.*m).*f) return n.first;
            }
            return std::string("?");
        };
        fl.set = [m, f, names](run_config& c, const std::string& text) {
            for (const auto& n : names) {
                if (text == n.first) {
                    (c.*m).*f = n.second;
                    return;
                }
            }
            std::string e = "expected one of ";
            for (std::size_t i = 0; i < names.size(); ++i) e += (i ? ", " : "") + names[i].first;
            throw value_error{e};
        };
        all_[index_].fields.push_back(std::move(fl));
        return *this;
    }

private:
    std::vector<section>& all_;  // the builder outlives pushes of later sections
    std::size_t index_;
    S run_config::*m_;
};

template <class S>
section_builder<S> add_section(std::vector<section>& out, const char* name, const char* title,
                               S run_config::*member) {
    section s;
    s.name = name;
    s.title = title;
    s.validate = [member](const run_config& c) { (c.*member).validate(); };
    out.push_back(std::move(s));
    return section_builder<S>(out, member);
}

// One per config_<area>.cpp, called in this order to build the schema.
void add_snn_sections(std::vector<section>& out);          // network, lif, train
void add_experiments_sections(std::vector<section>& out);  // data, eval, output
void add_crossbar_sections(std::vector<section>& out);     // crossbar, device, wires, adc
void add_earlyexit_sections(std::vector<section>& out);    // earlyexit
void add_energy_sections(std::vector<section>& out);       // energy

// The schema, built once.
const std::vector<section>& schema();

}  // namespace config_detail
}  // namespace experiments
