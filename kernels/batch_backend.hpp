// The Backend (engine/md/backend.hpp) over a BatchEngine: all replicas advanced together, observables and
// safety stops in the CPU backend's words, checkpoints in engine/md/dynamics.cpp's format. A template over
// executor and buffers like the engine: kernels/backend_cuda.cu instantiates it for the GPU, and the tests
// instantiate it with the host executor to drive the real run loop (run_md) through the batched step.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "engine/md/backend.hpp"
#include "engine/md/dynamics.hpp"
#include "engine/core/error.hpp"
#include "kernels/batch_engine.hpp"
#include "kernels/device_analysis.hpp"
#include "potentials/born_coul_dsf.hpp"
#include "potentials/mtp_grade.hpp"
#include "potentials/mtp_potential.hpp"

namespace mdrun {

namespace batch_backend_detail {


inline std::string batch_fmt(double v, const char* f = "%.6g") {
    char b[64];
    std::snprintf(b, sizeof b, f, v);
    return b;
}

// (Plain functions rather than lambdas: nvcc's host pass emits unused typedefs for local lambdas.)
inline std::string element_of(const System& sys, int i) {
    if (i < 0 || i >= static_cast<int>(sys.size())) return "?";
    return sys.species[static_cast<std::size_t>(sys.type[static_cast<std::size_t>(i)])];
}
inline long id_of(const System& sys, int i) {
    return (i >= 0 && i < static_cast<int>(sys.size())) ? sys.id[static_cast<std::size_t>(i)] : -1L;
}

// One spec per replica. All replicas must share one potential (an MTP, or the Born/DSF pair potential):
// the engine evaluates one model for the whole batch.
inline std::vector<BatchReplicaSpec> make_specs(std::vector<std::unique_ptr<Replica>>& reps, const MtpPotential*& mtp,
                                                const BornCoulDsfPotential*& born, const std::string& device) {
    std::vector<BatchReplicaSpec> specs;
    mtp = nullptr;
    born = nullptr;
    for (auto& rp : reps) {
        Replica& rep = *rp;
        const auto* m = dynamic_cast<const MtpPotential*>(rep.potential.get());
        const auto* b = dynamic_cast<const BornCoulDsfPotential*>(rep.potential.get());
        if (!m && !b)
            throw Error("--device " + device + ": " + rep.label() + " uses [potential] kind = \"" +
                        (rep.potential ? rep.potential->name() : std::string("?")) +
                        "\", which has no GPU kernel (use --device cpu)");
        if (m && mtp && (m->model().source != mtp->model().source || m->species_map() != mtp->species_map()))
            throw Error("--device " + device + ": all replicas must share one MTP and species mapping");
        if ((m && born) || (b && mtp)) throw Error("--device " + device + ": all replicas must use the same potential");
        if (m) mtp = m;
        if (b) born = b;
        BatchReplicaSpec s;
        s.sys = &rep.sys;
        if (m) {
            for (int t : rep.sys.type) {
                if (t < 0 || t >= static_cast<int>(m->species_map().size()))
                    throw Error("--device " + device + ": " + rep.label() + " has an atom of species index " +
                                std::to_string(t) + " that the MTP's [potential].elements do not map");
                s.mtp_type.push_back(m->species_map()[static_cast<std::size_t>(t)]);
            }
        } else {
            const BornCoulDsfParams& bp = b->params();
            for (int t : rep.sys.type)
                if (t < 0 || t >= bp.nspecies) throw Error("--device " + device + ": atom type out of range for born-coul-dsf");
            if (bp.coulomb) {
                if (!bp.species_charge.empty()) {
                    for (int t : rep.sys.type) s.charge.push_back(bp.species_charge[static_cast<std::size_t>(t)]);
                } else if (rep.sys.charge.size() == rep.sys.size()) {
                    s.charge = rep.sys.charge;
                } else {
                    throw Error("--device " + device + ": " + rep.label() +
                                " has no charges (give [potential].charges or a LAMMPS data file with charges)");
                }
            }
        }
        s.params = rep.params;
        s.list_cutoff = neighbor_list_cutoff(*rep.potential, rep.params.skin);
        s.potential_cutoff = rep.potential->cutoff();
        s.max_displacement = rep.md.max_displacement;
        s.stop_on_close_pairs = rep.md.stop_on_close_pairs;
        specs.push_back(std::move(s));
    }
    if (born) {
        for (auto& rp : reps) {
            const auto* b = dynamic_cast<const BornCoulDsfPotential*>(rp->potential.get());
            const BornCoulDsfParams &x = b->params(), &y = born->params();
            bool same = x.cutoff == y.cutoff && x.alpha == y.alpha && x.coulomb == y.coulomb && x.nspecies == y.nspecies &&
                        x.pair.size() == y.pair.size();
            for (std::size_t k = 0; same && k < x.pair.size(); ++k)
                same = x.pair[k].A == y.pair[k].A && x.pair[k].rho == y.pair[k].rho && x.pair[k].sigma == y.pair[k].sigma &&
                       x.pair[k].C == y.pair[k].C && x.pair[k].D == y.pair[k].D;
            if (!same) throw Error("--device " + device + ": all replicas must share one born-coul-dsf parameter set");
        }
    }
    return specs;
}

template <class Exec, template <class> class Buf>
class BatchBackend : public Backend {
    using Engine = BatchEngine<Exec, Buf>;

public:
    // `name` is what name() reports ("cuda"); `device` describes the hardware for run.log.
    BatchBackend(std::vector<std::unique_ptr<Replica>>& replicas, std::string name, std::string device)
        : reps_(replicas), name_(std::move(name)), device_(std::move(device)) {
        const MtpPotential* mtp = nullptr;
        const BornCoulDsfPotential* born = nullptr;
        std::vector<BatchReplicaSpec> specs = make_specs(reps_, mtp, born, name_);
        BatchOptions opt;
        opt.mtp_kernel = reps_.empty() ? std::string("thread") : reps_[0]->gpu_mtp_kernel;
        if (mtp) engine_ = std::make_unique<Engine>(exec_, mtp->tables(), std::move(specs), opt);
        else engine_ = std::make_unique<Engine>(exec_, born->params(), std::move(specs));
        pot_ = mtp ? static_cast<const Potential*>(mtp) : born;
    }
    std::string name() const override { return name_; }
    // The batch engine, read-only (benchmarks/bench_batch_memory.cpp reports its buffers).
    const Engine& engine() const { return *engine_; }
    std::string describe() const override {
        return name_ + " (" + device_ + "; " + std::to_string(engine_->replicas()) + " replicas, " +
               std::to_string(engine_->atoms()) + " atoms batched, " + std::to_string(engine_->capacity()) +
               " neighbour slots/atom, " + mtp_kernel_note() + std::to_string(engine_->mtp_chunks()) + " MTP chunk(s), " +
               batch_fmt(static_cast<double>(engine_->device_bytes()) / (1024.0 * 1024.0), "%.1f") + " MiB)";
    }

