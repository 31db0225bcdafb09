// spikebar import-nir, export-nir and model --info: NIR graphs in and out (docs/nir.md),
// and what a model file holds.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <signal.h>
#include <stdexcept>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

#include "app/cli.hpp"
#include "app/commands.hpp"
#include "common/errors.hpp"
#include "experiments/nir/nir_export.hpp"
#include "experiments/nir/nir_import.hpp"
#include "snn/model_io.hpp"

namespace experiments {

namespace {

const char* const import_usage =
    "usage: spikebar import-nir --in NET.nir --dt S --timesteps T --out MODEL.h5\n"
    "                           [--discretization euler|exact] [--reset zero|subtract]\n"
    "                           [--spike-test gt|ge] [--input-max X] [--encoding direct|rate]\n"
    "\n"
    "  --in FILE          a NIR graph (HDF5), as snnTorch, Norse, Sinabs, Rockpool ... write it\n"
    "  --dt S             the step, in the graph's time unit (a NIR file stores none)\n"
    "  --timesteps T      steps the model runs by default (eval); event data: its frames\n"
    "  --discretization   euler (default; what the frameworks run) or exact (exponential)\n"
    "  --reset            zero (default, NIR's v <- v_reset) or subtract (v <- v - threshold)\n"
    "  --spike-test       gt (default, NIR's v > threshold) or ge (v >= threshold, Sinabs)\n"
    "  --input-max X      largest input value: the DAC full scale on a chip (default 1)\n"
    "  --encoding         direct (default: the input drives the first layer) or rate\n"
    "  --out FILE         the spikebar model file\n"
    "A file written by spikebar export-nir records dt, timesteps and the rest; flags override.\n";

const char* const export_usage =
    "usage: spikebar export-nir --model MODEL.h5 --out NET.nir [--dt S]\n"
    "\n"
    "  --model FILE  a spikebar model file (deployed: BatchNorm folded)\n"
    "  --out FILE    the NIR graph; nir.read accepts it\n"
    "  --dt S        the step the neuron time constants are written for (default 1)\n";

const char* const model_usage =
    "usage: spikebar model --info MODEL.h5\n"
    "\n"
    "  --info FILE  print the model's layers, shapes, neuron parameters and parameter count\n";

double number_flag(const std::string& cmd, const std::string& flag, const std::string& v) {
    if (v.empty()) return 0;
    try {
        std::size_t used = 0;
        const double x = std::stod(v, &used);
        if (used == v.size() && x > 0 && std::isfinite(x)) return x;
    } catch (const std::exception&) {
    }
    throw spikebar::config_error(cmd + ": " + flag + " = '" + v + "': expected a number > 0");
}

// The output path can take a file: not a directory, and its folder exists.
void check_output(const std::string& cmd, const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (fs::is_directory(path, ec))
        throw spikebar::config_error(cmd + ": --out " + path + " is a directory");
    const fs::path parent = fs::path(path).parent_path();
    if (!parent.empty() && !fs::is_directory(parent, ec))
        throw spikebar::config_error(cmd + ": --out " + path + ": folder " + parent.string() +
                                     " does not exist");
}

std::string shape_of(const snn::shape3& s) {
    if (s.h == 1 && s.w == 1) return "[" + std::to_string(s.c) + "]";
    return "[" + std::to_string(s.c) + ", " + std::to_string(s.h) + ", " + std::to_string(s.w) + "]";
}

void report_and_save(const std::string& in, const std::string& out, const nir_import_result& r);

// Runs `work` (which reads the untrusted file `in` and writes `out`) in a child process
// and returns its exit code. libhdf5 1.10 can crash (SIGSEGV in H5HG_read) or loop
// forever on a file whose global heap is corrupt, while reading a variable-length string;
// no check before the read can rule that out. The child's failure then becomes one line
// and exit code 2, and no output is left behind. The child ends with _exit, so libhdf5's
// shutdown cannot print to stderr after the one-line message.
// The time limit is 60 s, or SPIKEBAR_READ_TIMEOUT_S seconds (for tests).
int isolated(const std::string& in, const std::string& out, const std::function<void()>& work) {
    const char* env = std::getenv("SPIKEBAR_READ_TIMEOUT_S");
    const int timeout_s = env && std::atoi(env) > 0 ? std::atoi(env) : 60;
    std::fflush(stdout);
    std::fflush(stderr);
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        int rc = 0;
        try {
            work();
        } catch (const spikebar::config_error& e) {
            std::fprintf(stderr, "spikebar: %s\n", e.what());
            rc = 2;
        } catch (const spikebar::io_error& e) {
            std::fprintf(stderr, "spikebar: %s\n", e.what());
            rc = 2;
        } catch (const std::exception& e) {
            std::fprintf(stderr, "spikebar: internal error: %s\n", e.what());
            rc = 1;
        }
        std::fflush(stdout);
        std::fflush(stderr);
        _exit(rc);
    }
    int status = 0;
    for (int waited_ms = 0;; waited_ms += 20) {
        const pid_t done = waitpid(pid, &status, WNOHANG);
        if (done == pid) break;
        if (waited_ms >= timeout_s * 1000) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            std::remove((out + ".tmp").c_str());
            throw spikebar::io_error(in + ": reading it did not finish in " +
                                     std::to_string(timeout_s) +
                                     " s (the HDF5 library loops on some corrupt files)");
        }
        usleep(20000);
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    std::remove((out + ".tmp").c_str());
    throw spikebar::io_error(in + ": the HDF5 library failed reading it (signal " +
                             std::to_string(WTERMSIG(status)) + "); the file is corrupt");
}

}  // namespace

