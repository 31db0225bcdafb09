#include "experiments/io/run_file.hpp"

#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <optional>

#include "common/errors.hpp"
#include "common/h5.hpp"
#include "common/version.hpp"

namespace experiments {

std::string utc_now() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

namespace {

constexpr hsize_t chunk_samples = 256;

}  // namespace

struct run_writer::impl {
    std::string path, tmp;
    run_header h;
    std::string start_time;
    std::optional<h5::file> f;
    hsize_t C = 0, N = 0, T = 0, K = 0, S = 0, W = 0, R = 0, P = 0;
    bool energy = false, ops = false, mvm = false;
    std::vector<h5::slab_writer> w;  // in the order of the names below
    std::vector<std::string> names;

    h5::slab_writer& get(const std::string& name) {
        for (std::size_t i = 0; i < names.size(); ++i)
            if (names[i] == name) return w[i];
        throw std::logic_error("run_writer: no dataset " + name);
    }
    void add(const std::string& name, hid_t type, std::vector<hsize_t> tail) {
        std::vector<hsize_t> dims{C, N}, chunk{1, std::min(N, chunk_samples)};
        for (hsize_t d : tail) {
            dims.push_back(d);
            chunk.push_back(d);
        }
        w.emplace_back(*f, name, type, dims, chunk);
        names.push_back(name);
    }
    // Writes lane `c`, samples [first, first + n), with `tail` trailing dims.
    template <class V>
    void put(const std::string& name, hid_t mem, int c, std::size_t first, std::size_t n,
             std::vector<hsize_t> tail, const V& data) {
        std::vector<hsize_t> off{hsize_t(c), hsize_t(first)}, cnt{1, hsize_t(n)};
        for (hsize_t d : tail) {
            off.push_back(0);
            cnt.push_back(d);
        }
        get(name).write(off, cnt, mem, data.data());
    }
};

run_writer::run_writer(const std::string& path, const run_header& header)
    : p_(std::make_unique<impl>()) {
    impl& p = *p_;
    p.path = path;
    p.tmp = path + ".tmp";
    p.h = header;
    p.start_time = utc_now();
    if (auto dir = std::filesystem::path(path).parent_path(); !dir.empty())
        std::filesystem::create_directories(dir);
    p.f.emplace(h5::file::create(p.tmp));
    p.C = hsize_t(header.lanes);
    p.N = hsize_t(header.labels.size());
    p.T = hsize_t(header.timesteps);
    p.K = hsize_t(header.classes);
    p.S = hsize_t(header.lif_layers);
    p.W = hsize_t(header.weighted_layers);
    p.energy = header.energy_recorded && !header.energy_rows.empty();
    p.R = hsize_t(header.energy_rows.size());
    p.P = energy_components;
    p.mvm = header.energy_recorded && header.crossbar && p.W > 0;
    p.ops = header.energy_recorded && !header.crossbar && p.W > 0;
    const h5::file& f = *p.f;

    h5::write_uint64s(f, "/samples/index", {p.N}, header.index.data());
    h5::write_uint8s(f, "/samples/label", {p.N}, header.labels.data());
    if (!header.policy_t.empty()) {
        std::vector<std::uint8_t> pt(header.policy_t.begin(), header.policy_t.end());
        h5::write_uint8s(f, "/samples/policy_t", {p.N}, pt.data());
    }
    p.add("/samples/exit_t", H5T_STD_U8LE, {});
    p.add("/samples/prediction", H5T_STD_U8LE, {});
    p.add("/samples/correct", H5T_STD_U8LE, {});
    if (header.energy_recorded) p.add("/samples/energy_pj", H5T_IEEE_F64LE, {});
    p.add("/samples/prediction_by_timestep", H5T_STD_U8LE, {p.T});
    p.add("/timesteps/logits", H5T_IEEE_F32LE, {p.T, p.K});
    p.add("/timesteps/spike_count", H5T_STD_U32LE, {p.T, p.S});
    if (p.energy) {
        p.add("/timesteps/energy_pj", H5T_IEEE_F64LE, {p.T, p.R, p.P});
        p.add("/timesteps/energy_step_pj", H5T_IEEE_F64LE, {p.T});
        std::vector<std::string> comps;
        for (int c = 0; c < energy_components; ++c) comps.push_back(energy_component_name(c));
        h5::write_attr(f, "/timesteps/energy_pj", "rows", header.energy_rows);
        h5::write_attr(f, "/timesteps/energy_pj", "components", comps);
    }
    if (p.ops) {
        p.add("/timesteps/ops/mac", H5T_STD_U64LE, {p.T, p.W});
        p.add("/timesteps/ops/ac", H5T_STD_U64LE, {p.T, p.W});
    }
    if (p.mvm) {
        for (const char* n : {"tile_reads", "row_activations", "dac_conversions", "adc_conversions"})
            p.add(std::string("/timesteps/crossbar/") + n, H5T_STD_U64LE, {p.T, p.W});
        p.add("/timesteps/crossbar/read_energy_j", H5T_IEEE_F64LE, {p.T, p.W});
    }
}

run_writer::~run_writer() {
    if (p_ && p_->f) {
        p_->w.clear();
        p_->f.reset();
        std::remove(p_->tmp.c_str());
    }
}

void run_writer::write(int lane, const sample_records& r) {
    impl& p = *p_;
    const std::size_t n = r.n, first = r.first;
    if (n == 0) return;
    std::vector<std::uint8_t> correct(n);
    for (std::size_t i = 0; i < n; ++i)
        correct[i] = r.exit_prediction[i] == p.h.labels[first + i];
    p.put("/samples/exit_t", H5T_NATIVE_UINT8, lane, first, n, {}, r.exit_t);
    p.put("/samples/prediction", H5T_NATIVE_UINT8, lane, first, n, {}, r.exit_prediction);
    p.put("/samples/correct", H5T_NATIVE_UINT8, lane, first, n, {}, correct);
    if (p.h.energy_recorded)
        p.put("/samples/energy_pj", H5T_NATIVE_DOUBLE, lane, first, n, {}, r.exit_energy);
    p.put("/samples/prediction_by_timestep", H5T_NATIVE_UINT8, lane, first, n, {p.T},
          r.predictions);
    p.put("/timesteps/logits", H5T_NATIVE_FLOAT, lane, first, n, {p.T, p.K}, r.logits);
    p.put("/timesteps/spike_count", H5T_NATIVE_UINT32, lane, first, n, {p.T, p.S}, r.spikes);
    if (p.energy) {
        p.put("/timesteps/energy_pj", H5T_NATIVE_DOUBLE, lane, first, n, {p.T, p.R, p.P},
              r.energy);
        p.put("/timesteps/energy_step_pj", H5T_NATIVE_DOUBLE, lane, first, n, {p.T},
              r.energy_step);
    }
    if (p.ops) {
        std::vector<std::uint64_t> mac, ac;
        for (const op_counts& o : r.ops) {
            mac.push_back(o.macs);
            ac.push_back(o.acs);
        }
        p.put("/timesteps/ops/mac", H5T_NATIVE_UINT64, lane, first, n, {p.T, p.W}, mac);
        p.put("/timesteps/ops/ac", H5T_NATIVE_UINT64, lane, first, n, {p.T, p.W}, ac);
    }
    if (p.mvm) {
        std::vector<std::uint64_t> reads, rows, dacs, adcs;
        std::vector<double> energy;
        for (const crossbar::mvm_counts& m : r.mvm) {
            reads.push_back(m.tile_reads);
            rows.push_back(m.row_activations);
            dacs.push_back(m.dac_conversions);
            adcs.push_back(m.adc_conversions);
            energy.push_back(m.read_energy_j);
        }
        const std::vector<hsize_t> tw{p.T, p.W};
        p.put("/timesteps/crossbar/tile_reads", H5T_NATIVE_UINT64, lane, first, n, tw, reads);
        p.put("/timesteps/crossbar/row_activations", H5T_NATIVE_UINT64, lane, first, n, tw, rows);
        p.put("/timesteps/crossbar/dac_conversions", H5T_NATIVE_UINT64, lane, first, n, tw, dacs);
        p.put("/timesteps/crossbar/adc_conversions", H5T_NATIVE_UINT64, lane, first, n, tw, adcs);
        p.put("/timesteps/crossbar/read_energy_j", H5T_NATIVE_DOUBLE, lane, first, n, tw, energy);
    }
}

void run_writer::finish(const std::vector<eval_result>& results,
                        const std::vector<double>& chip_build_s) {
    impl& p = *p_;
    const h5::file& f = *p.f;
    const run_header& h = p.h;
    const hsize_t C = p.C, T = p.T, S = p.S;
    h5::write_attr(f, "/", "format", std::string("spikebar-run"));
    h5::write_attr(f, "/", "format_version", std::int64_t{2});
    h5::write_attr(f, "/", "spikebar_version", std::string(SPIKEBAR_VERSION));
    h5::write_attr(f, "/", "git_revision", std::string(spikebar::git_revision()));
    h5::write_attr(f, "/", "command", h.command);
    h5::write_attr(f, "/", "config", h.config_text);
    h5::write_attr(f, "/", "model", h.model_path);
    h5::write_attr(f, "/", "hardware", std::string(h.crossbar ? "crossbar" : "ideal"));
    h5::write_attr(f, "/", "lanes", std::int64_t(C));
    h5::write_attr(f, "/", "seed", std::int64_t(h.seed));
    h5::write_attr(f, "/", "chip_seed", std::int64_t(h.chip_seed));
    h5::write_attr(f, "/", "calibration_samples", std::int64_t(h.calibration_samples));
    h5::write_attr(f, "/", "policy", h.policy);
    h5::write_attr(f, "/", "online_exit", std::int64_t(h.online_exit));
    h5::write_attr(f, "/", "timesteps", std::int64_t(T));
    h5::write_attr(f, "/", "classes", std::int64_t(p.K));
    h5::write_attr(f, "/", "samples", std::int64_t(p.N));
    h5::write_attr(f, "/", "start_time", p.start_time);
    h5::write_attr(f, "/", "end_time", utc_now());
    h5::write_attr(f, "/", "host_threads", std::int64_t(h.host_threads));
    h5::write_attr(f, "/", "energy_recorded", std::int64_t(h.energy_recorded));

    std::vector<double> acc_t(C * T), acc(C), mean_t(C), mean_e(C), fixed_mean(T, 0.0);
    std::vector<std::uint64_t> hist(C * T);
    for (hsize_t c = 0; c < C; ++c) {
        const eval_result& r = results[c];
        for (hsize_t t = 0; t < T; ++t) {
            acc_t[c * T + t] = r.accuracy(int(t + 1));
            fixed_mean[t] += acc_t[c * T + t] / double(C);
            hist[c * T + t] = r.exit_histogram[t];
        }
        acc[c] = r.exit_accuracy();
        mean_t[c] = r.mean_timesteps();
        mean_e[c] = r.mean_energy_pj();
    }
    const auto mean = [&](const std::vector<double>& v) {
        double s = 0;
        for (double x : v) s += x;
        return v.empty() ? 0.0 : s / double(v.size());
    };
    h5::write_attr(f, "/", "accuracy", mean(acc));
    h5::write_attr(f, "/", "mean_timesteps", mean(mean_t));
    if (h.energy_recorded) h5::write_attr(f, "/", "mean_energy_pj", mean(mean_e));
    h5::write_attr(f, "/", "accuracy_fixed_t", fixed_mean);
    h5::write_doubles(f, "/summary/accuracy_by_timestep", {C, T}, acc_t.data());
    h5::write_doubles(f, "/summary/accuracy", {C}, acc.data());
    h5::write_doubles(f, "/summary/mean_timesteps", {C}, mean_t.data());
    if (h.energy_recorded) h5::write_doubles(f, "/summary/mean_energy_pj", {C}, mean_e.data());
    h5::write_uint64s(f, "/summary/exit_histogram", {C, T}, hist.data());
    if (!results.empty() && !results.front().membrane_rmse.empty()) {
        std::vector<double> rmse, mism;
        for (const eval_result& r : results) {
            rmse.insert(rmse.end(), r.membrane_rmse.begin(), r.membrane_rmse.end());
            mism.insert(mism.end(), r.spike_mismatch.begin(), r.spike_mismatch.end());
        }
        h5::write_doubles(f, "/shadow/membrane_rmse", {C, T, S}, rmse.data());
        h5::write_doubles(f, "/shadow/spike_mismatch", {C, T, S}, mism.data());
    }
    if (h.crossbar)
        h5::write_doubles(f, "/summary/chip_build_s", {chip_build_s.size()}, chip_build_s.data());
    p.w.clear();
    p.f.reset();  // closes the file
    h5::commit_file(p.tmp, p.path);
}

}  // namespace experiments
