# Sourced by the shell tests that compare accuracies (train_eval_test.sh,
# shipped_models_test.sh); both functions print them as "90.44 92.13 ..." (percent, 2 decimals).

# The accuracy at every timestep that the trainer recorded in MODEL.
recorded_accuracies() {
    h5dump -a /metadata/test_accuracy_percent_by_timestep "$1" | sed -n 's/.*(0): "\(.*\)".*/\1/p'
}

# The accuracy at every timestep that `spikebar eval` printed, read from its stdout.
printed_accuracies() {
    sed -n 's/^eval .*images//p' | sed 's/(.*//' | tr -s ' ' |
        sed 's/T=[0-9]* //g; s/ %//g; s/^ //; s/ $//'
}