    std::string mtp_kernel_note() const {
        if (engine_->is_born()) return "";
        if (engine_->mtp_kernel() != "warp") return "MTP kernel thread, ";
        return "MTP kernel warp (" + batch_fmt(static_cast<double>(engine_->warp_block_bytes()) / 1024.0, "%.1f") + " KiB per atom in " +
               (engine_->warp_in_shared() ? "shared" : "global") + " memory), ";
    }

    SafetyStop setup() override {
        cache_valid_ = false;
        for (auto& a : ana_)
            if (a) a->invalidate();
        engine_->setup();
        obs_ = engine_->observe();
        SafetyStop stop;
        for (std::size_t r = 0; r < reps_.size() && !stop.stopped; ++r) {
            const ReplicaStatus& st = obs_[r].status;
            Replica& rep = *reps_[r];
            if (st.close_pairs > 0) {
                rep.counters.close_pair_steps += 1;
                rep.counters.close_pairs_total += st.close_pairs;
                const double cr = hd_bits_to_double(st.close_r_bits);
                if (rep.counters.min_close_r == 0.0 || cr < rep.counters.min_close_r) rep.counters.min_close_r = cr;
            }
            int code = kHaltNone;
            if (!std::isfinite(obs_[r].potential)) code = kHaltNonFinite;
            else if (st.close_pairs > 0 && rep.md.stop_on_close_pairs) code = kHaltClosePairs;
            if (code != kHaltNone) stop = make_stop(static_cast<int>(r), code, 0);
        }
        return stop;
    }
    void load(int r, BinaryReader& in) override {
        flush_analysis();
        cache_valid_ = false;
        // the host AnalysisSet is (re)loaded from the same checkpoint: take it again at the next sample
        if (static_cast<std::size_t>(r) < ana_.size() && ana_[static_cast<std::size_t>(r)]) ana_[static_cast<std::size_t>(r)]->invalidate();
        engine_->load(r, in);
        obs_.clear();
    }
    void save(int r, BinaryWriter& out) override { engine_->save(r, out); }

