#include "engine/run/replica_stop.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "analysis/analysis_set.hpp"
#include "analysis/analysis_state.hpp"
#include "analysis/results.hpp"
#include "engine/core/atomic_file.hpp"
#include "engine/run/checkpoint.hpp"
#include "engine/core/error.hpp"
#include "engine/io/structure_io.hpp"

namespace mdrun {

namespace fs = std::filesystem;

namespace {

std::string jstr(const std::string& s) {
    std::string o = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') o += '\\';
        if (static_cast<unsigned char>(c) < 0x20) {
            o += ' ';
            continue;
        }
        o += c;
    }
    return o + "\"";
}

std::string display_name(const Replica& r) { return r.name.empty() ? "#" + std::to_string(r.index + 1) : "'" + r.name + "'"; }

void write_marker(const Replica& rep, const std::string& postmortem) {
    std::ostringstream o;
    o << "{\n  \"replica\": " << jstr(rep.name) << ",\n  \"step\": " << rep.stop_step << ",\n  \"reason\": "
      << jstr(rep.stop_reason) << ",\n  \"postmortem\": " << jstr(postmortem) << "\n}\n";
    const std::string text = o.str();
    write_file_atomically(stop_marker_path(rep), [&](std::ostream& os) { os << text; });
}

// What the stop leaves to restart from: the checkpoint is only "untouched" when there is one.
std::string checkpoint_note(const RunConfig& cfg) {
    const std::string p = checkpoint_path(cfg);
    std::error_code ec;
    if (fs::exists(p, ec)) return "the last good checkpoint is untouched: " + p;
    return "no checkpoint had been written yet (" + p + " does not exist): a new run starts again from step 0";
}

}  // namespace

std::string stop_marker_path(const Replica& rep) { return (fs::path(rep.directory) / "stopped.json").string(); }

int running_replicas(const std::vector<std::unique_ptr<Replica>>& reps) {
    int n = 0;
    for (const auto& r : reps) n += r->stopped ? 0 : 1;
    return n;
}

void write_replicas_json(const RunConfig& cfg, const std::vector<std::unique_ptr<Replica>>& reps, long step, long total) {
    std::ostringstream o;
    int stopped = 0;
    for (const auto& r : reps) stopped += r->stopped ? 1 : 0;
    o << "{\n  \"steps\": " << total << ",\n  \"step_reached\": " << step << ",\n  \"replicas_stopped\": " << stopped
      << ",\n  \"replicas\": [";
    for (std::size_t k = 0; k < reps.size(); ++k) {
        const Replica& r = *reps[k];
        const char* status = r.stopped ? "stopped" : (step >= total ? "finished" : "running");
        o << (k ? "," : "") << "\n    {\"index\": " << k + 1 << ", \"name\": " << jstr(r.name)
          << ", \"directory\": " << jstr(fs::path(r.directory).lexically_relative(cfg.output.directory).string())
          << ", \"status\": \"" << status << "\", \"last_step\": "
          << (r.stopped ? r.stop_step : step) << ", \"stop_reason\": " << (r.stopped ? jstr(r.stop_reason) : "null") << "}";
    }
    o << "\n  ]\n}\n";
    const std::string text = o.str();
    write_file_atomically((fs::path(cfg.output.directory) / "replicas.json").string(), [&](std::ostream& os) { os << text; });
}

void stop_replica(const SafetyStop& stop, const RunConfig& cfg, Backend& backend,
                  std::vector<std::unique_ptr<Replica>>& reps, RunLog& log) {
    Replica& rep = *reps[static_cast<std::size_t>(stop.replica)];
    backend.sync_to_host(stop.replica);
    const long at = backend.step();
    const std::string pm = (fs::path(rep.directory) / ("postmortem_step" + std::to_string(at) + ".extxyz")).string();
    std::string pm_note;
    try {
        write_extxyz(pm, rep.sys);
        pm_note = "post-mortem snapshot: " + pm;
    } catch (const Error& e) {
        pm_note = std::string("could not write the post-mortem snapshot: ") + e.what();
    }
    rep.stopped = true;
    rep.stop_step = at;
    rep.stop_reason = stop.reason;
    // A series part (cfg.in_series) behaves as the one-process run of the whole series would: its replicas
    // stop alone, and the part ends when none is left (rank 0 then decides for the series).
    const bool several = reps.size() > 1 || cfg.in_series;
    const bool alone = several && (running_replicas(reps) > 0 || cfg.in_series);
    log.section("STOPPED " + (several ? "replica " + display_name(rep) + " " : std::string()) + utc_now());
    log.line(stop.reason);
    log.line(pm_note);
    if (alone)
        log.line("only this replica stops; " + std::to_string(running_replicas(reps)) + " replica(s) go on");
    log.line(checkpoint_note(cfg));
    log.write();
    if (rep.analysis) {  // what was measured up to the stop, with the reason
        try {
            backend.sync_analysis(stop.replica, *rep.analysis);
            AnalysisRunInfo& info = rep.analysis->mutable_impl().info;
            info.stopped_at_step = at;
            info.stop_reason = stop.reason;
            rep.analysis->write_results(rep.directory);
        } catch (const Error& e) {
            log.line(std::string("could not write the analysis results of the stopped replica: ") + e.what());
            log.write();
        }
    }
    if (several) {
        write_marker(rep, pm);
        write_replicas_json(cfg, reps, at, cfg.replicas[0].md.steps);
    }
    if (!alone) {
        if (reps.size() == 1)
            throw Error("run stopped at " + stop.reason + "\n  " + pm_note + "\n  " + checkpoint_note(cfg));
        std::string all;
        for (const auto& r : reps) all += "\n  replica " + display_name(*r) + ": " + r->stop_reason;
        throw Error("every replica stopped:" + all + "\n  post-mortem snapshots in the replica directories; " +
                    checkpoint_note(cfg));
    }
    backend.retire(stop.replica);
    std::fprintf(stderr, "mdrun: replica %s stopped at step %ld (the others go on): %s\n", display_name(rep).c_str(), at,
                 stop.reason.c_str());
}

