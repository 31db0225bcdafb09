// Number formatting for messages.
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

}  // namespace spikebar