    SafetyStop advance(long n) override {
        if (!pending_.empty()) return next_pending();  // stops of the same step not yet reported
        flush_analysis();  // the samples taken at this step read the positions before they move
        cache_valid_ = false;
        engine_->advance(n);
        obs_ = engine_->observe();
        check_analysis();  // (after observe(), which waited for the device anyway)
        for (std::size_t r = 0; r < reps_.size(); ++r) {
            const ReplicaStatus& st = obs_[r].status;
            ReplicaCounters& c = reps_[r]->counters;
            c.close_pair_steps += st.close_pair_steps;
            c.close_pairs_total += st.close_pairs_total;
            if (st.min_close_r > 0.0 && (c.min_close_r == 0.0 || st.min_close_r < c.min_close_r)) c.min_close_r = st.min_close_r;
        }
        bool any_close = false;
        for (const auto& o : obs_) any_close = any_close || o.status.close_pair_steps != 0;
        if (any_close) engine_->clear_close_counters();  // (a copy each way only when there is something to clear)
        if (engine_->halted()) {
            // every replica that failed in the halted step, lowest index first (the engine halted at the first)
            for (std::size_t r = 0; r < reps_.size(); ++r) {
                const int code = obs_[r].status.halt_code;
                if (code != kHaltNone && obs_[r].status.retired == 0)
                    queue_stop(make_stop(static_cast<int>(r), code, engine_->step_count()));
            }
            if (pending_.empty())  // (cannot happen: the halt names a failing replica)
                queue_stop(make_stop(engine_->halt_replica(), engine_->halt_reason(), engine_->step_count()));
        }
        return next_pending();
    }
    void retire(int r) override {
        engine_->retire(r);
        cache_valid_ = false;
        obs_.clear();
        std::vector<SafetyStop> keep;
        for (auto& s : pending_)
            if (s.replica != r) keep.push_back(s);
        pending_ = keep;
        if (static_cast<std::size_t>(r) < ana_rec_.size()) ana_rec_[static_cast<std::size_t>(r)].clear();
    }
    SafetyStop pending_stop() override { return next_pending(); }
    long step() const override { return engine_->step_count(); }
    ReplicaObservables observables(int r) const override {
        if (obs_.empty()) const_cast<BatchBackend*>(this)->obs_ = engine_->observe();
        const BatchObservables& b = obs_[static_cast<std::size_t>(r)];
        ReplicaObservables o;
        o.step = b.step;
        o.temperature_K = b.temperature;
        o.kinetic_eV = b.kinetic;
        o.potential_eV = b.potential;
        o.total_eV = b.kinetic + b.potential;
        o.conserved_eV = o.total_eV + b.thermostat;
        // (as the CPU backend: Dynamics::pressure_bar, cell_volume, pressure_tensor_bar, the cell of thermo.csv)
        const Box& box = reps_[static_cast<std::size_t>(r)]->sys.box;
        const double vol = b.npt ? mtk_volume(b.bar.box) : volume(box);
        if (b.npt) o.pressure_bar = mtk_pressure_scalar(b.dof, b.temperature, b.virial, vol);
        else o.pressure_bar = vol > 0.0 ? pressure_bar(b.dof, b.temperature, b.virial.m[0][0] + b.virial.m[1][1] + b.virial.m[2][2], vol) : 0.0;
        o.has_cell = true;
        o.volume_A3 = vol;
        const Mat3& h = box.h;
        const double cell[6] = {h.m[0][0], h.m[1][1], h.m[2][2], h.m[1][0], h.m[2][0], h.m[2][1]};
        const double c2[6] = {b.bar.box.h[0], b.bar.box.h[1], b.bar.box.h[2], b.bar.box.h[5], b.bar.box.h[4], b.bar.box.h[3]};
        for (int k = 0; k < 6; ++k) o.cell[k] = b.npt ? c2[k] : cell[k];
        double t6[6];
        for (int k = 0; k < 6; ++k) t6[k] = b.mvv[k] * kMvv2e;
        mtk_pressure_tensor(t6, b.virial, vol, o.pressure_tensor_bar);
        o.ecouple_eV = b.thermostat;
        o.dof = b.dof;
        o.close_pairs = b.status.close_pairs;
        o.neighbor_rebuilds = static_cast<long>(b.status.rebuilds);
        return o;
    }
    // The run loop asks replica by replica; the first request after a change downloads all replicas at
    // once (3 copies instead of 3 per replica), later ones copy from that host cache.
    void sync_to_host(int r) override {
        if (cache_step_ != engine_->step_count() || !cache_valid_) {
            engine_->download_all(cache_pos_, cache_vel_, cache_force_);
            cache_step_ = engine_->step_count();
            cache_valid_ = true;
        }
        System& sys = reps_[static_cast<std::size_t>(r)]->sys;
        update_cell(r);
        const std::size_t first = static_cast<std::size_t>(engine_->first_atom(r));
        const std::size_t n = static_cast<std::size_t>(engine_->atom_count(r));
        sys.pos.assign(cache_pos_.begin() + first, cache_pos_.begin() + first + n);
        sys.vel.assign(cache_vel_.begin() + first, cache_vel_.begin() + first + n);
        sys.force.assign(cache_force_.begin() + first, cache_force_.begin() + first + n);
    }