void stop_replicas(SafetyStop first, const RunConfig& cfg, Backend& backend, std::vector<std::unique_ptr<Replica>>& reps,
                   RunLog& log) {
    for (SafetyStop s = first; s.stopped; s = backend.pending_stop()) {
        if (reps[static_cast<std::size_t>(s.replica)]->stopped) continue;
        stop_replica(s, cfg, backend, reps, log);
    }
}

void clear_stop_markers(const std::vector<std::unique_ptr<Replica>>& reps) {
    for (const auto& r : reps) {
        std::error_code ec;
        fs::remove(stop_marker_path(*r), ec);
    }
}

int restore_stopped_replicas(long checkpoint_step, Backend* backend, std::vector<std::unique_ptr<Replica>>& reps,
                             RunLog* log) {
    int n = 0;
    for (auto& rp : reps) {
        Replica& r = *rp;
        std::ifstream in(stop_marker_path(r));
        if (!in) continue;
        std::stringstream ss;
        ss << in.rdbuf();
        const std::string t = ss.str();
        const auto k = t.find("\"step\":");
        if (k == std::string::npos) throw Error(stop_marker_path(r) + ": no \"step\" (damaged file?)");
        const long step = std::strtol(t.c_str() + k + 7, nullptr, 10);
        if (step > checkpoint_step) continue;  // stopped after the checkpoint: it runs again from there
        std::string reason;
        const auto q = t.find("\"reason\": \"");
        if (q != std::string::npos) {
            const auto e = t.find("\",\n", q + 11);
            reason = t.substr(q + 11, e == std::string::npos ? std::string::npos : e - q - 11);
        }
        r.stopped = true;
        r.stop_step = step;
        r.stop_reason = reason;
        if (r.analysis) {
            r.analysis->mutable_impl().info.stopped_at_step = step;
            r.analysis->mutable_impl().info.stop_reason = reason;
        }
        if (backend) backend->retire(r.index);
        if (log) log->line("replica " + display_name(r) + " stopped at step " + std::to_string(step) + " before this checkpoint (" +
                 reason + "); it stays stopped");
        ++n;
    }
    return n;
}

void stop_melted_replicas(const RunConfig& cfg, Backend& backend, std::vector<std::unique_ptr<Replica>>& reps,
                          RunLog& log, long step) {
    for (auto& rp : reps) {
        Replica& r = *rp;
        if (r.stopped || !r.analysis || !r.analysis->impl().cfg.stop_on_melting) continue;
        if (r.analysis->samples_taken() < 3) continue;
        const AnalysisResults res = compute_results(*r.analysis);
        const Classification& c = res.classification;
        if (!c.framework_melting) continue;
        std::string what;
        for (const auto& s : c.melted_species) {
            double t = NAN;
            for (const auto& kv : c.tmsd_at_tau_cls)
                if (kv.first == s) t = kv.second;
            char b[96];
            std::snprintf(b, sizeof b, "%s%s TMSD %.3g A^2", what.empty() ? "" : ", ", s.c_str(), t);
            what += b;
        }
        char tau[32];
        std::snprintf(tau, sizeof tau, "%.4g", c.tau_cls_ps);
        SafetyStop s;
        s.stopped = true;
        s.replica = r.index;
        s.step = step;
        s.reason = "step " + std::to_string(step) + " in replica " + display_name(r) + ": the framework melted (" + what +
                   " at tau_cls = " + tau + " ps, above 2 A^2; [analysis].stop_on_melting = false keeps it running)";
        stop_replica(s, cfg, backend, reps, log);
    }
}

}  // namespace mdrun
