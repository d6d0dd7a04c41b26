#include "engine/run/extrapolation.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>

#include "engine/core/atomic_file.hpp"
#include "engine/io/cfg_io.hpp"
#include "engine/core/config.hpp"
#include "engine/core/error.hpp"
#include "engine/md/neighbor_list.hpp"
#include "engine/core/toml_util.hpp"
#include "potentials/mtp_grade.hpp"
#include "potentials/mtp_selection.hpp"

namespace fs = std::filesystem;

namespace mdrun {

ExtrapolationConfig parse_extrapolation(const toml::value& t, const std::string& file, const std::string& dir) {
    const std::string w = "[extrapolation]";
    if (!t.is_table()) throw Error(file + ": [extrapolation] must be a table");
    check_known_keys(t, {"state", "every", "save_above", "stop_above", "file"}, w, file);
    ExtrapolationConfig c;
    c.enabled = true;
    if (!has_key(t, "state"))
        throw Error(file + ": [extrapolation].state is required: the MLIP active-learning state file (.als) of the "
                           "potential, e.g. from `mdrun calc-grade POT.mtp TRAIN.cfg IN.cfg OUT.cfg`");
    c.state = resolve_path(dir, get_string(t, "state", w, file));
    if (has_key(t, "every")) c.every = get_integer_in(t, "every", w, file, 1, 1000000000000L, "steps");
    if (c.every < 1) throw Error(file + ": [extrapolation].every must be >= 1, got " + std::to_string(c.every));
    if (has_key(t, "save_above")) c.save_above = get_double(t, "save_above", w, file);
    if (has_key(t, "stop_above")) c.stop_above = get_double(t, "stop_above", w, file);
    if (!(c.save_above > 0) || !std::isfinite(c.save_above))
        throw Error(file + ": [extrapolation].save_above must be a number > 0");
    if (!(c.stop_above >= 0) || !std::isfinite(c.stop_above))
        throw Error(file + ": [extrapolation].stop_above must be >= 0 (0 = never stop)");
    if (c.stop_above > 0 && c.stop_above < c.save_above)
        throw Error(file + ": [extrapolation].stop_above (" + std::to_string(c.stop_above) +
                    ") is below save_above (" + std::to_string(c.save_above) + ")");
    if (has_key(t, "file")) c.file = get_string(t, "file", w, file);
    if (c.file.empty() || c.file.find('/') != std::string::npos)
        throw Error(file + ": [extrapolation].file must be a plain file name (written in each replica's output directory)");
    return c;
}

namespace {

bool same_model(const MtpModel& a, const MtpModel& b) {
    return a.species_count == b.species_count && a.scaling == b.scaling && a.min_dist == b.min_dist &&
           a.max_dist == b.max_dist && a.radial_basis_size == b.radial_basis_size &&
           a.radial_funcs_count == b.radial_funcs_count && a.radial_coeffs == b.radial_coeffs &&
           a.alpha_index_basic == b.alpha_index_basic && a.alpha_index_times == b.alpha_index_times &&
           a.alpha_moment_mapping == b.alpha_moment_mapping && a.species_coeffs == b.species_coeffs &&
           a.moment_coeffs == b.moment_coeffs;
}

long step_feature(const CfgConfig& c) {
    for (const std::string& f : c.features)
        if (f.compare(0, 5, "step\t") == 0 || f.compare(0, 5, "step ") == 0) return std::stol(f.substr(5));
    return -1;
}

}  // namespace

ExtrapolationMonitor::ExtrapolationMonitor(const ExtrapolationConfig& cfg, const Replica& rep, int replica_index,
                                           long resume_step)
    : cfg_(cfg), replica_(replica_index) {
    pot_ = dynamic_cast<const MtpPotential*>(rep.potential.get());
    if (!pot_) throw Error("[extrapolation]: grades need an MTP potential, " + rep.label() + " uses '" +
                           (rep.potential ? rep.potential->name() : std::string("none")) + "'");
    state_ = read_als(cfg.state);
    if (!same_model(state_.model, pot_->model()))
        throw Error(cfg.state + ": the potential in this state file differs from " + pot_->model().source +
                    " (grades are only meaningful against the active set of the potential that runs)");
    check_grade_weights(state_.weights, (cfg.state + " (selection weights)").c_str());
    set_ = std::make_unique<GradeSet>(*pot_, state_.maxvol, state_.weights);
    path_ = (fs::path(rep.directory) / cfg.file).string();
    if (resume_step >= 0 && fs::exists(path_)) {
        // Keep what an uninterrupted run would have written up to the checkpoint.
        // A run killed (or out of space) while appending a configuration leaves it torn: it comes after the
        // checkpoint, so everything after the last complete one (its END_CFG line) is dropped before parsing.
        std::ifstream in(path_, std::ios::binary);
        std::ostringstream all;
        all << in.rdbuf();
        std::string text = all.str();
        const std::size_t end = text.rfind("END_CFG");
        const std::size_t cut = end == std::string::npos ? 0 : text.find('\n', end);
        text.resize(cut == std::string::npos ? text.size() : (end == std::string::npos ? 0 : cut + 1));
        std::istringstream complete(text);
        std::vector<CfgConfig> kept, old = parse_cfg(complete, path_);
        for (CfgConfig& c : old)
            if (step_feature(c) >= 0 && step_feature(c) <= resume_step) {
                saved_steps_.insert(step_feature(c));
                kept.push_back(std::move(c));
            }
        write_cfg_file(path_, kept);
        saved_ = static_cast<long>(kept.size());
    } else {
        write_file_atomically(path_, [](std::ostream&) {});
    }
}

std::string ExtrapolationMonitor::describe() const {
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "extrapolation grades every %ld steps against %s (%s; %d coefficients, %zu configurations in the "
                  "active set); save above %g to %s, stop above %g",
                  cfg_.every, cfg_.state.c_str(),
                  state_.weights.site != 0 ? (state_.weights.energy != 0 ? "per site and per configuration" : "per site")
                                           : "per configuration (energy)",
                  state_.maxvol.n, state_.configs.size(), cfg_.save_above, path_.c_str(), cfg_.stop_above);
    return buf;
}

