#include "engine/run/cross_replica.hpp"

#include <filesystem>

#include "analysis/analysis_state.hpp"
#include "analysis/arrhenius_summary.hpp"
#include "analysis/controls_summary.hpp"
#include "analysis/results.hpp"

namespace mdrun {

std::vector<std::string> write_cross_replica_outputs(const std::string& directory,
                                                     const std::vector<const Replica*>& reps) {
    namespace fs = std::filesystem;
    std::vector<std::string> written;
    // Arrhenius over the mobile replicas: control runs with frozen atoms answer another question, and a
    // replica stopped early did not sample what the fit assumes.
    std::vector<const AnalysisSet*> series;
    for (const Replica* r : reps) {
        bool any_frozen = false;
        for (auto f : r->sys.frozen) any_frozen = any_frozen || f != 0;
        if (r->analysis && r->analysis->impl().cfg.enabled && !any_frozen && !r->stopped) series.push_back(r->analysis.get());
    }
    if (!series.empty()) {
        const std::string p = (fs::path(directory) / "arrhenius.json").string();
        write_arrhenius_summary(p, series);
        written.push_back(p);
    }
    std::vector<ControlReplica> cr;
    for (const Replica* r : reps) {
        if (!r->analysis || !r->analysis->impl().cfg.enabled) continue;
        ControlReplica c;
        c.name = r->name;
        c.T_K = r->md.temperature_K < 0 ? 0.0 : r->md.temperature_K;
        c.seed = static_cast<long>(r->md.seed);
        c.frozen = r->md.freeze;
        c.stopped = r->stopped;
        c.stop_step = r->stop_step;
        c.stop_reason = r->stop_reason;
        c.results = compute_results(*r->analysis);
        cr.push_back(std::move(c));
    }
    const ControlsResult res = controls_from_replicas(cr);
    if (res.any_control()) {
        const std::string p = (fs::path(directory) / "controls.json").string();
        write_controls_json(p, res);
        written.push_back(p);
    }
    return written;
}

}  // namespace mdrun