    // Analysis samples in device memory (kernels/device_analysis.hpp): positions and velocities are read in
    // place; only hops (the tracked ions' positions) and cna_correlation (all positions) copy data to their
    // host-side trackers. MDRUN_GPU_ANALYSIS=0 in the environment keeps every set on the old host path.
    // A sample is recorded here and run with the samples of the other replicas at the next advance(),
    // sync_analysis() or load(), as one batch whose launches do not depend on the number of replicas
    // (AnaBatcher). The polyanion bond check stays on the device; it is read when advance() ends and in
    // sync_analysis(), and reports the first failing step (earliest replica first) as the host would.
    bool sample_analysis(int r, long step, AnalysisSet& set) override {
        if (!device_analysis_allowed()) return false;
        const std::size_t k = static_cast<std::size_t>(r);
        if (ana_.size() < reps_.size()) ana_.resize(reps_.size());
        if (ana_rec_.size() < reps_.size()) ana_rec_.resize(reps_.size());
        if (!ana_[k]) {
            if (!DeviceAnalysis<Exec, Buf>::supported(set)) return false;
            ana_[k] = std::make_unique<DeviceAnalysis<Exec, Buf>>(exec_, set);
        }
        if (!ana_rec_[k].empty()) flush_analysis();  // (a second sample of this replica before a step)
        if (!ana_[k]->uploaded()) ana_[k]->upload_from(set);
        const std::size_t first = static_cast<std::size_t>(engine_->first_atom(r));
        update_cell(r);  // (NPT: the analyses read the current cell, as on the CPU backend)
        ana_[k]->record_into(&ana_rec_[k]);
        try {
            ana_[k]->sample(step, engine_->device_positions() + first, engine_->device_velocities() + first, reps_[k]->sys.box);
        } catch (...) {
            ana_[k]->record_into(nullptr);
            throw;
        }
        ana_[k]->record_into(nullptr);
        return true;
    }
    void sync_analysis(int r, AnalysisSet& set) override {
        flush_analysis();
        check_analysis();  // a failure becomes a pending stop (pending_stop())
        const std::size_t k = static_cast<std::size_t>(r);
        if (k < ana_.size() && ana_[k] && ana_[k]->uploaded()) ana_[k]->download_into(set);
    }
    // Extrapolation grades on the device (kernels/grade_bodies.hpp): all replicas share one MTP, and the run
    // loop grades them all against one state file, so the active set is copied to the device once.
    void attach_grades(int r, const GradeSet& set, long every) override {
        (void)r;
        (void)every;  // (grading reads the state after the step: nothing to prepare per step)
        if (engine_->is_born()) throw Error("--device " + name_ + ": extrapolation grades need an MTP potential");
        if (!grade_set_) {
            engine_->upload_grades(set);
            grade_set_ = &set;
        } else if (grade_set_ != &set && !(grade_set_->maxvol().invA_T == set.maxvol().invA_T &&
                                           grade_set_->weights().site == set.weights().site &&
                                           grade_set_->weights().energy == set.weights().energy)) {
            throw Error("--device " + name_ + ": all replicas must be graded against one active set");
        }
    }
    bool grade(int r, const GradeSet& set, ConfigGrades& out) override {
        if (!grade_set_ || (&set != grade_set_ && set.maxvol().invA_T != grade_set_->maxvol().invA_T)) return false;
        engine_->grade(r, out.site, out.energy);
        out.max = 0.0;
        for (double g : out.site) out.max = std::max(out.max, g);
        if (out.energy >= 0.0) out.max = std::max(out.max, out.energy);
        ++device_grades_;
        return true;
    }
    long device_grades() const { return device_grades_; }  // grades computed on the device (tests)
    long analysis_launches() const { return analysis_launches_; }  // kernel launches of the analysis batches (tests)

private:
    // NPT replicas: the replica's System carries the current cell (trajectories, final structures, analyses
    // read it there), as the CPU backend's Dynamics keeps sys.box = the barostat's cell.
    void update_cell(int r) {
        if (obs_.empty()) obs_ = engine_->observe();
        const BatchObservables& o = obs_[static_cast<std::size_t>(r)];
        if (o.npt) reps_[static_cast<std::size_t>(r)]->sys.box = make_box(mtk_lattice_rows(o.bar.box));
    }
    // Runs the recorded samples of all replicas (see sample_analysis).
    void flush_analysis() {
        std::vector<const std::vector<AnaLaunchRec>*> recs;
        for (const auto& rec : ana_rec_)
            if (!rec.empty()) recs.push_back(&rec);
        if (recs.empty()) return;
        const long before = exec_.launches;
        batcher_.run(exec_, recs);
        analysis_launches_ += exec_.launches - before;
        for (auto& rec : ana_rec_) rec.clear();
        for (auto& a : ana_)
            if (a && a->host_pending()) a->finish_host();  // (the first one waits for the batch)
    }
    // Queues a stop, with the host's message, for each replica whose polyanion bond check failed in a sample
    // (earliest failing step first). The replica is past that step by now (the check is read when a chunk
    // ends): the reason names the sample's step, the post-mortem shows the state at the chunk's end.
    void check_analysis() {
        std::vector<std::pair<long, SafetyStop>> found;  // (failing sample step, stop)
        for (std::size_t k = 0; k < ana_.size(); ++k) {
            if (!ana_[k] || !ana_[k]->uploaded() || engine_->retired(static_cast<int>(k))) continue;
            const auto f = ana_[k]->bond_failure();
            if (f.first < 0) continue;
            bool queued = false;
            for (const auto& p : pending_) queued = queued || p.replica == static_cast<int>(k);
            if (queued) continue;
            SafetyStop st;
            st.stopped = true;
            st.replica = static_cast<int>(k);
            st.step = engine_->step_count();
            st.reason = std::string(ana_[k]->bond_error(f.first, f.second).what()) + " (replica " +
                        (reps_[k]->name.empty() ? std::to_string(k + 1) : "'" + reps_[k]->name + "'") +
                        "; detected on the device at step " + std::to_string(engine_->step_count()) + ")";
            found.emplace_back(f.first, st);
        }
        std::stable_sort(found.begin(), found.end(),
                         [](const std::pair<long, SafetyStop>& a, const std::pair<long, SafetyStop>& b) { return a.first < b.first; });
        for (auto& f : found) queue_stop(f.second);
    }
    void queue_stop(const SafetyStop& s) {
        for (const auto& p : pending_)
            if (p.replica == s.replica) return;
        pending_.push_back(s);
    }
    SafetyStop next_pending() {
        if (pending_.empty()) return SafetyStop{};
        SafetyStop s = pending_.front();
        pending_.erase(pending_.begin());
        return s;
    }