int cmd_import_nir(const args& a) {
    std::string in, out, dt, timesteps, disc, reset, test, input_max, encoding;
    cli_parser cli("import-nir", import_usage);
    cli.value("--in", &in).output("--out", &out).value("--dt", &dt).value("--timesteps", &timesteps);
    cli.value("--discretization", &disc).value("--reset", &reset).value("--spike-test", &test);
    cli.value("--input-max", &input_max).value("--encoding", &encoding);
    if (!cli.parse(a)) return 0;
    cli.require("--in", in);
    cli.require("--out", out);
    check_output("import-nir", out);
    nir_import_options opt;
    opt.dt = number_flag("import-nir", "--dt", dt);
    const double t = number_flag("import-nir", "--timesteps", timesteps);
    if (t != std::floor(t) || t > 1024)
        throw spikebar::config_error("import-nir: --timesteps = '" + timesteps +
                                     "': expected an integer in [1, 1024]");
    opt.timesteps = int(t);
    opt.discretization = disc;
    opt.reset = reset;
    opt.spike_test = test;
    opt.input_max = number_flag("import-nir", "--input-max", input_max);
    opt.encoding = encoding;
    const std::string command = command_line("import-nir", a);
    return isolated(in, out, [&] {
        const nir_import_result r = import_nir(in, opt, command);
        report_and_save(in, out, r);
    });
}

namespace {

void report_and_save(const std::string& in, const std::string& out, const nir_import_result& r) {
    const snn::model& m = r.model;
    std::printf("import-nir  %s (NIR %s): %zu layers, %zu parameters, input %s, %d outputs\n",
                in.c_str(), m.metadata.at("nir_version").c_str(), m.arch.layers.size(),
                m.parameter_count(), shape_of(m.arch.input).c_str(), m.num_classes());
    std::printf("  dt %s, %s, reset %s, spike test %s, T = %d\n", m.metadata.at("nir_dt").c_str(),
                m.metadata.at("nir_discretization").c_str(), m.metadata.at("nir_reset").c_str(),
                m.metadata.at("nir_spike_test").c_str(), m.net.timesteps);
    for (std::size_t i = 0; i < r.report.size(); ++i)
        std::printf("  %2zu  %s\n", i, r.report[i].c_str());
    snn::save_model(m, out);
    std::printf("wrote  %s\n", out.c_str());
}

}  // namespace

