// Runs a deployed model over a labelled set with one or more synapse operators ("lanes":
// the ideal synapse, or Monte-Carlo crossbar chip instances) and collects, per sample and
// timestep, the readout O_t, predictions, spike counts, hardware work and energy, and each
// sample's early exit.
//
// Inputs: data.frames = 1 drives every step with the sample's image; data.frames = T
// drives step t with frame t (event data); any other count is std::invalid_argument.
//
// Predictions: argmax S_t, S_t = S_{t-1} + O_t accumulated in float32 from zero (the
// contract earlyexit/controller.hpp states), ties to the lowest class.
//
// Early exit: every lane runs an earlyexit::exit_controller with the given policy (fixed
// T_max when none is given), fed with the O_t of its active samples after every step.
//   full log (online_exit = false): every sample runs all T steps; the exits are what the
//     policy decides on these outputs, exactly as offline replay computes them;
//   online (online_exit = true): a sample leaves the engine's batch at its exit, so its
//     later steps cost nothing; they are logged as NaN logits, prediction 255, zero spike
//     counts, work and energy.
// A sample's outputs never depend on which other samples are active, so exits,
// predictions and energies are the same in both modes, bit for bit.
//
// Energy (with an energy_model): per sample and step, energy_model::step of the work the
// lane's synapse recorded (crossbar_synapse or counting_synapse) and the spike counts;
// E_t = E_{t-1} + e_t in double from 0 (earlyexit::cumulate_energy); a sample's energy is
// E at its exit step.
//
// Shadow network (optional): after every step each lane's lif layers are compared with an
// ideal network run on the same inputs (error accumulation, DESIGN §7), over the N_t
// samples the lane ran at step t:
//   membrane RMSE [t][j]  = sqrt( sum_{samples, neurons of j} (v - v_shadow)^2 / (N_t * n_j) )
//   spike mismatch [t][j] = #{(sample, neuron of j): s != s_shadow} / (N_t * n_j)
// with v the membrane after the reset of step t. Per-sample sums are formed in double in
// neuron order, then added in sample order, so every result is the same for any batch size
// and thread count.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "crossbar/chip.hpp"
#include "earlyexit/policy.hpp"
#include "experiments/energy/energy.hpp"
#include "experiments/io/records.hpp"
#include "snn/dataset.hpp"
#include "snn/model.hpp"
#include "snn/synapse.hpp"

namespace experiments {

class crossbar_synapse;
class counting_synapse;

// One synapse of a lockstep evaluation. `counted`, when set, must be the same object as
// `synapse` and has its crossbar work recorded; likewise `ops` for digital op counts.
struct eval_lane {
    const snn::synapse_op* synapse = nullptr;
    crossbar_synapse* counted = nullptr;
    counting_synapse* ops = nullptr;
};

struct eval_options {
    int batch_size = 16;
    std::uint64_t encoding_seed = 0;
    // Exit policy of every lane; null: every sample exits at T (fixed T_max).
    const earlyexit::policy* policy = nullptr;
    // Initial policy state of every sample, [N x policy->state_words()] in dataset order
    // (SEENN-II's chosen steps), or null for policy::init_state.
    const std::int32_t* policy_state = nullptr;
    bool online_exit = false;
    const energy_model* energy = nullptr;
    const snn::synapse_op* shadow = nullptr;  // ideal shadow network, or null
    // Keep every sample's records in the results (false: summaries only; use on_records).
    bool keep_records = true;
    std::function<void(std::size_t done)> on_batch;  // progress, after each batch
    // After each batch, each lane's records of that batch, lanes in order.
    std::function<void(int lane, const sample_records&)> on_records;
};

// One result per lane, each equal to what the lane gives alone.
std::vector<eval_result> evaluate_run(const snn::model& deployed,
                                      const std::vector<eval_lane>& lanes,
                                      const snn::dataset& data, const eval_options& options);

// Shorthands: every sample runs all T steps, no energy model.
eval_result evaluate(const snn::model& deployed, const snn::synapse_op& synapse,
                     const snn::dataset& data, int batch_size, std::uint64_t encoding_seed,
                     const std::function<void(std::size_t)>& on_batch = {});
std::vector<eval_result> evaluate_lockstep(const snn::model& deployed,
                                           const std::vector<eval_lane>& lanes,
                                           const snn::synapse_op* shadow, const snn::dataset& data,
                                           int batch_size, std::uint64_t encoding_seed,
                                           const std::function<void(std::size_t)>& on_batch = {});

// Index of the largest of k values, the lowest index on ties.
int argmax(const float* v, int k);

}  // namespace experiments
