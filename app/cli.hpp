// Flag parsing shared by the subcommands: `--flag VALUE` or `--flag=VALUE`, toggles,
// repeatable flags. Anything else is a config_error naming the command and the flag.
#pragma once
#include <string>
#include <vector>

#include "app/commands.hpp"

namespace experiments {

class cli_parser {
public:
    cli_parser(std::string command, std::string usage)
        : command_(std::move(command)), usage_(std::move(usage)) {}

    cli_parser& value(const std::string& flag, std::string* out);
    cli_parser& repeated(const std::string& flag, std::vector<std::string>* out);
    cli_parser& toggle(const std::string& flag, bool* out);
    // A file the command writes. parse() checks it before any work is done: it is not a
    // directory, its folder exists (or can be created) and is writable, and it does not
    // exist unless --force is given (a toggle every command with an output accepts) or
    // `*resumes` is true (a resumed run continues its own output). config_error otherwise.
    cli_parser& output(const std::string& flag, std::string* out, const bool* resumes = nullptr);

    // Parses `a`; prints the usage and returns false on --help.
    bool parse(const args& a);
    // config_error "<command>: --flag is required" when `v` is empty.
    void require(const std::string& flag, const std::string& v) const;

private:
    struct option {
        std::string flag;
        std::string* value = nullptr;
        std::vector<std::string>* list = nullptr;
        bool* toggle = nullptr;
        bool output = false;
        const bool* resumes = nullptr;
    };
    void check_output(const option& o) const;
    std::string command_, usage_;
    std::vector<option> options_;
    bool force_ = false;
};

// "spikebar train --config x.ini ..." as one string, for provenance in output files.
std::string command_line(const std::string& command, const args& a);

}  // namespace experiments
