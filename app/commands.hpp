// The CLI's subcommands. Each lives in experiments/cmd_<name>.cpp, takes the
// arguments after its own name, and returns the process exit code. They throw
// config_error / io_error for bad input; main() turns those into one line and exit 2.
#pragma once
#include <string>
#include <vector>

namespace experiments {

using args = std::vector<std::string>;

int cmd_train(const args& a);
int cmd_eval(const args& a);
int cmd_config(const args& a);
int cmd_crossbar(const args& a);
int cmd_replay(const args& a);
int cmd_export_energy(const args& a);
int cmd_train_policy(const args& a);
int cmd_sweep(const args& a);
int cmd_merge(const args& a);
int cmd_plot(const args& a);
int cmd_import_nir(const args& a);
int cmd_export_nir(const args& a);
int cmd_model(const args& a);
int cmd_convert(const args& a);
int cmd_dataset(const args& a);

}  // namespace experiments