int cmd_export_nir(const args& a) {
    std::string model, out, dt;
    cli_parser cli("export-nir", export_usage);
    cli.value("--model", &model).output("--out", &out).value("--dt", &dt);
    if (!cli.parse(a)) return 0;
    cli.require("--model", model);
    cli.require("--out", out);
    check_output("export-nir", out);
    const double step = dt.empty() ? 1.0 : number_flag("export-nir", "--dt", dt);
    const snn::model m = snn::load_model(model);
    if (m.has_batchnorm())
        throw spikebar::config_error("export-nir: " + model +
                                     " has BatchNorm layers (a training checkpoint); export the "
                                     "deployed model that train --out writes");
    export_nir(m, out, step);
    std::printf("export-nir  %s: %zu layers, dt %g\nwrote  %s\n", model.c_str(), m.arch.layers.size(),
                step, out.c_str());
    return 0;
}

int cmd_model(const args& a) {
    std::string info;
    cli_parser cli("model", model_usage);
    cli.value("--info", &info);
    if (!cli.parse(a)) return 0;
    cli.require("--info", info);
    const snn::model m = snn::load_model(info);
    std::printf("model  %s\n", info.c_str());
    std::printf("  input %s, %d outputs, T = %d, encoding %s, kind %s, input max %g\n",
                shape_of(m.arch.input).c_str(), m.num_classes(), m.net.timesteps,
                m.net.encoding.c_str(), m.net.kind.c_str(), double(m.input_max));
    bool network_wide = false;  // some lif layer runs the /neuron parameters
    for (std::size_t i = 0; i < m.arch.layers.size(); ++i)
        network_wide = network_wide || (m.arch.layers[i].kind == snn::layer_kind::lif &&
                                        !m.layers[i].neuron.explicit_params());
    if (network_wide)
        std::printf("  lif neurons: decay %g, threshold %g, reset %s, v_reset %g\n", m.lif.decay,
                    m.lif.threshold, m.lif.reset.c_str(), m.lif.v_reset);
    std::printf("  %-3s %-10s %-16s %-16s %s\n", "#", "layer", "in", "out", "parameters");
    for (std::size_t i = 0; i < m.arch.layers.size(); ++i) {
        const auto& l = m.arch.layers[i];
        const auto& s = m.layers[i];
        std::string detail;
        if (l.has_weights())
            detail = std::to_string(s.weight.size() / std::size_t(l.groups) + s.bias.size());
        if (l.kind == snn::layer_kind::conv || l.kind == snn::layer_kind::sumpool ||
            l.kind == snn::layer_kind::avgpool || l.kind == snn::layer_kind::maxpool) {
            snn::architecture one;
            one.layers = {l};
            detail += (detail.empty() ? "" : "  ") + one.to_string();
        }
        if (l.is_neuron() && s.neuron.explicit_params()) detail += "own neuron parameters";
        std::printf("  %-3zu %-10s %-16s %-16s %s\n", i, snn::layer_kind_name(l.kind),
                    shape_of(l.in).c_str(), shape_of(l.out).c_str(), detail.c_str());
    }
    std::printf("  parameters: %zu\n", m.parameter_count());
    const auto it = m.metadata.find("nir_layers");
    if (it != m.metadata.end()) {
        std::printf("  imported from NIR (%s): dt %s, %s, reset %s, spike test %s\n",
                    m.metadata.at("imported_from").c_str(), m.metadata.at("nir_dt").c_str(),
                    m.metadata.at("nir_discretization").c_str(), m.metadata.at("nir_reset").c_str(),
                    m.metadata.at("nir_spike_test").c_str());
        std::string lines = it->second;
        for (std::size_t p = 0; p < lines.size();) {
            const std::size_t e = lines.find('\n', p);
            std::printf("    %s\n", lines.substr(p, e - p).c_str());
            p = e == std::string::npos ? lines.size() : e + 1;
        }
    }
    return 0;
}

}  // namespace experiments
