// Extrapolation control during MD (the `[extrapolation]` table, docs/grades.md): every `every` steps
// the MaxVol grade of each replica's configuration is computed against an MLIP active-learning state
// file (per site with the site-energy weight, per configuration with the energy weight, as the file
// says). Configurations graded above `save_above` are appended to <replica dir>/preselected.cfg (cfg
// format, MTP types, with MV_grade and step features; ready for labelling and `mdrun select`); a grade
// above `stop_above` stops the run with the step, the grade and the worst atoms. The latest grade is a
// thermo.csv column (`max_grade`).
#pragma once
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <toml.hpp>

#include "engine/md/backend.hpp"
#include "engine/md/replica.hpp"
#include "potentials/als_file.hpp"
#include "potentials/mtp_grade.hpp"
#include "potentials/mtp_potential.hpp"

namespace mdrun {

struct ExtrapolationConfig {
    bool enabled = false;
    std::string state;          // MLIP state file (.als), resolved against the config directory
    long every = 10;            // steps between grades (and step 0)
    double save_above = 2.0;    // grade above which the configuration goes to preselected.cfg
    double stop_above = 10.0;   // grade above which the run stops (0 = never)
    std::string file = "preselected.cfg";  // in each replica's output directory
};

// Parses the raw [extrapolation] table (strict keys; errors name the key). `dir` anchors `state`.
ExtrapolationConfig parse_extrapolation(const toml::value& table, const std::string& file, const std::string& dir);

class ExtrapolationMonitor {
public:
    // Loads the state file and checks that it belongs to the replica's potential (same MTP). resume_step
    // >= 0 (restart): keeps preselected.cfg's configurations up to that step and appends after them.
    ExtrapolationMonitor(const ExtrapolationConfig& cfg, const Replica& rep, int replica_index, long resume_step);

    bool due(long step) const { return step % cfg_.every == 0; }
    long every() const { return cfg_.every; }
    // The active set with its weights (Backend::attach_grades takes it).
    const GradeSet& grade_set() const { return *set_; }
    // Grades the replica at `step` (the backend's grades when it has them, Backend::grade, else a host pass
    // over rep.sys after sync_to_host); rep.sys is synchronised only when a configuration must be written.
    // Returns the configuration's grade; fills `stop` when it exceeds stop_above.
    double check(long step, Replica& rep, Backend& backend, SafetyStop& stop);
    long graded() const { return graded_; }            // steps graded by this process
    long host_passes() const { return host_passes_; }  // of them, graded by a host pass (not by the backend)
    double last_grade() const { return last_grade_; }
    long saved() const { return saved_; }
    const std::string& path() const { return path_; }
    std::string describe() const;

private:
    ExtrapolationConfig cfg_;
    int replica_ = 0;
    AlsState state_;
    const MtpPotential* pot_ = nullptr;
    std::unique_ptr<GradeSet> set_;
    long graded_ = 0, host_passes_ = 0;
    std::string path_;
    double last_grade_ = -1.0;
    long saved_ = 0;
    std::set<long> saved_steps_;
};

}  // namespace mdrun
