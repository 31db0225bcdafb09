// Error types shared by every spikebar library.
// config_error: a bad configuration value or CLI flag; io_error: a bad or missing file.
// The CLI catches both, prints what() on one line and exits with code 2.
#pragma once
#include <stdexcept>
#include <string>
#include <utility>

namespace spikebar {

// The one-line text of a structured config_error:
//   [<source>: ]<key> = <value>: <rule>[ [<unit>]]
// e.g. "--set: crossbar.tile_rows = 8: must be in [16, 512] [rows]". An empty source or
// unit is left out with its separator.
inline std::string format_config_error(const std::string& key, const std::string& value,
                                       const std::string& rule, const std::string& unit,
                                       const std::string& source) {
    std::string s = source.empty() ? std::string() : source + ": ";
    s += key + " = " + value + ": " + rule;
    if (!unit.empty()) s += " [" + unit + "]";
    return s;
}

// A bad configuration value (structured: the fields say which key, which value and which
// rule, and what() is format_config_error of them; common/validate.hpp throws these), or a
// free-form message such as a CLI usage error (every field empty).
struct config_error : std::runtime_error {
    explicit config_error(const std::string& message) : std::runtime_error(message) {}
    config_error(std::string key_, std::string value_, std::string rule_,
                 std::string unit_ = "", std::string source_ = "")
        : std::runtime_error(format_config_error(key_, value_, rule_, unit_, source_)),
          key(std::move(key_)),
          value(std::move(value_)),
          rule(std::move(rule_)),
          unit(std::move(unit_)),
          source(std::move(source_)) {}

    // The same error blamed on where its value came from ("config x.ini", "--set"): a
    // structured error keeps its fields; a free-form one gets the prefix "<source>: ".
    config_error with_source(const std::string& from) const {
        if (key.empty()) return config_error(from + ": " + what());
        return config_error(key, value, rule, unit, from);
    }

    std::string key;     // "section.key" (e.g. "lif.decay"); empty for a free-form message
    std::string value;   // the value as the message shows it: "1.5", "''", "\"\""
    std::string rule;    // what the value must satisfy: "must be in (0, 1]"
    std::string unit;    // the value's unit ("ohm", "1", "steps"); empty where it has none
    std::string source;  // where the value came from ("config x.ini", "--set"); empty if unknown
};

struct io_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

}  // namespace spikebar
