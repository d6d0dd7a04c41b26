// The narrow interface between the run loop and the code that advances the equations of motion.
// A backend advances ALL replicas together by n steps (the GPU backend batches them in one launch) and
// exposes, per replica, the observables and state the run loop needs for output. The host touches a
// replica's System only after sync_to_host(r), so a GPU backend may keep the state on the device between
// outputs. The run loop never sees Dynamics or kernels directly.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "engine/core/binary_io.hpp"
#include "engine/core/error.hpp"
#include "engine/md/replica.hpp"

namespace mdrun {

class GradeSet;        // potentials/mtp_grade.hpp
struct ConfigGrades;

// Thermodynamic state of one replica after the last completed step (LAMMPS thermo conventions).
struct ReplicaObservables {
    long step = 0;
    double temperature_K = 0.0;   // mobile atoms, with dof
    double kinetic_eV = 0.0;
    double potential_eV = 0.0;
    double total_eV = 0.0;
    double conserved_eV = 0.0;    // total + thermostat energy (LAMMPS econserve)
    double pressure_bar = 0.0;
    double dof = 0.0;
    long close_pairs = 0;         // pairs closer than the potential's min_dist at this step
    long neighbor_rebuilds = 0;   // since step 0 of the run (restored from checkpoints)
    // NPT only (has_cell): the cell and the pressure tensor, LAMMPS thermo vol lx ly lz xy xz yz pxx .. pyz.
    bool has_cell = false;
    double volume_A3 = 0.0;
    double cell[6] = {0, 0, 0, 0, 0, 0};         // lx, ly, lz, xy, xz, yz (Å)
    double pressure_tensor_bar[6] = {0, 0, 0, 0, 0, 0};  // xx, yy, zz, xy, xz, yz
    double ecouple_eV = 0.0;                     // chains + barostat (conserved = total + ecouple)
    int stage = 0;                               // set by the run loop: 1-based [[stage]] index (0 = no stages)
};

// Why advance() stopped before completing its steps (a safety check failed). The replica's state is
// the offending one (for the post-mortem snapshot).
struct SafetyStop {
    bool stopped = false;
    int replica = -1;
    long step = 0;
    std::string reason;  // full message naming the step, the atom ids and the values
};

class Backend {
public:
    virtual ~Backend() = default;
    virtual std::string name() const = 0;     // "cpu", "cuda"
    virtual std::string describe() const = 0; // for run.log (threads, device)

    // Fresh start: degrees of freedom, neighbour lists, forces and thermostats at step 0.
    virtual SafetyStop setup() = 0;  // also checks the step-0 state (close pairs, NaN)
    // Restart: restores replica r from a checkpoint section written by save(r) (instead of setup()).
    virtual void load(int r, BinaryReader& in) = 0;
    virtual void save(int r, BinaryWriter& out) = 0;

    // Advances every replica by n >= 1 steps. After each step it checks NaN energies, displacements above
    // replica.md.max_displacement and (when md.stop_on_close_pairs) close pairs, updating the replicas' counters; it returns at
    // the first failing step with stopped = true. That step is completed for every other replica (all stay at
    // one step count); the stop named is the lowest-index failing replica, and other replicas that failed in
    // the same step are reported by the following calls, which then advance nothing (check step()).
    virtual SafetyStop advance(long n) = 0;

    // Replica r stopped on its own (safety stop, broken polyanion, melted framework; engine/run/replica_stop.hpp):
    // from now on advance() leaves it where it is and reports nothing more for it; the others go on. Its state
    // stays readable (sync_to_host, save) as it was when it stopped.
    virtual void retire(int r) = 0;
    // A stop found outside advance() (the batched backend reads its device-side analysis checks when the
    // accumulators are synchronised); none by default.
    virtual SafetyStop pending_stop() { return SafetyStop{}; }

    virtual long step() const = 0;  // steps completed (same for all replicas)
    virtual ReplicaObservables observables(int r) const = 0;
    // Makes replicas[r]->sys (pos, vel, force) current on the host.
    virtual void sync_to_host(int r) = 0;

    // Streaming analysis on the backend's side. sample_analysis() takes replica r's sample at `step` into
    // the backend's own copy of `set`'s accumulators (the batched GPU backend keeps them in device memory,
    // so a sample copies no positions to the host) and returns true; false means "not handled here": the
    // caller syncs the replica and calls set.sample(). sync_analysis() brings `set` up to date with that
    // copy; the run loop calls it before results or checkpoints are written. The CPU backend keeps the
    // defaults (everything on the host).
    virtual bool sample_analysis(int r, long step, AnalysisSet& set) {
        (void)r;
        (void)step;
        (void)set;
        return false;
    }
    virtual void sync_analysis(int r, AnalysisSet& set) {
        (void)r;
        (void)set;
    }

    // Extrapolation grades ([extrapolation], engine/run/extrapolation.hpp). attach_grades: replica r is graded
    // against `set` (which outlives the backend's use of it) at every step that is a multiple of `every`; the
    // CPU backend then takes the grade rows from the force pass of those steps, the CUDA backend copies the
    // active set to the device. grade(): the grades of replica r at the current step into `out`; false means
    // "not handled here" (the caller syncs the replica and grades it on the host with set.grade()).
    virtual void attach_grades(int r, const GradeSet& set, long every) {
        (void)r;
        (void)set;
        (void)every;
    }
    virtual bool grade(int r, const GradeSet& set, ConfigGrades& out) {
        (void)r;
        (void)set;
        (void)out;
        return false;
    }

    // Staged protocols (docs/npt.md). begin_stage: replica r continues with new integrator parameters (fresh
    // thermostat/barostat as after LAMMPS' unfix/fix, same step counter); with new_cell, atoms are first scaled
    // into that cell (fractional coordinates kept). average_cell_from / mean_cell: the mean NPT cell over the
    // steps after `step`. Backends without stages keep supports_stages() false.
    virtual bool supports_stages() const { return false; }
    virtual void begin_stage(int r, const DynamicsParams& p, const Mat3* new_cell) {
        (void)r;
        (void)p;
        (void)new_cell;
        throw Error("this backend does not run staged protocols");
    }
    virtual void average_cell_from(int r, long step) {
        (void)r;
        (void)step;
    }
    virtual bool mean_cell(int r, Mat3& rows) const {
        (void)r;
        (void)rows;
        return false;
    }
};

// The OpenMP CPU backend (engine/md/backend_cpu.cpp): one Dynamics per replica.
std::unique_ptr<Backend> make_cpu_backend(std::vector<std::unique_ptr<Replica>>& replicas);

// Optional accelerator backends register themselves here (the CUDA backend does so when it is compiled
// in: call register_backend from a function that main() calls under #ifdef MDRUN_HAVE_CUDA).
struct BackendEntry {
    std::string name;                                   // "cuda"
    bool (*available)(std::string& why_not) = nullptr;  // device present? (why_not filled when not)
    std::unique_ptr<Backend> (*make)(std::vector<std::unique_ptr<Replica>>&) = nullptr;
};
void register_backend(const BackendEntry& entry);
// The registered entry with this name, or nullptr.
const BackendEntry* find_backend(const std::string& name);

// Picks and creates the backend for --device cpu|cuda|auto; throws mdrun::Error when the requested one is
// not compiled in or has no device.
// With "auto", a GPU backend that is registered but cannot take this run (no device, a potential without
// a GPU kernel) falls back to the CPU; `note` (optional) then says why, for run.log.
std::unique_ptr<Backend> make_backend(const std::string& device, std::vector<std::unique_ptr<Replica>>& replicas,
                                      std::string* note = nullptr);

}  // namespace mdrun
