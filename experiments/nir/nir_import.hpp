// NIR import: a feed-forward NIR graph (experiments/nir/nir_file.hpp) as a spikebar model
// (snn::model), with the choices NIR leaves open made explicit (docs/nir.md):
//
//   dt              the step [the graph's time unit]; a file stores none
//   discretization  euler (v += dt/tau (v_leak - v + r I), as snnTorch, Norse and Sinabs
//                   run) or exact (v = e^(-dt/tau) v + (1 - e^(-dt/tau)) (v_leak + r I))
//   reset           zero (v <- v_reset, NIR's own) or subtract (v <- v - v_threshold)
//   spike test      gt (v > v_threshold, NIR's own) or ge (v >= v_threshold, Sinabs)
//
// Every node maps to one layer, in graph order: Affine, Linear -> linear; Conv2d -> conv;
// SumPool2d, AvgPool2d -> sumpool, avgpool; Flatten -> flatten; Scale -> scale; Threshold
// -> threshold; IF, LIF, CubaLIF -> lif; LI, I, CubaLI -> li. A SumPool2d (stride =
// kernel, no padding) on spikes followed by a Threshold in [0, 1) is a max pool of spikes
// and becomes one maxpool layer (spikebar's export writes maxpool so). The graph must be
// one chain Input -> ... -> Output. Problems throw spikebar::io_error with one line naming
// the file, the node, its type and the reason.
#pragma once
#include <string>
#include <vector>

#include "snn/model.hpp"

namespace experiments {

struct nir_import_options {
    double dt = 0;                          // step [graph time unit]; 0: from the file's metadata
    std::string discretization;             // euler | exact; "": metadata, else euler
    std::string reset;                      // zero | subtract; "": metadata, else zero
    std::string spike_test;                 // gt | ge; "": metadata, else gt
    int timesteps = 0;                      // T the model runs by default; 0: metadata
    double input_max = 0;                   // largest input value; 0: metadata, else 1
    std::string encoding;                   // direct | rate; "": metadata, else direct
};

struct nir_import_result {
    snn::model model;
    std::vector<std::string> report;  // one line per layer: node, type, derived parameters
};

// Reads `path` and maps it. `command` is recorded in the model's metadata.
nir_import_result import_nir(const std::string& path, const nir_import_options& opt,
                             const std::string& command = "");

}  // namespace experiments
