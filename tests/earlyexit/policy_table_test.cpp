// The policy table (earlyexit/policy_table.cpp) against what the rest of the code relies on:
// one row per policy_kind in enum order, names that parse back, knob accessors that are
// each other's inverse and agree with with_threshold, and factories that build the policy
// their row names. The reference is the enum and the documented knob of each policy
// (docs/earlyexit.md), written out here by hand.
#include "earlyexit/policy_table.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <set>
#include <string>

#include "common/errors.hpp"
#include "earlyexit/policy.hpp"

using earlyexit::earlyexit_params;
using earlyexit::policy_entry;
using earlyexit::policy_kind;

TEST_CASE("one row per policy kind, in enum order, with unique names that parse back") {
    const auto& table = earlyexit::policy_table();
    REQUIRE(table.size() == 7);  // fixed .. seenn2 of the enum
    std::set<std::string> names;
    for (std::size_t i = 0; i < table.size(); ++i) {
        const policy_entry& e = table[i];
        INFO("row " << i << " (" << e.name << ")");
        CHECK(static_cast<std::size_t>(e.kind) == i);
        CHECK(&earlyexit::policy_row(e.kind) == &e);
        CHECK(earlyexit::parse_policy_kind(e.name) == e.kind);
        CHECK(std::string(earlyexit::policy_name(e.kind)) == e.name);
        CHECK(names.insert(e.name).second);
        // A knob comes with both accessors, and only then.
        CHECK((e.knob != nullptr) == (e.knob_value != nullptr));
        CHECK((e.knob != nullptr) == (e.set_knob != nullptr));
        CHECK(bool(e.ops));
    }
    CHECK(earlyexit::policy_names() ==
          std::vector<std::string>{"fixed", "confidence", "entropy", "margin", "patience",
                                   "oracle", "seenn2"});
}

TEST_CASE("each knob is the documented key, and set then get returns the value") {
    struct expected {
        const char* policy;
        const char* knob;  // nullptr: no threshold to sweep
        double value;      // a valid value of it
        double earlyexit_params::*real;
        int earlyexit_params::*integer;
    };
    const expected rows[] = {
        {"fixed", "fixed_t", 3, nullptr, &earlyexit_params::fixed_t},
        {"confidence", "alpha", 0.75, &earlyexit_params::alpha, nullptr},
        {"entropy", "entropy_threshold", 0.2, &earlyexit_params::entropy_threshold, nullptr},
        {"margin", "margin_delta", 0.35, &earlyexit_params::margin_delta, nullptr},
        {"patience", "patience_k", 3, nullptr, &earlyexit_params::patience_k},
        {"oracle", nullptr, 0, nullptr, nullptr},
        {"seenn2", nullptr, 0, nullptr, nullptr},
    };
    for (const expected& x : rows) {
        INFO(x.policy);
        earlyexit_params p;
        p.policy = x.policy;
        const policy_entry& e = earlyexit::policy_row(p.kind());
        if (!x.knob) {
            CHECK(e.knob == nullptr);
            CHECK(std::isnan(earlyexit::knob_value(p)));
            CHECK_THROWS_WITH_AS(earlyexit::threshold_key(p.kind()),
                                 ("earlyexit.policy = " + std::string(x.policy) +
                                  ": has no threshold to sweep")
                                     .c_str(),
                                 spikebar::config_error);
            continue;
        }
        REQUIRE(e.knob != nullptr);
        CHECK(std::string(e.knob) == x.knob);
        CHECK(e.integer_knob == (x.integer != nullptr));
        const earlyexit_params q = earlyexit::with_threshold(p, x.value);
        CHECK(earlyexit::knob_value(q) == x.value);
        CHECK((x.real ? q.*(x.real) : double(q.*(x.integer))) == x.value);
        earlyexit_params r = p;
        e.set_knob(r, x.value);
        CHECK(e.knob_value(r) == x.value);
    }
    // fixed_t = 0 means t_max: its knob value is the step the policy exits at.
    earlyexit_params p;
    p.policy = "fixed";
    p.fixed_t = 0;
    p.t_max = 6;
    CHECK(earlyexit::knob_value(p) == 6);
}

TEST_CASE("each factory builds the policy its row names; the oracle has none") {
    for (const policy_entry& e : earlyexit::policy_table()) {
        INFO(e.name);
        earlyexit_params p;
        p.policy = e.name;
        if (e.kind == policy_kind::oracle) {
            CHECK(!e.make);
            CHECK_THROWS_AS(earlyexit::make_policy(p), spikebar::config_error);
            continue;
        }
        REQUIRE(bool(e.make));
        CHECK(earlyexit::make_policy(p)->kind() == e.kind);
    }
}

TEST_CASE("decision work: counters cost one integer add, softmax policies grow with K - 1") {
    // Per class beyond the first: confidence 3 adds, 1 multiply, 1 exp (docs/energy.md).
    for (int k : {1, 2, 10}) {
        const auto c = earlyexit::policy_row(policy_kind::confidence).ops(k);
        CHECK(c.adds == 3u * (k - 1) + 1);
        CHECK(c.mults == std::uint64_t(k - 1));
        CHECK(c.exps == std::uint64_t(k - 1));
        for (policy_kind counter : {policy_kind::fixed, policy_kind::oracle, policy_kind::seenn2}) {
            const auto w = earlyexit::policy_row(counter).ops(k);
            CHECK(w.int_adds == 1);
            CHECK(w.adds + w.mults + w.exps == 0);
        }
    }
}
