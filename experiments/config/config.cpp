// INI loading, overrides, validation and printing of run_config (see config.hpp).
#include "experiments/config/config.hpp"

#include <boost/program_options.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>

#include "common/errors.hpp"
#include "common/format.hpp"

namespace po = boost::program_options;

namespace experiments {
namespace config_detail {

void parse_value(const std::string& text, bool& out) {
    if (text == "true" || text == "1" || text == "yes" || text == "on") {
        out = true;
    } else if (text == "false" || text == "0" || text == "no" || text == "off") {
        out = false;
    } else {
        throw value_error{"expected true or false"};
    }
}

namespace {

template <class T>
void parse_real(const std::string& text, T& out) {
    const char* b = text.data();
    const char* e = b + text.size();
    if (b != e && *b == '+') ++b;
    T v{};
    const auto r = std::from_chars(b, e, v);
    // from_chars reports out-of-range for under- and overflow alike; both are typos here.
    if (r.ec != std::errc() || r.ptr != e || b == e) throw value_error{"expected a number"};
    if (!std::isfinite(v)) throw value_error{"expected a finite number"};
    out = v;
}

template <class T>
std::string format_real(T v) {
    // Shortest text that reads back to the same value, so effective configs round-trip.
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

}  // namespace

void parse_value(const std::string& text, double& out) {
    parse_real(text, out);
}
void parse_value(const std::string& text, float& out) {
    parse_real(text, out);
}

void parse_value(const std::string& text, std::string& out) {
    // INI cannot hold these: '#' starts a comment, and line breaks end the value.
    if (text.find('#') != std::string::npos) {
        throw value_error{"'#' starts a comment in INI files and cannot be part of a value"};
    }
    if (text.find_first_of("\r\n") != std::string::npos) {
        throw value_error{"expected a single line"};
    }
    out = text;
}

std::string format_value(bool v) {
    return v ? "true" : "false";
}
std::string format_value(double v) {
    return format_real(v);
}
std::string format_value(float v) {
    return format_real(v);
}
std::string format_value(const std::string& v) {
    return v;
}

const std::vector<section>& schema() {
    static const std::vector<section> s = [] {
        std::vector<section> out;
        add_snn_sections(out);
        add_experiments_sections(out);
        add_crossbar_sections(out);
        add_earlyexit_sections(out);
        add_energy_sections(out);
        return out;
    }();
    return s;
}

}  // namespace config_detail

namespace {

using config_detail::field;
using config_detail::schema;

std::string full_name(const field& f) {
    return f.info.section + "." + f.info.key;
}

const field* find_field(const std::string& name) {
    for (const auto& s : schema()) {
        for (const auto& f : s.fields) {
            if (full_name(f) == name) return &f;
        }
    }
    return nullptr;
}

using spikebar::trim;

std::string shown(const std::string& value) {
    return value.empty() ? "''" : value;
}

// A key's text value and where it came from ("config <path>" or "--set").
struct assignment {
    std::string value;
    std::string source;
};

std::map<std::string, assignment> read_ini(const std::string& text, const std::string& source,
                                           std::vector<sweep_line>* sweep = nullptr) {
    po::options_description desc;
    for (const auto& s : schema()) {
        for (const auto& f : s.fields) {
            desc.add_options()(full_name(f).c_str(), po::value<std::string>());
        }
    }
    // Any key in [sweep]: experiments/sweep/sweep.cpp checks each against the schema.
    desc.add_options()("sweep.*", po::value<std::string>());
    std::istringstream in(text);
    po::parsed_options parsed(&desc);
    try {
        parsed = po::parse_config_file(in, desc, /*allow_unregistered=*/false);
    } catch (const po::unknown_option& e) {
        throw spikebar::config_error(source + ": unknown key '" + e.get_option_name() + "'");
    } catch (const po::invalid_config_file_syntax& e) {
        throw spikebar::config_error(source + ": line '" + e.tokens() +
                                     "' is neither a [section] nor key = value");
    } catch (const po::error& e) {
        throw spikebar::config_error(source + ": " + e.what());
    }
    std::map<std::string, assignment> out;
    for (const auto& o : parsed.options) {
        const std::string value = o.value.empty() ? std::string() : o.value.front();
        if (!out.emplace(o.string_key, assignment{value, source}).second) {
            throw spikebar::config_error(source + ": key '" + o.string_key + "' is set twice");
        }
        if (sweep && o.string_key.rfind("sweep.", 0) == 0)
            sweep->push_back({o.string_key.substr(6), value});
    }
    return out;
}

void apply_overrides(std::map<std::string, assignment>& values,
                     const std::vector<std::string>& overrides) {
    for (const auto& o : overrides) {
        const auto eq = o.find('=');
        const std::string key = eq == std::string::npos ? std::string() : trim(o.substr(0, eq));
        if (eq == std::string::npos || key.empty()) {
            throw spikebar::config_error("--set: '" + o + "': expected section.key=value");
        }
        if (!find_field(key)) throw spikebar::config_error("--set: unknown key '" + key + "'");
        values[key] = assignment{trim(o.substr(eq + 1)), "--set"};
    }
}

run_config build(std::map<std::string, assignment> values,
                 const std::vector<std::string>& overrides) {
    apply_overrides(values, overrides);
    run_config c;
    for (const auto& s : schema()) {
        for (const auto& f : s.fields) {
            const auto it = values.find(full_name(f));
            if (it == values.end()) continue;
            c.given[full_name(f)] = it->second.source;
            try {
                f.set(c, it->second.value);
            } catch (const config_detail::value_error& e) {
                throw spikebar::config_error(full_name(f), shown(it->second.value), e.expected,
                                             "", it->second.source);
            }
        }
    }
    for (const auto& s : schema()) {
        try {
            s.validate(c);
        } catch (const spikebar::config_error& e) {
            // Blame the file or --set that gave the key; a default alone has no source.
            const auto it = values.find(e.key);
            if (it == values.end()) throw;
            throw e.with_source(it->second.source);
        }
    }
    return c;
}

void append_comment(std::string& out, const std::string& text) {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out += "# " + line + "\n";
}

}  // namespace

run_config parse_config(const std::string& text, const std::string& source,
                        const std::vector<std::string>& overrides) {
    return build(read_ini(text, source), overrides);
}

std::vector<sweep_line> read_sweep_section(const std::string& text, const std::string& source) {
    std::vector<sweep_line> out;
    read_ini(text, source, &out);
    return out;
}

std::string read_config_text(const std::string& path) {
    // A directory opens as an empty stream and a FIFO blocks: only regular files are configs.
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::file_status st = fs::status(path, ec);
    if (!fs::exists(st)) throw spikebar::io_error("config " + path + ": cannot open file");
    if (fs::is_directory(st))
        throw spikebar::io_error("config " + path + ": is a directory, expected an INI file");
    if (!fs::is_regular_file(st))
        throw spikebar::io_error("config " + path +
                                 ": not a regular file (a FIFO, socket or device), expected an "
                                 "INI file");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw spikebar::io_error("config " + path + ": cannot open file");
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw spikebar::io_error("config " + path + ": read failed");
    return text.str();
}

run_config load_config(const std::string& path, const std::vector<std::string>& overrides) {
    return parse_config(read_config_text(path), "config " + path, overrides);
}

run_config default_config(const std::vector<std::string>& overrides) {
    return build({}, overrides);
}

void validate(const run_config& c) {
    for (const auto& s : schema()) s.validate(c);
}

std::string effective_config(const run_config& c) {
    std::string out;
    for (const auto& s : schema()) {
        if (!out.empty()) out += "\n";
        out += "[" + s.name + "]\n";
        for (const auto& f : s.fields) out += f.info.key + " = " + f.get(c) + "\n";
    }
    return out;
}

std::string dump_config_template() {
    const run_config defaults;
    std::string out =
        "# spikebar configuration: every key with its default (spikebar config --dump).\n"
        "# Each key's comment gives its meaning and [unit]. A run reads a file like this with\n"
        "# --config FILE; --set section.key=value overrides any key. Omitted keys keep the\n"
        "# defaults shown here.\n";
    for (const auto& s : schema()) {
        out += "\n[" + s.name + "]\n";
        append_comment(out, s.title);
        for (const auto& f : s.fields) {
            std::string comment = f.info.meaning;
            if (!f.info.unit.empty()) comment += " [" + f.info.unit + "]";
            if (f.info.type == "bool") comment += " (true | false)";
            if (!f.info.choices.empty()) {
                comment += "\none of: ";
                for (std::size_t i = 0; i < f.info.choices.size(); ++i) {
                    comment += (i ? " | " : "") + f.info.choices[i];
                }
            }
            out += "\n";
            append_comment(out, comment);
            out += f.info.key + " = " + f.get(defaults) + "\n";
        }
    }
    return out;
}

std::vector<config_key_info> config_keys() {
    std::vector<config_key_info> out;
    for (const auto& s : schema()) {
        for (const auto& f : s.fields) out.push_back(f.info);
    }
    return out;
}

}  // namespace experiments
