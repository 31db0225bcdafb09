// Lists and start:step:stop ranges (experiments/config/value_range.hpp), the one grammar of [sweep]
// lines and replay --sweep. References: the expansions written out by hand, numpy.arange's
// field order (start, step, stop) with stop included, and the messages of docs/sweep.md.
#include "experiments/config/value_range.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "common/errors.hpp"

using experiments::list_values;
using experiments::range_values;
using strings = std::vector<std::string>;

namespace {

std::string error_of(const std::string& range) {
    try {
        range_values(range, "k = " + range + ": ");
    } catch (const spikebar::config_error& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

TEST_CASE("a range is start:step:stop with stop included, counting up or down") {
    CHECK(range_values("0:1:10", "") ==
          strings{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"});
    CHECK(range_values("0.5:0.01:0.55", "") ==
          strings{"0.5", "0.51", "0.52", "0.53", "0.54", "0.55"});
    CHECK(range_values("0.3:-0.1:0", "") == strings{"0.3", "0.2", "0.1", "0"});
    CHECK(range_values("10:-3:1", "") == strings{"10", "7", "4", "1"});
    CHECK(range_values(" 1 : 2 : 6 ", "") == strings{"1", "3", "5"});  // stop not reached
    CHECK(range_values("+1:1:2", "") == strings{"1", "2"});
    CHECK(range_values("5:1:5", "") == strings{"5"});  // a deliberate single value
    CHECK(range_values("2.5:1:2.5", "") == strings{"2.5"});
    CHECK(range_values("0:0.001:0.999", "").size() == 1000);
}

TEST_CASE("whole-number ranges are exact, even where stop - start overflows long long") {
    CHECK(range_values("9007199254740993:1:9007199254740995", "") ==
          strings{"9007199254740993", "9007199254740994", "9007199254740995"});
    CHECK(range_values("-9000000000000000000:9000000000000000000:9000000000000000000", "") ==
          strings{"-9000000000000000000", "0", "9000000000000000000"});
}

TEST_CASE("the value cap applies to ranges and lists alike") {
    CHECK(experiments::max_axis_values == 100000);
    CHECK(range_values("1:1:100000", "").size() == 100000);
    CHECK(error_of("1:1:100001") == "k = 1:1:100001: more than 100000 values");
    CHECK(error_of("0:1e-9:1") == "k = 0:1e-9:1: more than 100000 values");
    std::string list = "0";
    for (int i = 1; i <= 100000; ++i) list += ",1";
    CHECK_THROWS_WITH_AS(list_values(list, "k: "), "k: more than 100000 values",
                         spikebar::config_error);
}

TEST_CASE("bad ranges fail with the exact message") {
    CHECK(error_of("0:0:0.3") == "k = 0:0:0.3: the step must not be 0");
    CHECK(error_of("0:0:3") == "k = 0:0:3: the step must not be 0");
    CHECK(error_of("0.3:0.05:0") == "k = 0.3:0.05:0: the step leads away from stop");
    CHECK(error_of("3:1:0") == "k = 3:1:0: the step leads away from stop");
    CHECK(error_of("0:0.1") == "k = 0:0.1: expected a range start:step:stop");
    CHECK(error_of("0:0.1:1:2") == "k = 0:0.1:1:2: expected a range start:step:stop");
    CHECK(error_of("0:x:1") == "k = 0:x:1: expected a range start:step:stop of numbers");
    CHECK(error_of("0:inf:1") == "k = 0:inf:1: expected a range start:step:stop of numbers");
}

TEST_CASE("the former order LO:HI:STEP is refused with the start:step:stop spelling") {
    // One value (or none) as start:step:stop, several as LO:HI:STEP.
    CHECK(error_of("0.5:0.99:0.01") ==
          "k = 0.5:0.99:0.01: ranges are start:step:stop; did you mean 0.5:0.01:0.99?");
    CHECK(error_of("1:4:1") == "k = 1:4:1: ranges are start:step:stop; did you mean 1:1:4?");
    CHECK(error_of("0:1:1e-9") ==
          "k = 0:1:1e-9: ranges are start:step:stop; did you mean 0:1e-9:1?");
    CHECK(error_of("-2:-1:0.5") ==
          "k = -2:-1:0.5: ranges are start:step:stop; did you mean -2:0.5:-1?");
    CHECK(error_of("-1:0:0.5") ==
          "k = -1:0:0.5: ranges are start:step:stop; did you mean -1:0.5:0?");
    // Both readings give several values, or neither does: taken as written.
    CHECK(range_values("0:1:10", "").size() == 11);
    CHECK(range_values("0:2:3", "") == strings{"0", "2"});
    CHECK(error_of("0:3:-1") == "k = 0:3:-1: the step leads away from stop");
}

TEST_CASE("a list gives its trimmed items in order, repeats kept") {
    CHECK(list_values("0, 1, 2.5,5", "") == strings{"0", "1", "2.5", "5"});
    CHECK(list_values("a.h5", "") == strings{"a.h5"});
    CHECK(list_values("0.5,0.5", "") == strings{"0.5", "0.5"});
    CHECK_THROWS_WITH_AS(list_values("1, , 2", "k = 1, , 2: "),
                         "k = 1, , 2: empty value in the list", spikebar::config_error);
    CHECK(experiments::is_range("0:1:2"));
    CHECK_FALSE(experiments::is_range("0:1,2"));
    CHECK_FALSE(experiments::is_range("0.5"));
}

TEST_CASE("parse_real takes finite numbers only") {
    double v = 0;
    CHECK(experiments::parse_real("+0.25", &v));
    CHECK(v == 0.25);
    CHECK(experiments::parse_real("-1e-3", &v));
    CHECK(v == -1e-3);
    CHECK_FALSE(experiments::parse_real("", &v));
    CHECK_FALSE(experiments::parse_real("nan", &v));
    CHECK_FALSE(experiments::parse_real("1e999", &v));
    CHECK_FALSE(experiments::parse_real(" 1", &v));
    CHECK_FALSE(experiments::parse_real("1x", &v));
}
