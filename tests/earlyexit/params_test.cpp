// [earlyexit] parameters: defaults are valid, and every bound is enforced with the exact
// message format of STYLE.md ("earlyexit.<key> = <value>: must be ...").
#include "earlyexit/params.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "common/errors.hpp"
#include "earlyexit/policy.hpp"

using earlyexit::earlyexit_params;
using earlyexit::policy_kind;

namespace {
std::string message_of(const earlyexit_params& p) {
    try {
        p.validate();
    } catch (const spikebar::config_error& e) {
        return e.what();
    }
    return "";
}
}  // namespace

TEST_CASE("defaults validate and name the SEENN-I policy") {
    earlyexit_params p;
    CHECK_NOTHROW(p.validate());
    CHECK(p.kind() == policy_kind::confidence);
    CHECK(p.fixed_steps() == p.t_max);
    for (const char* name :
         {"fixed", "confidence", "entropy", "margin", "patience", "oracle", "seenn2"}) {
        p.policy = name;
        CHECK_NOTHROW(p.validate());
        CHECK(std::string(earlyexit::policy_name(p.kind())) == name);
    }
}

TEST_CASE("each out-of-range value is rejected with its key, value and bound") {
    const earlyexit_params ok;
    earlyexit_params p = ok;
    p.alpha = 1.5;
    CHECK(message_of(p) == "earlyexit.alpha = 1.5: must be in (0, 1]");
    p.alpha = 0;
    CHECK(message_of(p) == "earlyexit.alpha = 0: must be in (0, 1]");
    p.alpha = std::nan("");
    CHECK(message_of(p) == "earlyexit.alpha = nan: must be in (0, 1]");
    p.alpha = 1.0;
    CHECK(message_of(p) == "");

    p = ok;
    p.temperature = 0;
    CHECK(message_of(p) == "earlyexit.temperature = 0: must be finite and > 0 [logit units]");
    p.temperature = std::numeric_limits<double>::infinity();
    CHECK(message_of(p) == "earlyexit.temperature = inf: must be finite and > 0 [logit units]");

    p = ok;
    p.patience_k = 0;
    CHECK(message_of(p) == "earlyexit.patience_k = 0: must be >= 1 [timesteps]");

    p = ok;
    p.t_max = 0;
    CHECK(message_of(p) == "earlyexit.t_max = 0: must be >= 1 [timesteps]");

    p = ok;
    p.fixed_t = 5;
    CHECK(message_of(p) == "earlyexit.fixed_t = 5: must be in [0, t_max = 4] [timesteps]");

    p = ok;
    p.entropy_threshold = -0.1;
    CHECK(message_of(p) == "earlyexit.entropy_threshold = -0.1: must be in [0, 1]");

    p = ok;
    p.margin_delta = 1.25;
    CHECK(message_of(p) == "earlyexit.margin_delta = 1.25: must be in [0, 1]");

    p = ok;
    p.seenn2_beta = -1;
    CHECK(message_of(p) == "earlyexit.seenn2_beta = -1: must be finite and >= 0");

    p = ok;
    p.seenn2_layers = " ";
    CHECK(message_of(p) ==
          "earlyexit.seenn2_layers = \" \": must name the policy net body (the head "
          "linear:<t_max> is appended)");

    p = ok;
    p.seenn2_epochs = 0;
    CHECK(message_of(p) == "earlyexit.seenn2_epochs = 0: must be >= 1 [epochs]");

    p = ok;
    p.seenn2_lr = 0;
    CHECK(message_of(p) == "earlyexit.seenn2_lr = 0: must be finite and > 0");
    p.seenn2_lr = std::numeric_limits<double>::infinity();
    CHECK(message_of(p) == "earlyexit.seenn2_lr = inf: must be finite and > 0");

    p = ok;
    p.seenn2_batch_size = -3;
    CHECK(message_of(p) == "earlyexit.seenn2_batch_size = -3: must be >= 1 [samples]");

    // seenn2_model is only read by the commands that use the policy net; empty is valid.
    p = ok;
    p.policy = "seenn2";
    p.seenn2_model = "";
    CHECK(message_of(p) == "");

    p = ok;
    p.policy = "greedy";
    CHECK(message_of(p) ==
          "earlyexit.policy = \"greedy\": must be one of fixed, confidence, entropy, margin, "
          "patience, oracle, seenn2");
}

TEST_CASE("with_threshold sets the sweep knob of each policy and checks it") {
    earlyexit_params p;
    p.policy = "confidence";
    CHECK(earlyexit::with_threshold(p, 0.75).alpha == 0.75);
    p.policy = "entropy";
    CHECK(earlyexit::with_threshold(p, 0.2).entropy_threshold == 0.2);
    p.policy = "margin";
    CHECK(earlyexit::with_threshold(p, 0.3).margin_delta == 0.3);
    p.policy = "patience";
    CHECK(earlyexit::with_threshold(p, 3).patience_k == 3);
    CHECK_THROWS_WITH_AS(earlyexit::with_threshold(p, 2.5),
                         "earlyexit.patience_k = 2.5: must be an integer", spikebar::config_error);
    p.policy = "fixed";
    CHECK(earlyexit::with_threshold(p, 2).fixed_t == 2);
    CHECK_THROWS_WITH_AS(earlyexit::with_threshold(p, 9),
                         "earlyexit.fixed_t = 9: must be in [0, t_max = 4] [timesteps]",
                         spikebar::config_error);
    p.policy = "confidence";
    CHECK_THROWS_WITH_AS(earlyexit::with_threshold(p, 1.001),
                         "earlyexit.alpha = 1.001: must be in (0, 1]", spikebar::config_error);
    p.policy = "oracle";
    CHECK_THROWS_WITH_AS(earlyexit::with_threshold(p, 0.5),
                         "earlyexit.policy = oracle: has no threshold to sweep",
                         spikebar::config_error);
}

TEST_CASE("the oracle cannot be built as an online policy") {
    earlyexit_params p;
    p.policy = "oracle";
    CHECK_THROWS_AS(earlyexit::make_policy(p), spikebar::config_error);
    p.policy = "seenn2";
    CHECK(earlyexit::make_policy(p)->kind() == policy_kind::seenn2);
}
