// Checks parse_architecture (snn/architecture.hpp): the shapes of the default
// Fashion-MNIST network worked out by hand, the to_string round trip, and every
// config_error message verbatim.
#include "snn/architecture.hpp"

#include <doctest/doctest.h>

#include <string>

#include "common/errors.hpp"
#include "snn/params.hpp"

using namespace snn;

namespace {

std::string error_of(const std::string& text, shape3 in = {1, 28, 28}) {
    try {
        parse_architecture(text, in);
    } catch (const spikebar::config_error& e) {
        return e.what();
    }
    return "(no config_error)";
}

std::string prefix(const std::string& text) {
    return "network.layers = \"" + text + "\": ";
}

}  // namespace

TEST_CASE("the default Fashion-MNIST network has the hand-computed shapes") {
    const architecture a = parse_architecture(network_params{}.layers, {1, 28, 28});
    // conv 3x3 pad 1 keeps 28x28; maxpool 2 halves; flatten 64*7*7 = 3136.
    const shape3 expect_out[] = {{32, 28, 28}, {32, 28, 28}, {32, 28, 28}, {32, 14, 14},
                                 {64, 14, 14}, {64, 14, 14}, {64, 14, 14}, {64, 7, 7},
                                 {3136, 1, 1}, {128, 1, 1},  {128, 1, 1},  {10, 1, 1}};
    const layer_kind kinds[] = {layer_kind::conv,    layer_kind::bn,      layer_kind::lif,
                                layer_kind::maxpool, layer_kind::conv,    layer_kind::bn,
                                layer_kind::lif,     layer_kind::maxpool, layer_kind::flatten,
                                layer_kind::linear,  layer_kind::lif,     layer_kind::linear};
    REQUIRE(a.layers.size() == 12);
    shape3 in{1, 28, 28};
    for (std::size_t i = 0; i < 12; ++i) {
        INFO("layer " << i);
        CHECK(a.layers[i].kind == kinds[i]);
        CHECK(a.layers[i].in == in);
        CHECK(a.layers[i].out == expect_out[i]);
        in = expect_out[i];
    }
    CHECK(a.layers[0].kernel == 3);
    CHECK(a.layers[0].stride == 1);
    CHECK(a.layers[0].pad == 1);
    CHECK(a.layers[3].kernel == 2);
    CHECK(a.layers[3].stride == 2);
    CHECK(a.num_classes() == 10);
    CHECK(a.to_string() ==
          "conv:32:3:1:1, bn, lif, maxpool:2, conv:64:3:1:1, bn, lif, maxpool:2, flatten, "
          "linear:128, lif, linear:10");
}

TEST_CASE("conv stride and padding give floor((H + 2p - k) / s) + 1, and to_string round-trips") {
    const architecture a = parse_architecture(
        "conv:8:5:2:0, relu, conv:16:1, avgpool:3, conv:4:3:2, lif, flatten, linear:3",
        {3, 17, 12});
    CHECK(a.layers[0].out == shape3{8, 7, 4});   // (17-5)/2+1, (12-5)/2+1
    CHECK(a.layers[2].out == shape3{16, 7, 4});  // k 1, pad 0
    CHECK(a.layers[3].out == shape3{16, 2, 1});  // floor(7/3), floor(4/3)
    CHECK(a.layers[4].pad == 1);
    CHECK(a.layers[4].out == shape3{4, 1, 1});  // (2+2-3)/2+1, (1+2-3)/2+1
    const architecture b = parse_architecture(a.to_string(), {3, 17, 12});
    CHECK(b.to_string() == a.to_string());
    REQUIRE(b.layers.size() == a.layers.size());
    for (std::size_t i = 0; i < a.layers.size(); ++i) CHECK(b.layers[i].out == a.layers[i].out);
    // Whitespace around tokens and fields is ignored; a linear may read a 1x1 map unflattened.
    CHECK(parse_architecture(" conv : 4 : 3 ,lif,  linear:2 ", {1, 1, 1}).layers[2].out ==
          shape3{2, 1, 1});
}

TEST_CASE("each malformed layer list gives its exact config_error") {
    const std::string types = "expected conv, linear, bn, lif, relu, avgpool, maxpool or flatten";
    struct bad_case {
        std::string text, message;
    };
    const bad_case cases[] = {
        {"conv:8:3, dense:10", "layer 'dense:10' has unknown type 'dense': " + types},
        {"conv:8:3,, flatten, linear:10", "layer '' is empty (stray comma?)"},
        {"flatten, linear:10,", "layer '' is empty (stray comma?)"},
        {"flatten, linear", "layer 'linear' has 0 parameters, expected 1"},
        {"flatten, linear:10:2", "layer 'linear:10:2' has 2 parameters, expected 1"},
        {"conv:8, flatten, linear:10", "layer 'conv:8' has 1 parameters, expected 2 to 4"},
        {"conv:8:3:1:1:1, flatten, linear:10",
         "layer 'conv:8:3:1:1:1' has 5 parameters, expected 2 to 4"},
        {"conv:8:3, bn:2, flatten, linear:10", "layer 'bn:2' has 1 parameters, expected 0"},
        {"maxpool, flatten, linear:10", "layer 'maxpool' has 0 parameters, expected 1"},
        {"conv:0:3, flatten, linear:10", "layer 'conv:0:3' needs a positive integer, got '0'"},
        {"conv:8:three, flatten, linear:10",
         "layer 'conv:8:three' needs a positive integer, got 'three'"},
        {"conv:8:3:2x, flatten, linear:10",
         "layer 'conv:8:3:2x' needs a positive integer, got '2x'"},
        {"conv:8:3:1:-1, flatten, linear:10",
         "layer 'conv:8:3:1:-1' needs a positive integer, got '-1'"},
        {"flatten, linear:10, conv:8:3", "layer 'conv:8:3' cannot follow flatten or linear"},
        {"flatten, maxpool:2, linear:10", "layer 'maxpool:2' cannot follow flatten or linear"},
        {"conv:8:3, linear:10", "layer 'linear:10' needs flatten before it"},
        {"maxpool:11, flatten, linear:10", "layer 'maxpool:11' is larger than its input"},
        {"conv:4:11:1:0, flatten, linear:10", "layer 'conv:4:11:1:0' does not fit its input"},
        {"conv:8:3, lif, bn, flatten, linear:10",
         "layer 'bn' must directly follow conv or linear (it is folded into them)"},
        {"bn, flatten, linear:10",
         "layer 'bn' must directly follow conv or linear (it is folded into them)"},
        {"conv:8:13, flatten, linear:10",
         "layer 'conv:8:13' has kernel 13, the kernels support at most 11"},
        {"maxpool:17, flatten, linear:10",
         "layer 'maxpool:17' has kernel 17, the kernels support at most 16"},
    };
    for (const auto& c : cases) {  // on a 1 x 10 x 10 input
        INFO(c.text);
        CHECK(error_of(c.text, {1, 10, 10}) == prefix(c.text) + c.message);
    }
    CHECK(error_of("conv:8:3, lif") ==
          prefix("conv:8:3, lif") + "the last layer must be linear (the readout)");
    CHECK(error_of("") == prefix("") + "the last layer must be linear (the readout)");
}
