// Lists and start:step:stop ranges of swept values (see value_range.hpp).
#include "experiments/config/value_range.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "common/errors.hpp"
#include "common/format.hpp"

namespace experiments {

namespace {

std::vector<std::string> split_trimmed(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::size_t b = 0;
    for (;;) {
        const auto e = s.find(sep, b);
        out.push_back(
            spikebar::trim(s.substr(b, e == std::string::npos ? std::string::npos : e - b)));
        if (e == std::string::npos) return out;
        b = e + 1;
    }
}

bool parse_whole(const std::string& t, long long* v) {
    const char* b = t.data();
    const char* e = b + t.size();
    if (b != e && *b == '+') ++b;
    const auto r = std::from_chars(b, e, *v);
    return r.ec == std::errc() && r.ptr == e && b != e;
}

// How many values start:step:stop has (0 if the step is 0 or leads away from stop).
double count_of(double start, double step, double stop) {
    if (step == 0) return 0;
    const double steps = (stop - start) / step;
    return steps < -1e-9 ? 0 : std::floor(steps + 1e-9) + 1;
}

// Refuses a range written in replay's former order LO:HI:STEP: one that read as
// start:step:stop is empty or a single value but as LO:HI:STEP has two or more (the common
// 1:4:1 and 0.5:0.999:0.001 among them). A deliberate single value reads 5:1:5.
void refuse_old_order(const std::vector<std::string>& p, double a, double b, double c,
                      const std::string& where) {
    if (count_of(a, b, c) <= 1 && a < b && c > 0 && count_of(a, c, b) >= 2)
        throw spikebar::config_error(where + "ranges are start:step:stop; did you mean " + p[0] +
                                     ":" + p[2] + ":" + p[1] + "?");
}

std::string too_many() {
    return "more than " + std::to_string(max_axis_values) + " values";
}

}  // namespace

bool is_range(const std::string& text) {
    return text.find(':') != std::string::npos && text.find(',') == std::string::npos;
}

bool parse_real(const std::string& t, double* v) {
    const char* b = t.data();
    const char* e = b + t.size();
    if (b != e && *b == '+') ++b;
    const auto r = std::from_chars(b, e, *v);
    return r.ec == std::errc() && r.ptr == e && b != e && std::isfinite(*v);
}

std::vector<std::string> range_values(const std::string& text, const std::string& where) {
    const auto p = split_trimmed(text, ':');
    if (p.size() != 3) throw spikebar::config_error(where + "expected a range start:step:stop");
    std::vector<std::string> out;
    long long ia, is, ib;
    if (parse_whole(p[0], &ia) && parse_whole(p[1], &is) && parse_whole(p[2], &ib)) {
        // Whole numbers: exact, whatever their size.
        refuse_old_order(p, double(ia), double(is), double(ib), where);
        if (is == 0) throw spikebar::config_error(where + "the step must not be 0");
        if (ib != ia && (ib > ia) != (is > 0))
            throw spikebar::config_error(where + "the step leads away from stop");
        // |ib - ia| and |is| as unsigned: exact even where ib - ia overflows long long.
        const unsigned long long span =
            ib >= ia ? static_cast<unsigned long long>(ib) - static_cast<unsigned long long>(ia)
                     : static_cast<unsigned long long>(ia) - static_cast<unsigned long long>(ib);
        const unsigned long long stride = is > 0 ? static_cast<unsigned long long>(is)
                                                 : 0ull - static_cast<unsigned long long>(is);
        const unsigned long long n = span / stride + 1;
        if (n > max_axis_values) throw spikebar::config_error(where + too_many());
        long long v = ia;  // stepped, not ia + i * is: every partial value lies in [ia, ib]
        for (unsigned long long i = 0; i < n; ++i) {
            out.push_back(std::to_string(v));
            if (i + 1 < n) v += is;
        }
        return out;
    }
    double a, s, b;
    if (!parse_real(p[0], &a) || !parse_real(p[1], &s) || !parse_real(p[2], &b))
        throw spikebar::config_error(where + "expected a range start:step:stop of numbers");
    refuse_old_order(p, a, s, b, where);
    if (s == 0) throw spikebar::config_error(where + "the step must not be 0");
    const double steps = (b - a) / s;
    if (steps < -1e-9) throw spikebar::config_error(where + "the step leads away from stop");
    if (steps + 1 > double(max_axis_values)) throw spikebar::config_error(where + too_many());
    const auto n = static_cast<std::size_t>(std::floor(steps + 1e-9)) + 1;
    for (std::size_t i = 0; i < n; ++i) {
        char buf[64];
        double v = a + double(i) * s;
        if (std::fabs(v) < 1e-9 * std::fabs(s)) v = 0;  // 0.3 - 3 * 0.1 is 0, not 5.6e-17
        std::snprintf(buf, sizeof buf, "%.12g", v);
        out.push_back(buf);
    }
    return out;
}

std::vector<std::string> list_values(const std::string& text, const std::string& where) {
    std::vector<std::string> out = split_trimmed(text, ',');
    for (const auto& v : out)
        if (v.empty()) throw spikebar::config_error(where + "empty value in the list");
    if (out.size() > max_axis_values) throw spikebar::config_error(where + too_many());
    return out;
}

}  // namespace experiments
