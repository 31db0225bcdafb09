// Checks the validate() messages of [network], [lif] and [train] (snn/params.hpp)
// verbatim, and that the defaults are valid.
#include "snn/params.hpp"

#include <doctest/doctest.h>

#include <functional>
#include <string>

#include "common/errors.hpp"

using namespace snn;

namespace {

template <class P>
std::string error_of(P p, const std::function<void(P&)>& change) {
    change(p);
    try {
        p.validate();
    } catch (const spikebar::config_error& e) {
        return e.what();
    }
    return "(no config_error)";
}

template <class P>
spikebar::config_error thrown_by(const P& p) {
    try {
        p.validate();
    } catch (const spikebar::config_error& e) {
        return e;
    }
    FAIL("validate() should throw");
    return spikebar::config_error("");
}

}  // namespace

TEST_CASE("default parameters are valid") {
    CHECK_NOTHROW(network_params{}.validate());
    CHECK_NOTHROW(neuron_params{}.validate());
    CHECK_NOTHROW(train_params{}.validate());
}

TEST_CASE("network, lif and train validation messages name key, value and bound") {
    using N = network_params;
    using L = neuron_params;
    using T = train_params;
    CHECK(error_of<N>({}, [](N& p) { p.timesteps = 0; }) ==
          "network.timesteps = 0: must be in [1, 1024] [steps]");
    CHECK(error_of<N>({}, [](N& p) { p.encoding = "poisson"; }) ==
          "network.encoding = poisson: expected one of direct | rate");
    CHECK(error_of<N>({}, [](N& p) { p.kind = "cnn"; }) ==
          "network.kind = cnn: expected one of snn | ann");
    CHECK(error_of<N>({}, [](N& p) { p.kind = "ann"; }) ==
          "network.timesteps = 4: must be 1 for network.kind = ann [steps]");
    CHECK(error_of<N>({}, [](N& p) { p.layers = ""; }) ==
          "network.layers = \"\": must list at least the readout layer");
    CHECK(error_of<L>({}, [](L& p) { p.decay = 0; }) == "lif.decay = 0: must be in (0, 1] [1]");
    CHECK(error_of<L>({}, [](L& p) { p.decay = 1.5; }) == "lif.decay = 1.5: must be in (0, 1] [1]");
    CHECK(error_of<L>({}, [](L& p) { p.threshold = -1; }) ==
          "lif.threshold = -1: must be > 0 [weight units]");
    CHECK(error_of<L>({}, [](L& p) { p.reset = "medium"; }) ==
          "lif.reset = medium: expected one of hard | soft");
    CHECK(error_of<L>({}, [](L& p) { p.v_reset = 1; }) ==
          "lif.v_reset = 1: must be below lif.threshold [weight units]");
    CHECK(error_of<T>({}, [](T& p) { p.epochs = 0; }) == "train.epochs = 0: must be >= 1");
    CHECK(error_of<T>({}, [](T& p) { p.lr_min = 1; }) ==
          "train.lr_min = 1: must be in [0, train.lr]");
    CHECK(error_of<T>({}, [](T& p) { p.warmup_epochs = 30; }) ==
          "train.warmup_epochs = 30: must be in [0, train.epochs)");
    CHECK(error_of<T>({}, [](T& p) { p.beta2 = 1; }) == "train.beta2 = 1: must be in [0, 1)");
    CHECK(error_of<T>({}, [](T& p) { p.surrogate = "sigmoid"; }) ==
          "train.surrogate = sigmoid: expected one of fast_sigmoid | arctan | triangle");
    CHECK(error_of<T>({}, [](T& p) { p.surrogate_alpha = 0; }) ==
          "train.surrogate_alpha = 0: must be > 0 [1/weight units]");
    CHECK(error_of<T>({}, [](T& p) { p.tet_lambda = 2; }) ==
          "train.tet_lambda = 2: must be in [0, 1]");
    CHECK(error_of<T>({}, [](T& p) { p.crop_pad = 17; }) ==
          "train.crop_pad = 17: must be in [0, 16] [pixels]");
    CHECK(error_of<T>({}, [](T& p) { p.bn_momentum = 0; }) ==
          "train.bn_momentum = 0: must be in (0, 1]");
}

TEST_CASE("validate's config_error carries the key it names, for the config to blame") {
    neuron_params p;
    p.threshold = 0;
    spikebar::config_error e = thrown_by(p);
    CHECK(e.key == "lif.threshold");
    CHECK(e.value == "0");
    CHECK(e.rule == "must be > 0");
    CHECK(e.unit == "weight units");
    train_params t;
    t.surrogate = "sigmoid";
    e = thrown_by(t);
    CHECK(e.key == "train.surrogate");
    CHECK(e.value == "sigmoid");
}
