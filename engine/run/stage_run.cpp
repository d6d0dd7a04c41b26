#include "engine/run/stage_run.hpp"

#include <cmath>
#include <cstdio>

namespace mdrun {

namespace {
std::string g(double v) {
    char b[64];
    std::snprintf(b, sizeof b, "%.10g", v);
    return b;
}
std::string describe(const MdConfig& m) {
    std::string s = m.ensemble + ", " + std::to_string(m.steps) + " steps";
    if (m.ensemble != "nve") s += ", T " + g(m.temperature_K) + " K";
    if (m.ensemble == "npt") s += ", P " + g(m.pressure_bar) + " bar (" + m.barostat + ", Pdamp " + g(m.pdamp_fs) + " fs)";
    return s;
}
}  // namespace

void apply_stage(const RunConfig& cfg, int k, Replica& rep) {
    if (cfg.stages.empty()) return;
    const MdConfig& m = cfg.replicas[static_cast<std::size_t>(rep.index)].stage_md[static_cast<std::size_t>(k)];
    rep.md = m;
    rep.params = dynamics_params(m);
    rep.params.checkpoint_cell = true;  // an earlier stage may have changed the cell
}

void set_cell_window(const RunConfig& cfg, int k, Backend& backend, std::size_t nreps) {
    const std::size_t next = static_cast<std::size_t>(k) + 1;
    if (next >= cfg.stages.size() || cfg.stages[next].cell != "mean") return;
    const StageConfig& cur = cfg.stages[static_cast<std::size_t>(k)];
    const long start = cur.end_step - cur.steps;
    long from = start;
    if (cfg.stages[next].cell_mean_ps > 0) {
        const double dt_ps = cfg.replicas[0].stage_md[0].timestep_fs * 1e-3;
        from = std::max(start, cur.end_step - static_cast<long>(std::llround(cfg.stages[next].cell_mean_ps / dt_ps)));
    }
    for (std::size_t r = 0; r < nreps; ++r) backend.average_cell_from(static_cast<int>(r), from);
}

void begin_stage(const RunConfig& cfg, int k, Backend& backend, std::vector<std::unique_ptr<Replica>>& reps, RunLog& log) {
    const StageConfig& st = cfg.stages[static_cast<std::size_t>(k)];
    const long at = st.end_step - st.steps;
    log.section("stage " + std::to_string(k + 1) + " '" + st.name + "' begins after step " + std::to_string(at));
    for (auto& rp : reps) {
        Replica& rep = *rp;
        Mat3 rows{};
        const bool mean = st.cell == "mean" && backend.mean_cell(rep.index, rows);
        apply_stage(cfg, k, rep);
        backend.begin_stage(rep.index, rep.params, mean ? &rows : nullptr);
        std::string line = (rep.name.empty() ? std::string("replica") : "replica " + rep.name) + ": " + describe(rep.md);
        if (st.cell == "mean") {
            if (mean)
                line += "; atoms scaled into the mean cell of the previous stage" +
                        std::string(st.cell_mean_ps > 0
                                        ? " (last " + g(st.cell_mean_ps) + " ps)" : "") +
                        ": lx " + g(rows.m[0][0]) + " ly " + g(rows.m[1][1]) + " lz " + g(rows.m[2][2]) + " xy " +
                        g(rows.m[1][0]) + " xz " + g(rows.m[2][0]) + " yz " + g(rows.m[2][1]) + " Å, V " +
                        g(volume(rep.sys.box)) + " Å³";
            else
                line += "; cell = \"mean\": the previous stage did not change the cell, kept";
        }
        line += "; thermostat and barostat start afresh";
        log.line(line);
    }
    log.write();
    set_cell_window(cfg, k, backend, reps.size());
}

void log_stage_plan(const RunConfig& cfg, RunLog& log) {
    if (cfg.stages.empty()) return;
    log.section("staged protocol");
    for (std::size_t k = 0; k < cfg.stages.size(); ++k) {
        const StageConfig& st = cfg.stages[k];
        log.line("stage " + std::to_string(k + 1) + " '" + st.name + "': steps " + std::to_string(st.end_step - st.steps + 1) +
                 "-" + std::to_string(st.end_step) + ", " + describe(cfg.replicas[0].stage_md[k]) +
                 (st.cell == "mean" ? ", starts from the mean cell" : "") + (st.analysis ? ", analysed" : ", not analysed"));
    }
    log.line("thermo.csv: the column `stage` gives the stage of each row");
}

bool stage_analysed(const RunConfig& cfg, long step) {
    if (cfg.stages.empty()) return true;
    return cfg.stages[static_cast<std::size_t>(stage_at(cfg, step))].analysis;
}

bool any_npt(const RunConfig& cfg) {
    for (const auto& rc : cfg.replicas) {
        if (rc.md.ensemble == "npt") return true;
        for (const auto& m : rc.stage_md)
            if (m.ensemble == "npt") return true;
    }
    return false;
}

}  // namespace mdrun
