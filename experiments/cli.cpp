#include "experiments/cli.hpp"

#include <cstdio>

#include "common/errors.hpp"

namespace experiments {

cli_parser& cli_parser::value(const std::string& flag, std::string* out) {
    options_.push_back({flag, out, nullptr, nullptr});
    return *this;
}
cli_parser& cli_parser::repeated(const std::string& flag, std::vector<std::string>* out) {
    options_.push_back({flag, nullptr, out, nullptr});
    return *this;
}
cli_parser& cli_parser::toggle(const std::string& flag, bool* out) {
    options_.push_back({flag, nullptr, nullptr, out});
    return *this;
}

bool cli_parser::parse(const args& a) {
    for (std::size_t i = 0; i < a.size(); ++i) {
        const std::string& word = a[i];
        if (word == "--help" || word == "-h") {
            std::fputs(usage_.c_str(), stdout);
            return false;
        }
        const auto eq = word.find('=');
        const std::string flag = word.substr(0, eq);
        const option* opt = nullptr;
        for (const auto& o : options_)
            if (o.flag == flag) opt = &o;
        if (!opt || word.rfind("--", 0) != 0)
            throw spikebar::config_error(command_ + ": unknown option '" + word + "' (see spikebar " +
                                         command_ + " --help)");
        if (opt->toggle) {
            if (eq != std::string::npos)
                throw spikebar::config_error(command_ + ": " + flag + " takes no value");
            *opt->toggle = true;
            continue;
        }
        std::string v;
        if (eq != std::string::npos) {
            v = word.substr(eq + 1);
        } else {
            if (i + 1 >= a.size()) throw spikebar::config_error(command_ + ": " + flag + " needs a value");
            v = a[++i];
        }
        if (opt->list)
            opt->list->push_back(v);
        else
            *opt->value = v;
    }
    return true;
}

void cli_parser::require(const std::string& flag, const std::string& v) const {
    if (v.empty())
        throw spikebar::config_error(command_ + ": " + flag + " is required (see spikebar " + command_ +
                                     " --help)");
}

std::string command_line(const std::string& command, const args& a) {
    std::string s = "spikebar " + command;
    for (const auto& w : a) s += " " + w;
    return s;
}

}  // namespace experiments
