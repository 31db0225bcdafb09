#include "app/run_cli.hpp"

namespace experiments {

run_cli::run_cli(cli_parser& cli, model_flag model, bool out_required, const bool* resumes)
    : model_(model), out_required_(out_required) {
    cli.value("--config", &config_path);
    if (model_ != model_flag::none) cli.value("--model", &model_path);
    cli.output("--out", &out_path, resumes).repeated("--set", &overrides);
}

void run_cli::check(const cli_parser& cli) const {
    cli.require("--config", config_path);
    if (model_ == model_flag::required) cli.require("--model", model_path);
    if (out_required_) cli.require("--out", out_path);
}

run_config run_cli::load(const cli_parser& cli) const {
    check(cli);
    return load_config(config_path, overrides);
}

}  // namespace experiments
