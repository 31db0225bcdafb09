// spikebar config: print the config template, check a config file, show its effective values.
#include <cstdio>
#include <string>

#include "app/commands.hpp"
#include "common/errors.hpp"
#include "experiments/config/config.hpp"
#include "experiments/sweep/sweep.hpp"

namespace experiments {

namespace {

const char* const usage =
    "usage: spikebar config --dump\n"
    "       spikebar config --check FILE [--set section.key=value]...\n"
    "       spikebar config --show FILE [--set section.key=value]...\n"
    "\n"
    "  --dump         every key with its default, unit and meaning, as an INI template\n"
    "  --check FILE   validate FILE (and overrides), and with a [sweep] section every\n"
    "                 point's config; prints 'config FILE: ok', exit 0,\n"
    "                 or one line naming the bad key, exit 2\n"
    "  --show FILE    the effective config: FILE plus overrides plus defaults, every key\n"
    "  --set K=V      override key K (section.key) after the file; repeatable\n"
    "  --help         this text\n";

}  // namespace

int cmd_config(const args& a) {
    std::string mode, file;
    std::vector<std::string> overrides;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const std::string& s = a[i];
        const auto value = [&](const char* flag) {
            if (i + 1 >= a.size()) {
                throw spikebar::config_error(std::string("config ") + flag + ": missing value");
            }
            return a[++i];
        };
        const auto set_mode = [&](const std::string& m) {
            if (!mode.empty()) {
                throw spikebar::config_error("config: " + mode + " and " + m +
                                             " cannot be combined");
            }
            mode = m;
        };
        if (s == "--help" || s == "-h") {
            std::fputs(usage, stdout);
            return 0;
        } else if (s == "--dump") {
            set_mode(s);
        } else if (s == "--check" || s == "--show") {
            set_mode(s);
            file = value(s.c_str());
        } else if (s == "--set") {
            overrides.push_back(value("--set"));
        } else if (s.rfind("--set=", 0) == 0) {
            overrides.push_back(s.substr(6));
        } else {
            throw spikebar::config_error("config: unknown option '" + s +
                                         "' (see spikebar config --help)");
        }
    }
    if (mode.empty()) {
        throw spikebar::config_error(
            "config: expected --dump, --check FILE or --show FILE (see spikebar config --help)");
    }
    if (mode == "--dump") {
        if (!overrides.empty()) throw spikebar::config_error("config --dump: takes no --set");
        std::fputs(dump_config_template().c_str(), stdout);
        return 0;
    }
    const std::string text = read_config_text(file);
    const run_config c = parse_config(text, "config " + file, overrides);
    if (mode == "--check") {
        // A sweep config: every point's config too, as `spikebar sweep` plans it before it
        // runs (model files and the dataset are read only by the sweep itself).
        const std::vector<sweep_line> lines = read_sweep_section(text, "config " + file);
        if (lines.empty()) {
            std::printf("config %s: ok\n", file.c_str());
            return 0;
        }
        bool model_line = false;
        for (const sweep_line& l : lines) model_line = model_line || l.key == "model";
        const sweep_spec s =
            plan_sweep(text, "config " + file, overrides, model_line ? "" : "(--model)");
        std::printf("config %s: ok ([sweep]: %zu points)\n", file.c_str(), s.points.size());
    } else {
        std::fputs(effective_config(c).c_str(), stdout);
    }
    return 0;
}

}  // namespace experiments
