// A run config checked against, and completed from, its model (see config_model.hpp).
#include "experiments/config/config_model.hpp"

#include "common/errors.hpp"
#include "snn/architecture.hpp"

namespace experiments {

namespace {

// The layer list as the deployed model holds it: bn layers are folded into the layer before
// them when spikebar train writes the model file.
std::string deployed_layers(const std::string& text, snn::shape3 input) {
    snn::architecture a = snn::parse_architecture(text, input);
    std::vector<snn::layer_spec> kept;
    for (const auto& l : a.layers)
        if (l.kind != snn::layer_kind::bn) kept.push_back(l);
    a.layers = kept;
    return a.to_string();
}

bool own_neuron_params(const snn::model& m) {
    for (const auto& l : m.layers)
        if (l.neuron.explicit_params()) return true;
    return false;
}

}  // namespace

bool model_governed_key(const std::string& key) {
    return key.rfind("network.", 0) == 0 || key.rfind("lif.", 0) == 0;
}

run_config with_model(const run_config& c, const snn::model& m, const std::string& model_path) {
    using config_detail::format_value;
    const auto given = [&](const std::string& key) { return c.given.find(key); };
    const auto contradicts = [&](const std::string& key, const std::string& value,
                                 const std::string& attr, const std::string& model_value) {
        throw spikebar::config_error(given(key)->second + ": " + key + " = " + value +
                                     " contradicts the model: " + model_path + " has " + attr +
                                     " = " + model_value +
                                     " (the model governs; drop the key or give the model's value)");
    };
    const auto check = [&](const std::string& key, const std::string& value,
                           const std::string& attr, const std::string& model_value, bool same) {
        if (given(key) != c.given.end() && !same) contradicts(key, value, attr, model_value);
    };
    check("network.timesteps", format_value(c.network.timesteps), "/network@timesteps",
          format_value(m.net.timesteps), c.network.timesteps == m.net.timesteps);
    check("network.encoding", c.network.encoding, "/network@encoding", m.net.encoding,
          c.network.encoding == m.net.encoding);
    check("network.kind", c.network.kind, "/network@kind", m.net.kind, c.network.kind == m.net.kind);
    if (given("network.layers") != c.given.end()) {
        std::string mine;
        try {
            mine = deployed_layers(c.network.layers, m.arch.input);
        } catch (const spikebar::config_error& e) {
            throw spikebar::config_error(given("network.layers")->second + ": " + e.what());
        }
        if (mine != m.arch.to_string())
            contradicts("network.layers", c.network.layers, "the layers", m.arch.to_string());
    }

    const bool per_layer = own_neuron_params(m);
    for (const char* k : {"lif.decay", "lif.threshold", "lif.reset", "lif.v_reset"}) {
        const auto it = given(k);
        if (per_layer && it != c.given.end()) {
            const std::string key = k;
            const std::string value = key == "lif.reset" ? c.lif.reset
                                      : key == "lif.decay"   ? format_value(c.lif.decay)
                                      : key == "lif.threshold"
                                          ? format_value(c.lif.threshold)
                                          : format_value(c.lif.v_reset);
            throw spikebar::config_error(it->second + ": " + key + " = " + value +
                                         ": not applicable: " + model_path +
                                         " gives its neuron layers their own parameters "
                                         "(drop the [lif] keys)");
        }
    }
    check("lif.decay", format_value(c.lif.decay), "/neuron@decay", format_value(m.lif.decay),
          c.lif.decay == m.lif.decay);
    check("lif.threshold", format_value(c.lif.threshold), "/neuron@threshold",
          format_value(m.lif.threshold), c.lif.threshold == m.lif.threshold);
    check("lif.reset", c.lif.reset, "/neuron@reset", m.lif.reset, c.lif.reset == m.lif.reset);
    check("lif.v_reset", format_value(c.lif.v_reset), "/neuron@v_reset",
          format_value(m.lif.v_reset), c.lif.v_reset == m.lif.v_reset);

    run_config r = c;
    r.network = m.net;
    r.network.layers = m.arch.to_string();
    r.lif = m.lif;
    return r;
}

run_config for_inference(const run_config& c, const snn::model& m, const std::string& model_path) {
    run_config r = with_model(c, m, model_path);
    const int T = m.steps();
    const auto it = c.given.find("earlyexit.t_max");
    if (it == c.given.end()) {
        r.earlyexit.t_max = T;
        // fixed_t = 0 means t_max, so it follows; a given fixed_t is checked by validate().
        r.earlyexit.validate();
    } else if (c.earlyexit.t_max != T) {
        throw spikebar::config_error(it->second + ": earlyexit.t_max = " +
                                     std::to_string(c.earlyexit.t_max) +
                                     ": must equal the model's timesteps (" + model_path +
                                     " runs T = " + std::to_string(T) + ")");
    }
    return r;
}

}  // namespace experiments