    static bool device_analysis_allowed() {
        const char* e = std::getenv("MDRUN_GPU_ANALYSIS");
        return !(e && e[0] == '0');
    }

    // The message of a device-side halt, in the CPU backend's words (engine/md/backend_cpu.cpp).
    SafetyStop make_stop(int r, int code, long step) {
        Replica& rep = *reps_[static_cast<std::size_t>(r)];
        engine_->download(r, rep.sys);
        if (obs_.empty()) obs_ = engine_->observe();
        const BatchObservables& o = obs_[static_cast<std::size_t>(r)];
        const System& sys = rep.sys;
        const int first = engine_->first_atom(r);
        SafetyStop stop;
        stop.stopped = true;
        stop.replica = r;
        stop.step = step;
        const std::string who = rep.name.empty() ? std::string() : " in replica '" + rep.name + "'";
        std::string why;
        if (code == kHaltNonFinite) {
            std::string ids;
            int shown = 0;
            for (std::size_t i = 0; i < sys.size() && shown < 10; ++i) {
                const Vec3 f = sys.force[i], x = sys.pos[i];
                if (!std::isfinite(f.x + f.y + f.z) || !std::isfinite(x.x + x.y + x.z)) {
                    ids += (ids.empty() ? "" : ", ") + std::to_string(sys.id[i]);
                    ++shown;
                }
            }
            why = "the potential energy is " + batch_fmt(o.potential) + " (not finite)" +
                  (ids.empty() ? std::string() : "; atoms with non-finite force or position: ids " + ids);
        } else if (code == kHaltDisplacement) {
            const int a = o.status.disp_atom == 0x7fffffff ? -1 : o.status.disp_atom - first;
            why = "atom id " + std::to_string(id_of(sys, a)) + " (" + element_of(sys, a) + ") moved " +
                  batch_fmt(std::sqrt(hd_bits_to_double(o.status.disp2_bits))) + " Å in one step (limit [md].max_displacement = " +
                  batch_fmt(rep.md.max_displacement) + " Å); the time step is too large or the potential is unstable";
        } else if (code == kHaltClosePairs) {
            const int a = o.status.close_atom == 0x7fffffff ? -1 : o.status.close_atom - first;
            // the partner: the nearest image of any atom (host search, only on this error path)
            int b = -1;
            double best = 1e300;
            if (a >= 0) {
                for (std::size_t j = 0; j < sys.size(); ++j) {
                    const Vec3 d = minimum_image(sys.box, sys.pos[j] - sys.pos[static_cast<std::size_t>(a)]);
                    const double dd = norm(d);
                    if ((static_cast<int>(j) != a || dd > 0.0) && dd < best) {
                        best = dd;
                        b = static_cast<int>(j);
                    }
                }
            }
            why = std::to_string(o.status.close_pairs) + " pair(s) closer than the potential's min_dist " +
                  batch_fmt(pot_->min_trusted_distance()) + " Å, e.g. atoms ids " + std::to_string(id_of(sys, a)) + " (" + element_of(sys, a) +
                  ") and " + std::to_string(id_of(sys, b)) + " (" + element_of(sys, b) + ") at " + batch_fmt(hd_bits_to_double(o.status.close_r_bits)) +
                  " Å: the potential extrapolates there and may be unphysical "
                  "(set [md].stop_on_close_pairs = false to only count them)";
        } else if (code == kHaltCellTilt) {  // (the CPU backend's words, engine/md/dynamics_npt.cpp npt_remap)
            why = "NPT: a tilt grew beyond " + batch_fmt(kMtkTiltMax) +
                  " cell lengths in one step; the cell is far from equilibrium (use a larger pdamp_fs or start "
                  "closer to the target pressure)";
        } else {
            why = "device halt code " + std::to_string(code);
        }
        stop.reason = "step " + std::to_string(step) + who + ": " + why;
        return stop;
    }

    std::vector<std::unique_ptr<Replica>>& reps_;
    std::string name_, device_;
    Exec exec_;
    std::unique_ptr<Engine> engine_;
    const Potential* pot_ = nullptr;
    std::vector<BatchObservables> obs_;
    std::vector<Vec3> cache_pos_, cache_vel_, cache_force_;
    long cache_step_ = -1;
    bool cache_valid_ = false;
    std::vector<std::unique_ptr<DeviceAnalysis<Exec, Buf>>> ana_;  // per replica (null: host path)
    std::vector<std::vector<AnaLaunchRec>> ana_rec_;                 // per replica: the recorded sample
    AnaBatcher<Exec, Buf> batcher_;
    std::vector<SafetyStop> pending_;  // stops found but not yet reported (advance(), pending_stop())
    long analysis_launches_ = 0;
    const GradeSet* grade_set_ = nullptr;  // the active set on the device (attach_grades)
    long device_grades_ = 0;
};

}  // namespace batch_backend_detail

using batch_backend_detail::BatchBackend;

}  // namespace mdrun
