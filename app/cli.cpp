#include "app/cli.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include <unistd.h>

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

cli_parser& cli_parser::output(const std::string& flag, std::string* out, const bool* resumes) {
    const bool first = std::none_of(options_.begin(), options_.end(),
                                    [](const option& o) { return o.output; });
    options_.push_back({flag, out, nullptr, nullptr, true, resumes});
    if (first) options_.push_back({"--force", nullptr, nullptr, &force_});
    return *this;
}

void cli_parser::check_output(const option& o) const {
    namespace fs = std::filesystem;
    const std::string& path = *o.value;
    if (path.empty()) return;
    const std::string where = command_ + " " + o.flag + " " + path + ": ";
    std::error_code ec;
    const fs::file_status st = fs::status(path, ec);
    if (fs::is_directory(st))
        throw spikebar::config_error(where + "is a directory, expected the path of a file to write");
    if (fs::exists(st)) {
        if (!fs::is_regular_file(st))
            throw spikebar::config_error(where + "exists and is not a regular file");
        if (!force_ && !(o.resumes && *o.resumes))
            throw spikebar::config_error(where + "exists; pass --force to replace it");
    }
    // The nearest folder that exists must be a writable directory (the rest is created).
    fs::path dir = fs::path(path).parent_path();
    if (dir.empty()) dir = ".";
    while (!fs::exists(dir, ec) && dir.has_parent_path() && dir.parent_path() != dir)
        dir = dir.parent_path();
    if (!fs::is_directory(dir, ec))
        throw spikebar::config_error(where + dir.string() + " is not a directory");
    if (::access(dir.c_str(), W_OK) != 0)
        throw spikebar::config_error(where + "cannot write in " + dir.string());
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
    for (const auto& o : options_)
        if (o.output) check_output(o);
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
