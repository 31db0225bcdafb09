#include "experiments/io/records.hpp"

#include <limits>

namespace experiments {

double eval_result::accuracy(int t) const {
    if (online_exit) return std::numeric_limits<double>::quiet_NaN();
    return samples ? double(correct_at[t - 1]) / double(samples) : 0.0;
}
double eval_result::exit_accuracy() const {
    return samples ? double(correct_at_exit) / double(samples) : 0.0;
}
double eval_result::mean_timesteps() const {
    return samples ? double(exit_t_sum) / double(samples) : 0.0;
}
double eval_result::mean_energy_pj() const {
    return samples ? exit_energy_sum / double(samples) : 0.0;
}

}  // namespace experiments
