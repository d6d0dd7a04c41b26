// The CPU backend: one Dynamics (OpenMP inside the force and integrator loops) per replica, replicas
// advanced one after another each step, and the per-step safety checks.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include <omp.h>

#include "engine/core/format_number.hpp"
#include "engine/md/backend.hpp"
#include "engine/core/error.hpp"
#include "potentials/mtp_grade.hpp"

namespace mdrun {

namespace {

// Checks one replica after a step (or at setup); fills `stop` and returns false when the run must stop.
bool check_replica(Replica& rep, const Dynamics& dyn, long step, SafetyStop& stop) {
    const ForceResult& fr = dyn.last_force();
    const System& sys = rep.sys;
    const std::string who = rep.name.empty() ? std::string() : " in replica '" + rep.name + "'";
    if (fr.close_pairs > 0) {
        rep.counters.close_pair_steps += 1;
        rep.counters.close_pairs_total += fr.close_pairs;
        if (rep.counters.min_close_r == 0.0 || fr.close_r < rep.counters.min_close_r)
            rep.counters.min_close_r = fr.close_r;
    }
    auto fail = [&](const std::string& why) {
        stop.stopped = true;
        stop.replica = rep.index;
        stop.step = step;
        stop.reason = "step " + std::to_string(step) + who + ": " + why;
        return false;
    };
    const double pe = dyn.potential_energy();
    if (!std::isfinite(pe)) {
        std::string ids;
        int shown = 0;
        for (std::size_t i = 0; i < sys.size() && shown < 10; ++i) {
            const Vec3 f = sys.force[i], x = sys.pos[i];
            if (!std::isfinite(f.x + f.y + f.z) || !std::isfinite(x.x + x.y + x.z)) {
                ids += (ids.empty() ? "" : ", ") + std::to_string(sys.id[i]);
                ++shown;
            }
        }
        return fail("the potential energy is " + format_number(pe) + " (not finite)" +
                    (ids.empty() ? std::string() : "; atoms with non-finite force or position: ids " + ids));
    }
    if (!(dyn.max_displacement_last_step() <= rep.md.max_displacement)) {  // NaN counts as too far
        const int a = dyn.max_displacement_atom();
        return fail("atom id " + std::to_string(a >= 0 ? sys.id[static_cast<std::size_t>(a)] : -1) + " (" +
                    (a >= 0 ? sys.species[static_cast<std::size_t>(sys.type[static_cast<std::size_t>(a)])] : "?") +
                    ") moved " + format_number(dyn.max_displacement_last_step()) + " Å in one step (limit [md].max_displacement = " +
                    format_number(rep.md.max_displacement) + " Å); the time step is too large or the potential is unstable");
    }
    if (fr.close_pairs > 0 && rep.md.stop_on_close_pairs) {
        const long ii = fr.close_i >= 0 ? sys.id[static_cast<std::size_t>(fr.close_i)] : -1;
        const long jj = fr.close_j >= 0 ? sys.id[static_cast<std::size_t>(fr.close_j)] : -1;
        auto el = [&](int i) { return i >= 0 ? sys.species[static_cast<std::size_t>(sys.type[static_cast<std::size_t>(i)])] : std::string("?"); };
        return fail(std::to_string(fr.close_pairs) + " pair(s) closer than the potential's min_dist " +
                    format_number(rep.potential->min_trusted_distance()) + " Å, e.g. atoms ids " + std::to_string(ii) + " (" +
                    el(fr.close_i) + ") and " + std::to_string(jj) + " (" + el(fr.close_j) + ") at " +
                    format_number(fr.close_r) + " Å: the potential extrapolates there and may be unphysical "
                    "(set [md].stop_on_close_pairs = false to only count them)");
    }
    return true;
}

class CpuBackend : public Backend {
public:
    explicit CpuBackend(std::vector<std::unique_ptr<Replica>>& replicas) : reps_(replicas) {
        for (auto& r : reps_) dyn_.push_back(std::make_unique<Dynamics>(r->params, r->sys, *r->potential));
    }
    std::string name() const override { return "cpu"; }
    std::string describe() const override {
        return "cpu (OpenMP, " + std::to_string(omp_get_max_threads()) + " threads)";
    }
    SafetyStop setup() override {
        retired_.assign(reps_.size(), 0);
        pending_.clear();
        for (std::size_t r = 0; r < reps_.size(); ++r) {
            dyn_[r]->setup();
            SafetyStop s;
            if (!check_replica(*reps_[r], *dyn_[r], 0, s)) pending_.push_back(s);
        }
        step_ = 0;
        return next_pending();
    }
    void load(int r, BinaryReader& in) override {
        dyn_[static_cast<std::size_t>(r)]->load(in);
        // (a replica stopped before the checkpoint carries its own, smaller step count)
        step_ = std::max(step_, dyn_[static_cast<std::size_t>(r)]->step_count());
    }
    void save(int r, BinaryWriter& out) override { dyn_[static_cast<std::size_t>(r)]->save(out); }
    SafetyStop advance(long n) override {
        if (!pending_.empty()) return next_pending();
        retired_.resize(reps_.size(), 0);
        grading_.resize(reps_.size());
        for (long s = 0; s < n; ++s) {
            ++step_;
            for (std::size_t r = 0; r < reps_.size(); ++r) {
                if (retired_[r]) continue;
                Grading& g = grading_[r];
                const bool capture = g.set && step_ % g.every == 0;
                if (capture) dyn_[r]->capture_grade_rows(&g.rows);
                g.rows_step = -1;
                try {
                    dyn_[r]->step();
                } catch (...) {
                    dyn_[r]->capture_grade_rows(nullptr);
                    throw;
                }
                if (capture) {
                    dyn_[r]->capture_grade_rows(nullptr);
                    g.rows_step = step_;
                }
                SafetyStop st;
                if (!check_replica(*reps_[r], *dyn_[r], step_, st)) pending_.push_back(st);
            }
            if (!pending_.empty()) return next_pending();  // the step is complete for every replica
        }
        return SafetyStop{};
    }
    SafetyStop pending_stop() override { return next_pending(); }
    void attach_grades(int r, const GradeSet& set, long every) override {
        grading_.resize(reps_.size());
        Grading& g = grading_[static_cast<std::size_t>(r)];
        g.set = &set;
        g.every = every > 0 ? every : 1;
        g.rows_step = -1;
    }
    // From the rows the force pass of this step captured (same arithmetic as a fresh pass; the neighbour
    // order of the dynamics' list may differ from a fresh list's: round-off only). Step 0 and a restart's
    // first step have none: the caller then grades on the host.
    bool grade(int r, const GradeSet& set, ConfigGrades& out) override {
        if (static_cast<std::size_t>(r) >= grading_.size()) return false;
        const Grading& g = grading_[static_cast<std::size_t>(r)];
        if (g.set != &set || g.rows_step != step_ || dyn_[static_cast<std::size_t>(r)]->step_count() != step_) return false;
        set.grade_rows(reps_[static_cast<std::size_t>(r)]->sys, g.rows, out);
        return true;
    }
    void retire(int r) override {
        retired_.resize(reps_.size(), 0);
        retired_[static_cast<std::size_t>(r)] = 1;
        std::vector<SafetyStop> keep;
        for (auto& s : pending_)
            if (s.replica != r) keep.push_back(s);
        pending_ = keep;
    }
    long step() const override { return step_; }
    ReplicaObservables observables(int r) const override {
        const Dynamics& d = *dyn_[static_cast<std::size_t>(r)];
        ReplicaObservables o;
        o.step = d.step_count();
        o.temperature_K = d.temperature();
        o.kinetic_eV = d.kinetic_energy();
        o.potential_eV = d.potential_energy();
        o.total_eV = o.kinetic_eV + o.potential_eV;
        o.conserved_eV = d.conserved_energy();
        o.pressure_bar = d.pressure_bar();
        o.dof = d.dof();
        o.close_pairs = d.last_force().close_pairs;
        o.neighbor_rebuilds = d.neighbor_rebuilds();
        // The cell and pressure tensor (thermo.csv writes them for NPT runs and staged runs with an NPT stage).
        const Mat3& h = reps_[static_cast<std::size_t>(r)]->sys.box.h;
        o.has_cell = true;
        o.volume_A3 = d.cell_volume();
        const double cell[6] = {h.m[0][0], h.m[1][1], h.m[2][2], h.m[1][0], h.m[2][0], h.m[2][1]};
        for (int k = 0; k < 6; ++k) o.cell[k] = cell[k];
        if (d.npt()) {
            const MtkBox& b = d.barostat().box;
            const double c2[6] = {b.h[0], b.h[1], b.h[2], b.h[5], b.h[4], b.h[3]};
            for (int k = 0; k < 6; ++k) o.cell[k] = c2[k];
        }
        d.pressure_tensor_bar(o.pressure_tensor_bar);
        o.ecouple_eV = d.thermostat_energy();
        return o;
    }
    void sync_to_host(int) override {}  // the System is the state
    bool supports_stages() const override { return true; }
    void begin_stage(int r, const DynamicsParams& p, const Mat3* new_cell) override {
        const std::size_t i = static_cast<std::size_t>(r);
        Replica& rep = *reps_[i];
        if (i < grading_.size()) grading_[i].rows_step = -1;  // the cell may change: rows of the old one are stale
        const long step = dyn_[i]->step_count(), rebuilds = dyn_[i]->neighbor_rebuilds();
        if (new_cell) {
            const Box old = rep.sys.box, nb = make_box(*new_cell);
            for (Vec3& x : rep.sys.pos) x = to_cartesian(nb, to_fractional(old, x));
            rep.sys.box = nb;
        }
        rep.params = p;
        dyn_[i] = std::make_unique<Dynamics>(p, rep.sys, *rep.potential);
        dyn_[i]->setup();
        dyn_[i]->set_counters(step, rebuilds);
    }
    void average_cell_from(int r, long step) override { dyn_[static_cast<std::size_t>(r)]->average_cell_from(step); }
    bool mean_cell(int r, Mat3& rows) const override { return dyn_[static_cast<std::size_t>(r)]->mean_cell(rows); }

private:
    SafetyStop next_pending() {
        if (pending_.empty()) return SafetyStop{};
        SafetyStop s = pending_.front();
        pending_.erase(pending_.begin());
        return s;
    }
    std::vector<std::unique_ptr<Replica>>& reps_;
    std::vector<std::unique_ptr<Dynamics>> dyn_;
    std::vector<unsigned char> retired_;  // per replica: stopped on its own, no longer advanced
    std::vector<SafetyStop> pending_;     // stops of one step not yet reported (lowest replica first)
    long step_ = 0;
    struct Grading {                      // [extrapolation] of one replica (attach_grades)
        const GradeSet* set = nullptr;
        long every = 1;
        std::vector<double> rows;         // grade rows of the force pass at rows_step
        long rows_step = -1;
    };
    std::vector<Grading> grading_;
};

std::vector<BackendEntry>& registry() {
    static std::vector<BackendEntry> r;
    return r;
}

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(std::vector<std::unique_ptr<Replica>>& replicas) {
    return std::make_unique<CpuBackend>(replicas);
}

void register_backend(const BackendEntry& entry) {
    for (auto& e : registry())
        if (e.name == entry.name) {
            e = entry;
            return;
        }
    registry().push_back(entry);
}

const BackendEntry* find_backend(const std::string& name) {
    for (const auto& e : registry())
        if (e.name == name) return &e;
    return nullptr;
}

std::unique_ptr<Backend> make_backend(const std::string& device, std::vector<std::unique_ptr<Replica>>& replicas,
                                      std::string* note) {
    if (device == "cpu") return make_cpu_backend(replicas);
    if (device == "cuda" || device == "auto") {
        const BackendEntry* e = find_backend("cuda");
        // The CUDA MD backend registers itself when it is compiled in (see register_backend).
        std::string why = "this mdrun has no CUDA MD backend compiled in";
        if (e && e->available && e->available(why) && e->make) {
            if (device == "cuda") return e->make(replicas);
            try {
                return e->make(replicas);
            } catch (const Error& err) {  // e.g. a potential without a GPU kernel: auto means "best available"
                why = err.what();
            }
        }
        if (device == "cuda") throw Error("--device cuda: " + why + "; use --device cpu or auto");
        if (note) *note = "--device auto: using the CPU (" + why + ")";
        return make_cpu_backend(replicas);
    }
    throw Error("--device must be cpu, cuda or auto, got '" + device + "'");
}

}  // namespace mdrun
