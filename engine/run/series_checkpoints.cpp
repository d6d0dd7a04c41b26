#include "engine/run/series_checkpoints.hpp"

#include <algorithm>
#include <filesystem>

#include "engine/core/error.hpp"

namespace mdrun {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> checkpoint_files(const fs::path& dir) {
    std::vector<std::string> out;
    if (fs::is_regular_file(dir / "checkpoint.mdrun")) out.push_back((dir / "checkpoint.mdrun").string());
    std::vector<std::string> parts;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.is_directory() && e.path().filename().string().rfind("replicas_", 0) == 0 &&
            fs::is_regular_file(e.path() / "checkpoint.mdrun"))
            parts.push_back((e.path() / "checkpoint.mdrun").string());
    std::sort(parts.begin(), parts.end());  // a fixed order: ties (same step) always resolve the same way
    out.insert(out.end(), parts.begin(), parts.end());
    return out;
}

int index_of(const RunConfig& cfg, const std::string& name) {
    for (std::size_t k = 0; k < cfg.replicas.size(); ++k)
        if (cfg.replicas[k].name == name) return static_cast<int>(k) + 1;
    return 0;
}

RunConfig restricted(const RunConfig& cfg, const std::vector<int>& indices) {
    RunConfig c = cfg;
    c.replicas.clear();
    for (int k : indices) c.replicas.push_back(cfg.replicas[static_cast<std::size_t>(k - 1)]);
    return c;
}

}  // namespace

std::string series_directory(const std::string& arg) {
    fs::path p(arg);
    if (fs::is_directory(p)) return p.string();
    if (!fs::is_regular_file(p)) throw Error("--restart " + arg + ": no such run directory or checkpoint file");
    fs::path dir = p.parent_path();
    if (dir.empty()) dir = ".";
    // a piece's checkpoint (<output.directory>/replicas_*/checkpoint.mdrun) stands for its whole run
    if (dir.filename().string().rfind("replicas_", 0) == 0) dir = dir.parent_path();
    return dir.empty() ? std::string(".") : dir.string();
}

SeriesCheckpoints read_series_checkpoints(const std::string& dir, const RunConfig& cfg, const std::vector<int>& wanted) {
    SeriesCheckpoints sc;
    sc.directory = dir;
    if (!fs::is_directory(dir)) throw Error("--restart " + dir + ": not a directory");
    sc.files = checkpoint_files(dir);
    if (sc.files.empty())
        throw Error("--restart " + dir + ": no checkpoint.mdrun (nor replicas_*/checkpoint.mdrun) in it; is it the run's [output].directory?");
    long newest_file_step = -1;
    for (const auto& f : sc.files) {
        CheckpointData d = read_checkpoint(f);
        std::vector<int> held;
        for (const auto& r : d.replicas) {
            const int k = index_of(cfg, r.name);
            if (k == 0) throw Error(f + ": replica '" + r.name + "' is not in " + cfg.config_file);
            held.push_back(k);
        }
        if (d.fingerprint != config_fingerprint(restricted(cfg, held))) {
            check_restart_inputs(f, {}, d.physics, {}, config_physics_text(restricted(cfg, held)));  // names the keys
            throw Error(f + ": the checkpoint was written with a different configuration (structure, potential, [md] "
                        "other than steps, or replicas changed); restart with the original config");
        }
        for (std::size_t i = 0; i < held.size(); ++i) {
            if (std::find(wanted.begin(), wanted.end(), held[i]) == wanted.end()) continue;
            auto it = sc.newest.find(held[i]);
            if (it != sc.newest.end() && it->second.step >= d.step) continue;
            sc.newest[held[i]] = SeriesReplicaState{f, d.step, std::move(d.replicas[i])};
        }
        if (d.step > newest_file_step) {
            newest_file_step = d.step;
            d.replicas.clear();
            sc.header = std::move(d);
        }
    }
    return sc;
}

std::vector<std::vector<int>> group_by_step(const SeriesCheckpoints& sc, const std::vector<int>& indices) {
    std::map<long, std::vector<int>> by_step;
    for (int k : indices) {
        const auto it = sc.newest.find(k);
        by_step[it == sc.newest.end() ? -1 : it->second.step].push_back(k);
    }
    std::vector<std::vector<int>> out;
    for (auto& kv : by_step) {
        std::sort(kv.second.begin(), kv.second.end());
        out.push_back(kv.second);
    }
    return out;
}

CheckpointData merged_checkpoint(const SeriesCheckpoints& sc, const RunConfig& cfg, const std::vector<int>& indices) {
    CheckpointData d = sc.header;
    d.replicas.clear();
    d.step = sc.newest.at(indices.at(0)).step;
    for (int k : indices) {
        const SeriesReplicaState& st = sc.newest.at(k);
        if (st.step != d.step) throw Error("merged_checkpoint: replicas at different steps (" + st.file + ")");
        d.replicas.push_back(st.data);
    }
    d.fingerprint = config_fingerprint(restricted(cfg, indices));
    d.physics = config_physics_text(restricted(cfg, indices));
    return d;
}

}  // namespace mdrun
