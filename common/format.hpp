// Text helpers for messages and config parsing.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <string>

namespace spikebar {

// Shortest text that reads back as the same double ("-1", "2.5", "1e-06").
inline std::string shortest(double v) {
    char buf[40];
    for (int prec = 6; prec <= 17; ++prec) {
        std::snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (std::strtod(buf, nullptr) == v) break;
    }
    return buf;
}

// s without leading and trailing spaces and tabs.
inline std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t");
    if (b == std::string::npos) return "";
    const auto e = s.find_last_not_of(" \t");
    return s.substr(b, e - b + 1);
}

}  // namespace spikebar
