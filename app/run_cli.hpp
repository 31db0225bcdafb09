// The preamble of the commands that run a config (eval, sweep, train, train-policy):
//   --config FILE    the INI config (required)
//   --model FILE     the model (required, optional or absent, by command)
//   --out FILE       the output, checked before any work (cli_parser::output)
//   --set KEY=VALUE  config overrides, repeatable
// Each command adds its own options to the same cli_parser before parse().
#pragma once
#include <string>
#include <vector>

#include "app/cli.hpp"
#include "experiments/config/config.hpp"

namespace experiments {

class run_cli {
public:
    enum class model_flag { none, optional, required };

    // Adds the options to cli. `resumes`: as in cli_parser::output (a resumed run continues
    // its own output).
    run_cli(cli_parser& cli, model_flag model, bool out_required, const bool* resumes = nullptr);
    // cli holds pointers to the fields below: the object stays where it was made.
    run_cli(const run_cli&) = delete;
    run_cli& operator=(const run_cli&) = delete;

    // After cli.parse(): config_error "<command>: --flag is required" for the first missing
    // required flag, in the order --config, --model, --out.
    void check(const cli_parser& cli) const;
    // check(), then the config with the overrides applied (load_config).
    run_config load(const cli_parser& cli) const;

    std::string config_path, model_path, out_path;
    std::vector<std::string> overrides;

private:
    model_flag model_;
    bool out_required_;
};

}  // namespace experiments