double ExtrapolationMonitor::check(long step, Replica& rep, Backend& backend, SafetyStop& stop) {
    // Rows as MaxvolSelection builds them: per-site rows (site-energy weight) and the energy row.
    ConfigGrades cg;
    ++graded_;
    if (!backend.grade(replica_, *set_, cg)) {
        backend.sync_to_host(replica_);
        set_->grade(rep.sys, cg);
        ++host_passes_;
    }
    const std::vector<double>& g = cg.site;
    const double grade = cg.max;
    last_grade_ = grade;
    const bool save = grade > cfg_.save_above && !saved_steps_.count(step);
    const bool halt = cfg_.stop_above > 0 && grade > cfg_.stop_above;
    if (save || halt) backend.sync_to_host(replica_);  // (the CUDA backend graded on the device)
    const System& sys = rep.sys;
    const int n = static_cast<int>(sys.size());

    if (save) {
        CfgConfig c;
        c.has_lattice = true;
        c.lattice = sys.box.h;
        c.pos = sys.pos;
        c.id.resize(n);
        c.type.resize(n);
        for (int i = 0; i < n; ++i) {
            c.id[i] = i + 1;
            c.type[i] = pot_->species_map()[sys.type[i]];
        }
        set_grade_feature(c, grade);
        c.features.push_back("step\t" + std::to_string(step));
        if (!rep.name.empty()) c.features.push_back("replica\t" + rep.name);
        std::ofstream os(path_, std::ios::app);
        write_cfg(os, {c});
        os.flush();
        if (!os) throw Error(path_ + ": write failed");
        saved_steps_.insert(step);
        ++saved_;
    }
    if (halt) {
        stop.stopped = true;
        stop.replica = replica_;
        stop.step = step;
        char buf[256];
        std::snprintf(buf, sizeof buf, "step %ld: %s: extrapolation grade %.6g above [extrapolation].stop_above = %g",
                      step, rep.label().c_str(), grade, cfg_.stop_above);
        std::string why = buf;
        if (static_cast<int>(g.size()) == n) {  // per-site grades: name the worst atoms
            std::vector<int> idx(n);
            std::iota(idx.begin(), idx.end(), 0);
            std::sort(idx.begin(), idx.end(), [&](int x, int y) { return g[x] > g[y] || (g[x] == g[y] && x < y); });
            why += "; worst atoms (id species grade):";
            for (int k = 0; k < std::min(n, 5); ++k) {
                const int i = idx[k];
                std::snprintf(buf, sizeof buf, " %ld %s %.4g%s", sys.id.empty() ? i + 1L : sys.id[i],
                              sys.species[sys.type[i]].c_str(), g[i], k + 1 < std::min(n, 5) ? "," : "");
                why += buf;
            }
        } else {
            why += " (per-configuration grade: the state file has no site-energy weight, so no per-atom attribution)";
        }
        why += "; configuration saved to " + path_;
        stop.reason = why;
    }
    return grade;
}

}  // namespace mdrun
