// Checks for the validate() of param structs. Each throws
// config_error{key, value, rule, unit} (common/errors.hpp) when its value breaks the rule,
// so every message reads "<key> = <value>: <rule> [<unit>]", e.g.
//   crossbar.tile_rows = 8: must be in [16, 512] [rows]
// `unit` is "" where the value has none, and the " [unit]" is then left out. The numeric
// checks also reject NaN and infinities: a config value is always finite.
#pragma once
#include <cmath>
#include <initializer_list>
#include <string>
#include <type_traits>
#include <utility>

#include "common/errors.hpp"
#include "common/format.hpp"

namespace spikebar::check {

// A value as messages show it: integers exactly, reals by shortest(), text as it is.
template <class T>
std::string value_text(const T& v) {
    if constexpr (std::is_same_v<T, bool>)
        return v ? "true" : "false";
    else if constexpr (std::is_integral_v<T>)
        return std::to_string(v);
    else if constexpr (std::is_floating_point_v<T>)
        return shortest(static_cast<double>(v));
    else
        return std::string(v);
}

// One end of an allowed range: its value, and how rules show it (the number, or the key it
// comes from: "train.lr").
struct bound {
    template <class T, class = std::enable_if_t<std::is_arithmetic_v<T>>>
    bound(T v) : value(static_cast<double>(v)), text(value_text(v)) {}
    bound(double v, std::string shown) : value(v), text(std::move(shown)) {}

    double value;
    std::string text;
};

// A bound that another key sets, shown with its value: "device.g_on_s = 0.0001".
inline bound set_by(const std::string& key, double v) { return {v, key + " = " + value_text(v)}; }

// A range of allowed values, open or closed at each end.
struct interval {
    bound lo, hi;
    bool lo_open, hi_open;

    bool contains(double v) const {
        return (lo_open ? v > lo.value : v >= lo.value) && (hi_open ? v < hi.value : v <= hi.value);
    }
    // "[lo, hi]", "(lo, hi]", "[lo, hi)"
    std::string text() const {
        return (lo_open ? "(" : "[") + lo.text + ", " + hi.text + (hi_open ? ")" : "]");
    }
};
inline interval closed(bound lo, bound hi) { return {std::move(lo), std::move(hi), false, false}; }
inline interval left_open(bound lo, bound hi) { return {std::move(lo), std::move(hi), true, false}; }
inline interval right_open(bound lo, bound hi) { return {std::move(lo), std::move(hi), false, true}; }

// Throws config_error{key, value_text(v), rule, unit} unless `ok`: the rules that the checks
// below do not state ("must be even with mapping = differential").
template <class T>
void require(bool ok, const std::string& key, const T& v, const std::string& rule,
             const std::string& unit = "") {
    if (!ok) throw config_error(key, value_text(v), rule, unit);
}

// v in r: "must be in [lo, hi]" (or "(lo, hi]", "[lo, hi)").
template <class T>
void in_range(const std::string& key, T v, const interval& r, const std::string& unit = "") {
    require(r.contains(static_cast<double>(v)), key, v, "must be in " + r.text(), unit);
}

// v >= lo: "must be >= lo".
template <class T>
void at_least(const std::string& key, T v, const bound& lo, const std::string& unit = "") {
    const double d = static_cast<double>(v);
    require(std::isfinite(d) && d >= lo.value, key, v, "must be >= " + lo.text, unit);
}

// v > lo: "must be > lo".
template <class T>
void greater_than(const std::string& key, T v, const bound& lo, const std::string& unit = "") {
    const double d = static_cast<double>(v);
    require(std::isfinite(d) && d > lo.value, key, v, "must be > " + lo.text, unit);
}

// v < hi: "must be < hi".
template <class T>
void less_than(const std::string& key, T v, const bound& hi, const std::string& unit = "") {
    const double d = static_cast<double>(v);
    require(std::isfinite(d) && d < hi.value, key, v, "must be < " + hi.text, unit);
}

// The error for a value that is none of `allowed`: "expected one of a | b | c".
inline config_error not_one_of(const std::string& key, const std::string& value,
                               std::initializer_list<const char*> allowed) {
    std::string list;
    for (const char* a : allowed) list += (list.empty() ? "" : " | ") + std::string(a);
    return config_error(key, value, "expected one of " + list);
}

// value is one of `allowed`.
inline void one_of(const std::string& key, const std::string& value,
                   std::initializer_list<const char*> allowed) {
    for (const char* a : allowed)
        if (value == a) return;
    throw not_one_of(key, value, allowed);
}

}  // namespace spikebar::check
