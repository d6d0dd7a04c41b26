// The whole MD step of ALL replicas as a fixed sequence of launches over the per-thread bodies
// (kernels/*_bodies.hpp), written once and instantiated twice: with the CUDA executor and device
// buffers in kernels/backend_cuda.cu, and with the host executor and std::vector buffers in the unit
// tests, which therefore test the exact sequence the GPU runs.
//
// Launches per step do not depend on the number of replicas (one launch covers every atom of every
// replica); the step touches no host memory, so the CUDA executor captures it once into a CUDA Graph.
// The host reads device state only in advance()'s epilogue (one small copy: overflow + halt flags) and
// when output is due (observables, download, save).
#pragma once
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/binary_io.hpp"
#include "engine/core/box.hpp"
#include "engine/md/checkpoint_state_checks.hpp"
#include "engine/md/dynamics.hpp"
#include "engine/core/error.hpp"
#include "engine/md/integrator_math.hpp"
#include "engine/md/neighbor_list.hpp"
#include "engine/core/system.hpp"
#include "kernels/body_functors.hpp"
#include "kernels/mtp_warp_bodies.hpp"
#include "potentials/born_coul_dsf.hpp"
#include "potentials/mtp_grade.hpp"
#include "potentials/mtp_tables.hpp"
#include "potentials/mtp_warp_schedule.hpp"

namespace mdrun {

// What the engine needs to know about one replica.
struct BatchReplicaSpec {
    const System* sys = nullptr;   // initial positions, velocities, masses, types, frozen flags, box
    std::vector<int> mtp_type;     // per atom: MTP species index (MTP engines)
    std::vector<double> charge;    // per atom charge (e) (Born/DSF engines with Coulomb)
    DynamicsParams params;         // ensemble, dt, thermostat, skin
    double list_cutoff = 0.0;      // potential cutoff + skin (+ a hair, as engine/md/dynamics.cpp)
    double potential_cutoff = 0.0; // the potential's cutoff (NPT: the list criterion of Dynamics::npt_neighbors)
    double max_displacement = 1.0; // Å per step
    bool stop_on_close_pairs = true;
};

struct BatchOptions {
    // MTP scratch budget in bytes (0 = the executor's default: half the free device memory on the GPU).
    // Atoms beyond what fits run in several chunks (one launch each).
    std::size_t scratch_bytes = 0;
    int lanes = 0;  // reduction lanes (0 = 1 for replicas up to 4096 atoms, else 64)
    int cap = 0;    // neighbour slots per atom (0 = from the step-0 lists, with head room)
    // MTP force kernel: "thread" (one thread per atom, kernels/mtp_bodies.hpp) or "warp" (one group of
    // warp_lanes lanes per atom, kernels/mtp_warp_bodies.hpp). Both give the same bits.
    std::string mtp_kernel = "thread";
    int warp_lanes = 32;
    // Where the warp kernel keeps its per-atom blocks: "auto" (shared memory when they fit, else global
    // memory), "shared" (an error if they do not fit) or "global" (to measure the two variants).
    std::string warp_memory = "auto";
    int site_cap = 0;  // warp kernel: neighbours inside max_dist per atom (0 = from the step-0 lists, with head room)
};

// Host copy of one replica's thermodynamic state (filled by BatchEngine::observe).
struct BatchObservables {
    long step = 0;
    double potential = 0.0, mv2 = 0.0, dof = 0.0, temperature = 0.0, kinetic = 0.0, thermostat = 0.0;
    Mat3 virial = mat3_zero();
    ReplicaStatus status{};
    NhcState nhc{};
    // NPT replicas: the barostat with the current cell; every replica: Σ m v_a v_b of the mobile atoms
    // (xx, yy, zz, xy, xz, yz, before the mvv2e factor) for the pressure tensor.
    bool npt = false;
    MtkState bar{};
    double mvv[6] = {0, 0, 0, 0, 0, 0};
};

// Cell grid of one replica for a list cutoff (same cell sizes as engine/md/neighbor_list.cpp).
inline ReplicaGrid make_replica_grid(const Box& box, double cutoff, int cell_base) {
    ReplicaGrid g{};
    for (int k = 0; k < 3; ++k) {
        if (box.periodic[k]) {
            const double width = 1.0 / std::sqrt(box.hinv.m[0][k] * box.hinv.m[0][k] + box.hinv.m[1][k] * box.hinv.m[1][k] +
                                                 box.hinv.m[2][k] * box.hinv.m[2][k]);
            int nc = static_cast<int>(std::floor(width / cutoff));
            nc = std::max(1, std::min(nc, 1 << 10));
            g.nc[k] = nc;
            g.reach[k] = static_cast<int>(std::ceil(cutoff / (width / nc)));
        } else {
            g.nc[k] = 1;  // one slab, no images: every atom of the replica is a candidate
            g.reach[k] = 0;
        }
    }
    g.cell_base = cell_base;
    g.ncells = g.nc[0] * g.nc[1] * g.nc[2];
    return g;
}

template <class Exec, template <class> class Buf>
class BatchEngine {
public:
    // An engine for a Moment Tensor Potential.
    BatchEngine(Exec& ex, const MtpTables& tables, std::vector<BatchReplicaSpec> specs, BatchOptions opt = {})
        : ex_(ex), specs_(std::move(specs)), opt_(opt) {
        if (opt_.mtp_kernel != "thread" && opt_.mtp_kernel != "warp")
            throw Error("batch engine: MTP kernel must be \"thread\" or \"warp\", got \"" + opt_.mtp_kernel + "\"");
        if (opt_.warp_lanes < 1 || opt_.warp_lanes > kMtpWarpMaxLanes)
            throw Error("batch engine: warp_lanes must be 1 .. " + std::to_string(kMtpWarpMaxLanes));
        if (opt_.warp_memory != "auto" && opt_.warp_memory != "shared" && opt_.warp_memory != "global")
            throw Error("batch engine: warp_memory must be \"auto\", \"shared\" or \"global\", got \"" + opt_.warp_memory + "\"");
        warp_ = opt_.mtp_kernel == "warp";
        init_layout();
        mtp_ = upload_tables(tables);
        if (warp_) {
            // the warp kernel runs on the same tables with its moments in bank-friendly slots
            const MtpWarpTables wt = build_mtp_warp_tables(tables);
            upload_warp_tables(wt);
            mtp_warp_ = upload_tables(wt.tables);
        }
        init_capacity();
    }
    // An engine for the Born–Mayer–Huggins (+ DSF Coulomb) pair potential.
    BatchEngine(Exec& ex, const BornCoulDsfParams& born, std::vector<BatchReplicaSpec> specs, BatchOptions opt = {})
        : ex_(ex), specs_(std::move(specs)), opt_(opt) {
        born_ = true;
        init_layout();
        upload_born(born);
        init_capacity();
    }

private:
    void init_layout() {
        R_ = static_cast<int>(specs_.size());
        if (R_ == 0) throw Error("batch engine: no replicas");
        std::vector<int> start(R_ + 1, 0);
        for (int r = 0; r < R_; ++r) start[r + 1] = start[r] + static_cast<int>(specs_[r].sys->size());
        N_ = start[R_];
        if (N_ == 0) throw Error("batch engine: no atoms");
        std::vector<int> rep(N_), mtype(N_);
        std::vector<double> mass(N_);
        std::vector<unsigned char> frozen(N_);
        std::vector<Box> box(R_);
        std::vector<ReplicaGrid> grid(R_);
        std::vector<double> dt(R_), cut2(R_), hs2(R_), maxd(R_), dof(R_);
        std::vector<int> nvt(R_), stopc(R_), cell_rep, npt(R_);
        std::vector<double> lcut(R_), rc(R_), outer(R_);
        int cells = 0, max_atoms = 0;
        for (int r = 0; r < R_; ++r) {
            const BatchReplicaSpec& s = specs_[r];
            const System& sys = *s.sys;
            if (s.params.ensemble == "npt") {
                const Mat3& h = sys.box.h;
                if (h.m[0][1] != 0.0 || h.m[0][2] != 0.0 || h.m[1][2] != 0.0)
                    throw Error("the GPU backend runs NPT in LAMMPS' cell orientation only (a along x, b in the xy plane: "
                                "lattice rows with zeros above the diagonal); this cell needs the rotation the CPU backend "
                                "does: rotate the structure first or use --device cpu");
                MtkState check{};
                npt_init_barostat(check, s.params, sys.box, static_cast<double>(sys.size()));  // (throws for bad keys)
                if (!(s.potential_cutoff > 0.0)) throw Error("batch engine: NPT needs the potential's cutoff");
            }
            if (!born_ && s.mtp_type.size() != sys.size()) throw Error("batch engine: mtp_type size differs from the atom count");
            if (born_ && !s.charge.empty() && s.charge.size() != sys.size())
                throw Error("batch engine: charge size differs from the atom count");
            max_atoms = std::max(max_atoms, static_cast<int>(sys.size()));
            for (std::size_t a = 0; a < sys.size(); ++a) {
                const int i = start[r] + static_cast<int>(a);
                rep[i] = r;
                mtype[i] = born_ ? sys.type[a] : s.mtp_type[a];
                mass[i] = sys.mass[a];
                frozen[i] = (!sys.frozen.empty() && sys.frozen[a]) ? 1 : 0;
            }
            box[r] = sys.box;
            grid[r] = make_replica_grid(sys.box, s.list_cutoff, cells);
            cells += grid[r].ncells;
            for (int c = 0; c < grid[r].ncells; ++c) cell_rep.push_back(r);
            dt[r] = s.params.dt_ps;
            cut2[r] = s.list_cutoff * s.list_cutoff;
            hs2[r] = 0.25 * s.params.skin * s.params.skin;
            maxd[r] = s.max_displacement;
            dof[r] = degrees_of_freedom(sys);
            npt[r] = s.params.ensemble == "npt" ? 1 : 0;
            nvt[r] = (s.params.ensemble == "nvt" || npt[r]) ? 1 : 0;  // (NPT: the particle chain as well)
            any_npt_ = any_npt_ || npt[r] != 0;
            lcut[r] = s.list_cutoff;
            rc[r] = s.potential_cutoff;
            outer[r] = s.potential_cutoff + std::max(s.params.skin, 0.0);
            stopc[r] = s.stop_on_close_pairs ? 1 : 0;
        }
        total_cells_ = cells;
        lanes_ = opt_.lanes > 0 ? opt_.lanes : (max_atoms <= 4096 ? 1 : 64);
        atom_start_h_ = start;
        dof_h_ = dof;
        atom_start_.upload(start);
        rep_.upload(rep);
        mtp_type_.upload(mtype);
        mass_.upload(mass);
        frozen_.upload(frozen);
        box_.upload(box);
        grid_.upload(grid);
        cell_rep_.upload(cell_rep);
        dt_.upload(dt);
        list_cut2_.upload(cut2);
        half_skin2_.upload(hs2);
        max_disp_.upload(maxd);
        dof_.upload(dof);
        nvt_.upload(nvt);
        stop_close_.upload(stopc);
        npt_.upload(npt);
        list_cut_.upload(lcut);
        npt_rc_.upload(rc);
        npt_outer_.upload(outer);
        for (auto* b : {&bar_, &snap_bar_}) b->resize(R_);
        for (auto* b : {&nl_box_, &old_box_, &snap_nl_box_}) b->resize(R_);
        vfac_.resize(R_);
        npt_lim2_.resize(R_);
        npt_avg_h_.assign(R_, NptAverage{});
        for (auto* b : {&cell_count_, &cell_start_, &cell_fill_}) b->resize(cells);
        cell_atoms_.resize(N_);
        atom_cell_.resize(N_);
        atom_wrap_.resize(3 * static_cast<std::size_t>(N_));
        for (auto* b : {&pos_, &vel_, &force_, &wrapped_, &pos_at_build_}) b->resize(N_);
        disp2_.resize(N_);
        nhc_.resize(R_);
        scale_.resize(R_);
        status_.resize(R_);
        halt_.resize(3);
        step_.resize(1);
        nb_overflow_.resize(4);
        cols_.resize(static_cast<std::size_t>(kColCount) * N_);
        partials_.resize(static_cast<std::size_t>(R_) * kColCount * lanes_);
        sums_.resize(static_cast<std::size_t>(R_) * kColCount);
        reset_control();
    }

    // Device memory comes uninitialised (cudaMalloc): the words every kernel reads before any kernel
    // writes them (halt flag, per-replica status, step counter, list health, thermostat chains) get
    // defined values at construction, so that a run that starts with load() (--restart) instead of setup()
    // begins from the same state as a fresh one.
    void reset_control() {
        halt_.upload(std::vector<int>(3, 0));
        halt_h_.assign(3, 0);
        status_.upload(std::vector<ReplicaStatus>(static_cast<std::size_t>(R_), ReplicaStatus{}));
        step_.upload(std::vector<long long>(1, 0));
        nb_overflow_.upload(list_health_clear());
        nhc_.upload(std::vector<NhcState>(static_cast<std::size_t>(R_), NhcState{}));
        bar_.upload(std::vector<MtkState>(static_cast<std::size_t>(R_), MtkState{}));
        nl_box_.upload(std::vector<MtkBox>(static_cast<std::size_t>(R_), MtkBox{}));
        old_box_.upload(std::vector<MtkBox>(static_cast<std::size_t>(R_), MtkBox{}));
        vfac_.upload(std::vector<MtkVelocityFactors>(static_cast<std::size_t>(R_), MtkVelocityFactors{}));
        npt_lim2_.upload(std::vector<double>(static_cast<std::size_t>(R_), 0.0));
    }
    // [0] longest row beyond the capacity, [1] slots without their mirror, [2] first such atom, [3] largest
    // site beyond the warp kernel's site capacity.
    static std::vector<int> list_health_clear() { return {0, 0, INT_MAX, 0}; }
    // Stops like the CPU list (engine/md/neighbor_list.cpp) when a rebuilt list is not symmetric.
    void check_symmetric(const std::vector<int>& health) const {
        if (health[1] == 0) return;
        const int atom = health[2];
        int r = 0;
        while (r + 1 < R_ && atom_start_h_[r + 1] <= atom) ++r;
        throw Error("internal error: neighbour list is not symmetric (" + std::to_string(health[1]) +
                    " pair slot(s) without their mirror, first at atom " + std::to_string(atom - atom_start_h_[r]) +
                    " of replica " + std::to_string(r) +
                    "): a pair lies at the list cutoff within rounding; change [md].neighbor_skin slightly");
    }

    void init_capacity() {
        // Capacity of the neighbour rows from the step-0 lists (CPU build, once), with head room for
        // density fluctuations; advance() grows it and redoes the steps if a row ever overflows.
        int cap = opt_.cap;
        int longest_site = 0;  // neighbours inside max_dist (warp kernel)
        if (cap <= 0 || (warp_ && opt_.site_cap <= 0)) {
            int longest = 0;
            for (int r = 0; r < R_; ++r) {
                // Replicas usually start from the same structure: replicas identical to the first one (box,
                // positions, cutoff) have its rows, so its list is built once.
                if (r > 0) {
                    const System &x = *specs_[r].sys, &y = *specs_[0].sys;
                    if (x.pos.size() == y.pos.size() && specs_[r].list_cutoff == specs_[0].list_cutoff &&
                        std::memcmp(&x.box.h, &y.box.h, sizeof(Mat3)) == 0 &&
                        std::memcmp(x.pos.data(), y.pos.data(), x.pos.size() * sizeof(Vec3)) == 0)
                        continue;
                }
                NeighborList nl;
                build_neighbor_list(specs_[r].sys->box, specs_[r].sys->pos, specs_[r].list_cutoff, nl);
                for (std::size_t i = 0; i < nl.size(); ++i) longest = std::max(longest, nl.offset[i + 1] - nl.offset[i]);
                if (warp_) {
                    const std::vector<Vec3>& x = specs_[r].sys->pos;
                    for (std::size_t i = 0; i < nl.size(); ++i) {
                        int n = 0;
                        for (int s = nl.offset[i]; s < nl.offset[i + 1]; ++s) {
                            const Vec3 d = x[nl.j[s]] + slot_shift(nl, static_cast<std::size_t>(s)) - x[i];
                            n += sqrt(norm2(d)) < mtp_.max_dist ? 1 : 0;
                        }
                        longest_site = std::max(longest_site, n);
                    }
                }
            }
            if (cap <= 0) cap = longest + longest / 4 + 8;
        }
        site_cap_ = opt_.site_cap > 0 ? opt_.site_cap : longest_site + longest_site / 4 + 8;
        set_capacity(cap);
    }

public:
    int replicas() const { return R_; }
    int atoms() const { return N_; }
    int capacity() const { return cap_; }
    int lanes() const { return lanes_; }
    int mtp_chunks() const { return born_ ? 0 : (N_ + chunk_ - 1) / chunk_; }
    // "thread" or "warp" (the MTP force kernel in use); for "warp": whether its per-atom blocks are in
    // shared memory (else in global scratch) and their size in bytes.
    const std::string& mtp_kernel() const { return opt_.mtp_kernel; }
    bool warp_in_shared() const { return warp_shared_; }
    std::size_t warp_block_bytes() const { return static_cast<std::size_t>(warp_block_) * sizeof(double); }
    int site_capacity() const { return scap_; }
    bool is_born() const { return born_; }
    long step_count() const { return step_h_; }
    int first_atom(int r) const { return atom_start_h_[r]; }
    int atom_count(int r) const { return atom_start_h_[r + 1] - atom_start_h_[r]; }
    double dof(int r) const { return dof_h_[r]; }
    bool halted() const { return halt_h_[0] != 0; }
    int halt_replica() const { return halt_h_[1]; }
    int halt_reason() const { return halt_h_[2]; }
    long grow_count() const { return grows_; }
    // Device pointers to every replica's positions and velocities (replica r starts at first_atom(r)), for
    // kernels that read the state in place (kernels/device_analysis.hpp). Valid until the engine is destroyed.
    const Vec3* device_positions() const { return pos_.data(); }
    const Vec3* device_velocities() const { return vel_.data(); }

    // Bytes of memory the engine's buffers hold (device memory for the CUDA backend).
    std::size_t device_bytes() const {
        std::size_t s = table_bytes_;
        s += atom_start_.bytes() + rep_.bytes() + mtp_type_.bytes() + cell_rep_.bytes() + nvt_.bytes() + stop_close_.bytes();
        s += mass_.bytes() + dt_.bytes() + list_cut2_.bytes() + half_skin2_.bytes() + max_disp_.bytes() + dof_.bytes();
        s += frozen_.bytes() + box_.bytes() + grid_.bytes();
        s += pos_.bytes() + vel_.bytes() + force_.bytes() + wrapped_.bytes() + pos_at_build_.bytes() + nb_shift_.bytes();
        s += disp2_.bytes() + scale_.bytes() + cols_.bytes() + partials_.bytes() + sums_.bytes() + dx_.bytes() + dy_.bytes() +
             dz_.bytes() + scratch_.bytes();
        s += nhc_.bytes() + status_.bytes() + halt_.bytes() + nb_overflow_.bytes() + cell_count_.bytes() + cell_start_.bytes() +
             cell_fill_.bytes() + cell_atoms_.bytes() + atom_cell_.bytes() + atom_wrap_.bytes();
        s += nb_count_.bytes() + nb_j_.bytes() + nb_img_.bytes() + nb_reverse_.bytes() + iscratch_.bytes() + step_.bytes();
        s += born_coeffs_.bytes() + charge_.bytes() + born_rc2_.bytes() + own_evdwl_.bytes() + own_ecoul_.bytes() +
             slot_force_.bytes() + own_force_.bytes();
        s += snap_pos_.bytes() + snap_vel_.bytes() + snap_force_.bytes() + snap_build_.bytes() + snap_nhc_.bytes() +
             snap_status_.bytes() + snap_step_.bytes() + snap_halt_.bytes() + snap_cols_.bytes();
        s += npt_.bytes() + list_cut_.bytes() + npt_rc_.bytes() + npt_outer_.bytes() + npt_lim2_.bytes() + snap_sums_.bytes() +
             bar_.bytes() + snap_bar_.bytes() + nl_box_.bytes() + old_box_.bytes() + snap_nl_box_.bytes() + vfac_.bytes();
        s += g_col_start_.bytes() + g_cols_.bytes() + g_k_start_.bytes() + g_K_.bytes() + g_invA_T_.bytes() + g_rows_.bytes() +
             g_absc_.bytes() + g_site_.bytes() + g_erow_.bytes() + g_eabs_.bytes() + g_scratch_.bytes() + g_iscratch_.bytes();
        return s;
    }

    // Of device_bytes(): the MTP force kernel's scratch, the one part sized by the executor's budget (chunks
    // of atoms) rather than by the system.
    std::size_t scratch_device_bytes() const { return scratch_.bytes() + iscratch_.bytes(); }

    // Fresh start from the specs' systems: lists, forces, thermostats (as Dynamics::setup).
    void setup() {
        std::vector<Vec3> pos(N_), vel(N_);
        std::vector<NhcState> nhc(R_);
        std::vector<MtkState> bar(R_);
        std::vector<MtkBox> nl_box(R_);
        for (int r = 0; r < R_; ++r) {
            const System& sys = *specs_[r].sys;
            for (std::size_t a = 0; a < sys.size(); ++a) {
                const int i = atom_start_h_[r] + static_cast<int>(a);
                const bool fr = !sys.frozen.empty() && sys.frozen[a];
                pos[i] = sys.pos[a];
                vel[i] = (fr || sys.vel.size() != sys.size()) ? Vec3{0, 0, 0} : sys.vel[a];
            }
            // Initial temperature in the CPU's plain atom order, so the chain starts bit-identically.
            double s = 0.0;
            for (std::size_t a = 0; a < sys.size(); ++a) {
                const int i = atom_start_h_[r] + static_cast<int>(a);
                if (!(!sys.frozen.empty() && sys.frozen[a])) s += mv2(vel[i], sys.mass[a]);
            }
            const DynamicsParams& p = specs_[r].params;
            if (p.ensemble == "nvt" || p.ensemble == "npt")
                nhc_init(nhc[r], p.chain, p.tloop, p.temperature_K, p.tdamp_ps, dof_h_[r], temperature_from_mv2(s, dof_h_[r]));
            if (p.ensemble == "npt") {  // Dynamics::npt_setup: the barostat, and the list is in this cell
                npt_init_barostat(bar[r], p, sys.box, static_cast<double>(sys.size()));
                nl_box[r] = bar[r].box;
            }
        }
        bar_.upload(bar);
        nl_box_.upload(nl_box);
        npt_avg_h_.assign(R_, NptAverage{});
        pos_.upload(pos);
        vel_.upload(vel);
        pos_at_build_.upload(pos);
        nhc_.upload(nhc);
        std::vector<long long> zero_step(1, 0);
        step_.upload(zero_step);
        build_lists_and_forces(true);
        step_h_ = 0;
    }

    // Advances every replica by n steps (fewer when a safety check halts the batch).
    void advance(long n) {
        if (n <= 0) return;
        if (needs_forces_) build_lists_and_forces(false);
        snapshot();
        for (;;) {
            ex_.run_steps(n, [this] { launch_step(); });
            ex_.sync();
            std::vector<int> of;
            nb_overflow_.download(of);
            if (of[0] == 0 && of[3] == 0) {
                check_symmetric(of);
                break;
            }
            if (of[0] == 0) {  // a site outgrew the warp kernel's site capacity: go back, grow it, redo
                restore();
                grow_site_capacity(of[3]);
                build_lists_and_forces(false, /*keep_forces=*/true);
                continue;
            }
            // A row outgrew its capacity somewhere in these steps: go back, grow, redo (identical result:
            // the restored list is rebuilt from the same positions).
            restore();
            set_capacity(of[0] + of[0] / 4 + 8);
            ++grows_;
            build_lists_and_forces(false, /*keep_forces=*/true);
        }
        read_control();
    }

    // Replica r stopped on its own (the run loop wrote its post-mortem): from now on every body skips it, so
    // its state stays as it stopped and the other replicas' arithmetic is unchanged. A halt of the batch is
    // cleared: every replica completed the halted step, and the others continue from there.
    void retire(int r) {
        ex_.sync();
        std::vector<ReplicaStatus> st;
        status_.download(st);
        st[r].retired = 1;
        st[r].halt_code = kHaltNone;
        if (!retired(r)) retired_h_.push_back(r);
        status_.upload(st);
        std::vector<int> h(3, 0);
        halt_.upload(h);
        halt_h_ = h;
    }
    bool retired(int r) const { return std::find(retired_h_.begin(), retired_h_.end(), r) != retired_h_.end(); }

    // Current sums (energy, virial, fresh m v^2) and thermostat/status of every replica.
    std::vector<BatchObservables> observe() {
        if (needs_forces_) build_lists_and_forces(false);
        ex_.launch(N_, Mv2Fn{view_});
        launch_reduce();
        launch_reduce_kinetic(false);
        ex_.sync();
        std::vector<double> sums;
        std::vector<NhcState> nhc;
        std::vector<ReplicaStatus> st;
        std::vector<MtkState> bar;
        sums_.download(sums);
        nhc_.download(nhc);
        bar_.download(bar);
        status_.download(st);
        read_control();
        std::vector<BatchObservables> out(R_);
        for (int r = 0; r < R_; ++r) {
            BatchObservables& o = out[r];
            const double* s = sums.data() + static_cast<std::size_t>(r) * kColCount;
            o.step = step_h_;
            o.potential = s[kColEnergy];
            for (int k = 0; k < 9; ++k) o.virial.m[k / 3][k % 3] = s[kColVirial + k];
            o.mv2 = s[kColMv2];
            o.dof = dof_h_[r];
            o.temperature = temperature_from_mv2(o.mv2, o.dof);
            o.kinetic = kinetic_from_temperature(o.temperature, o.dof);
            o.nhc = nhc[r];
            for (int k = 0; k < 6; ++k) o.mvv[k] = s[kColMvv + k];
            o.npt = specs_[r].params.ensemble == "npt";
            if (o.npt) o.bar = bar[r];
            // (Dynamics::thermostat_energy: the chains, and for NPT the barostat in mtk_add_energy's order)
            o.thermostat = o.npt ? mtk_add_energy(bar[r], nhc_energy(nhc[r]))
                                 : specs_[r].params.ensemble == "nvt" ? nhc_energy(nhc[r]) : 0.0;
            o.status = st[r];
        }
        return out;
    }

    // Resets the "since the last sync" close-pair counters on the device (after the host took them).
    void clear_close_counters() {
        std::vector<ReplicaStatus> st;
        status_.download(st);
        for (auto& s : st) {
            s.close_pair_steps = 0;
            s.close_pairs_total = 0;
            s.min_close_r = 0.0;
        }
        status_.upload(st);
    }

    // Copies replica r's positions, velocities and forces into `sys`.
    void download(int r, System& sys) {
        ex_.sync();
        const std::size_t first = static_cast<std::size_t>(atom_start_h_[r]), n = static_cast<std::size_t>(atom_count(r));
        sys.pos.resize(n);
        sys.vel.resize(n);
        sys.force.resize(n);
        pos_.download_range(first, n, sys.pos.data());
        vel_.download_range(first, n, sys.vel.data());
        force_.download_range(first, n, sys.force.data());
    }

    // Copies every replica's positions, velocities and forces (three copies in all, however many replicas).
    void download_all(std::vector<Vec3>& pos, std::vector<Vec3>& vel, std::vector<Vec3>& force) {
        ex_.sync();
        pos_.download(pos);
        vel_.download(vel);
        force_.download(force);
    }

    // Checkpoint of replica r in engine/md/dynamics.cpp's format (CPU and GPU checkpoints are interchangeable).
    void save(int r, BinaryWriter& w) {
        const std::vector<BatchObservables> obs = observe();
        const std::size_t first = static_cast<std::size_t>(atom_start_h_[r]), n = static_cast<std::size_t>(atom_count(r));
        std::vector<Vec3> pos(n), vel(n), at_build(n);
        pos_.download_range(first, n, pos.data());
        vel_.download_range(first, n, vel.data());
        pos_at_build_.download_range(first, n, at_build.data());
        const BatchObservables& o = obs[r];
        const bool npt = specs_[r].params.ensemble == "npt";
        const bool nvt = specs_[r].params.ensemble == "nvt" || npt;  // (Dynamics' nvt_: a particle chain)
        const double max_disp = std::sqrt(hd_bits_to_double(o.status.disp2_bits));
        const int max_atom = o.status.disp_atom == 0x7fffffff ? -1 : o.status.disp_atom - atom_start_h_[r];
        w.section("dynamics");
        w.pod<std::uint64_t>(n);
        w.pod(step_h_);
        w.pod(static_cast<long>(o.status.rebuilds));
        w.pod(dof_h_[r]);
        w.pod(o.temperature);
        w.pod(nvt);
        w.pod(o.nhc);
        w.pod(max_disp);
        w.pod(max_atom);
        w.vec(pos);
        w.vec(vel);
        w.vec(at_build);
        if (npt) {  // Dynamics::npt_save's section
            std::vector<MtkBox> nlb(1);
            nl_box_.download_range(static_cast<std::size_t>(r), 1, nlb.data());
            const NptAverage& a = npt_avg_h_[r];
            w.section("barostat");
            w.pod(o.bar);
            w.pod(nlb[0]);
            w.pod(a.from);
            for (double c : a.sum) w.pod(c);
            w.pod(a.n);
        }
        if (specs_[r].params.checkpoint_cell)
            throw Error("batch engine: checkpoints with the cell (staged protocols) are written by the CPU backend");
    }

    // Restores replica r from save()'s (or Dynamics::save's) section; lists and forces are rebuilt from
    // the saved build positions before the next step (bit-identical continuation).
    void load(int r, BinaryReader& rd) {
        rd.section("dynamics");
        const auto n = rd.pod<std::uint64_t>();
        if (n != static_cast<std::uint64_t>(atom_count(r)))
            throw input_error(rd.file(), 0, "checkpoint has " + std::to_string(n) + " atoms, the structure has " +
                                                std::to_string(atom_count(r)));
        long step = 0, rebuilds = 0;
        double dof = 0, t_now = 0, max_disp = 0;
        bool nvt = false;
        NhcState nhc{};
        int max_atom = -1;
        rd.pod(step);
        rd.pod(rebuilds);
        rd.pod(dof);
        rd.pod(t_now);
        rd.pod(nvt);
        const bool npt = specs_[r].params.ensemble == "npt";
        if (nvt != (specs_[r].params.ensemble == "nvt" || npt))
            throw input_error(rd.file(), 0, "checkpoint ensemble differs from [md].ensemble");
        rd.pod(nhc);
        check_checkpoint_nhc(nhc, nvt, specs_[r].params.chain, specs_[r].params.tloop, rd.file());
        rd.pod(max_disp);
        rd.pod(max_atom);
        if (step < 0 || rebuilds < 0 || max_atom < -1 || max_atom >= static_cast<long>(n))
            throw input_error(rd.file(), 0, "checkpoint dynamics counters are out of range");
        std::vector<Vec3> pos, vel, at_build;
        rd.vec(pos);
        rd.vec(vel);
        rd.vec(at_build);
        if (pos.size() != n || vel.size() != n || at_build.size() != n)
            throw input_error(rd.file(), 0, "checkpoint dynamics arrays are inconsistent");
        MtkState bar{};
        MtkBox nlb{};
        NptAverage avg{};
        if (npt) {  // Dynamics::npt_load
            rd.section("barostat");
            rd.pod(bar);
            check_checkpoint_mtk(bar, specs_[r].params.pchain, specs_[r].params.ploop, specs_[r].params.mtk, rd.file());
            rd.pod(nlb);
            rd.pod(avg.from);
            for (double& c : avg.sum) rd.pod(c);
            rd.pod(avg.n);
            // (as Dynamics::npt_load: raw doubles that would reach the cell grid)
            const Mat3 rows[2] = {mtk_lattice_rows(bar.box), mtk_lattice_rows(nlb)};
            for (const Mat3& m : rows)
                for (int i = 0; i < 3; ++i)
                    for (int j = 0; j < 3; ++j)
                        if (!std::isfinite(m.m[i][j]) || std::fabs(m.m[i][j]) > 1.0e8)
                            throw input_error(rd.file(), 0, "checkpoint barostat cell is not finite or out of range");
            if (avg.from >= 0)
                throw input_error(rd.file(), 0, "checkpoint averages the NPT cell for a following stage: staged protocols "
                                                "run on the CPU backend (--device cpu)");
        }
        if (specs_[r].params.checkpoint_cell)
            throw input_error(rd.file(), 0, "checkpoints with the cell (staged protocols) are read by the CPU backend");
        const std::size_t first = static_cast<std::size_t>(atom_start_h_[r]);
        pos_.upload_range(first, n, pos.data());
        vel_.upload_range(first, n, vel.data());
        pos_at_build_.upload_range(first, n, at_build.data());
        nhc_.upload_range(static_cast<std::size_t>(r), 1, &nhc);
        if (npt) {  // (the list is rebuilt in nl_box before the next step, and its shifts put into the current cell)
            bar_.upload_range(static_cast<std::size_t>(r), 1, &bar);
            nl_box_.upload_range(static_cast<std::size_t>(r), 1, &nlb);
            npt_avg_h_[r] = avg;
        }
        std::vector<ReplicaStatus> st;
        status_.download(st);
        st[r].rebuilds = rebuilds;
        status_.upload(st);
        // (a replica stopped before the checkpoint may carry a smaller step: the batch continues from the largest)
        if (step > step_h_ || !loaded_any_) {
            std::vector<long long> s(1, step);
            step_.upload(s);
            step_h_ = step;
        }
        loaded_any_ = true;
        needs_forces_ = true;
    }

    // Extrapolation grades on the device (kernels/grade_bodies.hpp). upload_grades copies the active set
    // (per-species compacted inverse, (A^{-1})^T, weights) once; grade(r) grades replica r's current state
    // and copies back only the per-site grades (when the set has the site-energy weight) and the n values
    // |c_j| of the energy row (when it has the energy weight; `energy` < 0 otherwise).
    void upload_grades(const GradeSet& set) {
        if (born_) throw Error("extrapolation grades need an MTP engine");
        const SiteGrader& sg = set.site_grader();
        const int S = sg.species(), nc = set.coeff_count();
        std::vector<int> col_start(S + 1, 0), cols;
        std::vector<long> k_start(S, 0);
        std::vector<double> K;
        for (int a = 0; a < S; ++a) {
            cols.insert(cols.end(), sg.columns(a).begin(), sg.columns(a).end());
            col_start[a + 1] = static_cast<int>(cols.size());
            k_start[a] = static_cast<long>(K.size());
            K.insert(K.end(), sg.compacted_inverse(a).begin(), sg.compacted_inverse(a).end());
        }
        g_col_start_.upload(col_start);
        g_cols_.upload(cols);
        g_k_start_.upload(k_start);
        g_K_.upload(K);
        g_invA_T_.upload(set.maxvol().invA_T);
        int most = 0;
        for (int r = 0; r < R_; ++r) most = std::max(most, atom_count(r));
        g_rows_.resize(static_cast<std::size_t>(most) * nc);
        g_absc_.resize(static_cast<std::size_t>(most) * nc);
        g_site_.resize(static_cast<std::size_t>(most));
        g_erow_.resize(static_cast<std::size_t>(nc));
        g_eabs_.resize(static_cast<std::size_t>(nc));
        gview_ = GradeView{};
        gview_.nc = nc;
        gview_.scaling = set.potential().model().scaling;
        gview_.energy_weight = set.weights().energy;
        gview_.col_start = g_col_start_.data();
        gview_.cols = g_cols_.data();
        gview_.k_start = g_k_start_.data();
        gview_.K = g_K_.data();
        gview_.invA_T = g_invA_T_.data();
        gview_.rows = g_rows_.data();
        gview_.absc = g_absc_.data();
        gview_.site_grade = g_site_.data();
        gview_.erow = g_erow_.data();
        gview_.eabs = g_eabs_.data();
        grade_site_ = set.weights().site != 0.0;
        grade_energy_ = set.weights().energy != 0.0;
        grades_uploaded_ = true;
    }
    bool grades_uploaded() const { return grades_uploaded_; }
    void grade(int r, std::vector<double>& site, double& energy) {
        if (!grades_uploaded_) throw Error("batch engine: grade() before upload_grades()");
        if (needs_forces_) build_lists_and_forces(false);
        GradeView g = gview_;
        g.first = atom_start_h_[r];
        g.count = atom_count(r);
        site.clear();
        energy = -1.0;
        if (g.count == 0) return;
        // Threads per launch of the row body: as many as the force pass's scratch holds (no extra memory).
        const long per = grade_thread_scratch(mtp_, cap_), iper = grade_thread_iscratch(cap_);
        long chunk = std::min(static_cast<long>(scratch_.size()) / per, static_cast<long>(iscratch_.size()) / iper);
        double* scr = scratch_.data();
        int* iscr = iscratch_.data();
        if (chunk < 1) {
            // No thread-kernel scratch to share (the warp kernel keeps its blocks elsewhere) or a budget below
            // one grading thread: a buffer of its own, as many threads as the budget holds (it only grows).
            const std::size_t budget = opt_.scratch_bytes > 0 ? opt_.scratch_bytes : ex_.scratch_budget();
            chunk = std::max(1L, std::min(static_cast<long>(g.count),
                                          static_cast<long>(static_cast<double>(budget) / (8.0 * per + 4.0 * iper))));
            if (g_scratch_.size() < static_cast<std::size_t>(chunk * per)) g_scratch_.resize(static_cast<std::size_t>(chunk * per));
            if (g_iscratch_.size() < static_cast<std::size_t>(chunk * iper)) g_iscratch_.resize(static_cast<std::size_t>(chunk * iper));
            scr = g_scratch_.data();
            iscr = g_iscratch_.data();
        }
        for (int first = 0; first < g.count; first += static_cast<int>(chunk)) {
            const int n = static_cast<int>(std::min<long>(chunk, g.count - first));
            ex_.launch(n, GradeRowFn{view_, mtp_, g, first, scr, iscr});
        }
        if (grade_site_) {
            ex_.launch(static_cast<long>(g.count) * g.nc, GradeSiteCoeffFn{view_, g});
            ex_.launch(g.count, GradeSiteMaxFn{g});
        }
        if (grade_energy_) {
            ex_.launch(g.nc, GradeEnergyRowFn{g});
            ex_.launch(g.nc, GradeEnergyCoeffFn{g});
        }
        ex_.sync();
        if (grade_site_) {
            site.resize(static_cast<std::size_t>(g.count));
            g_site_.download_range(0, site.size(), site.data());
        }
        if (grade_energy_) {
            std::vector<double> e(static_cast<std::size_t>(g.nc));
            g_eabs_.download_range(0, e.size(), e.data());
            energy = 0.0;
            for (double v : e)
                if (v > energy) energy = v;  // (maxvol_row_grade's maximum)
        }
    }

    // The current neighbour rows (host copies; for tests): per atom count, then cap slots each.
    void download_list(std::vector<int>& count, std::vector<int>& j, std::vector<Vec3>& shift, std::vector<int>& reverse) {
        if (needs_forces_) build_lists_and_forces(false);
        ex_.sync();
        nb_count_.download(count);
        nb_j_.download(j);
        nb_shift_.download(shift);
        nb_reverse_.download(reverse);
    }

private:
    // Copies every table of the MTP to the engine's buffers and points a copy of the host view at them.
    // The field list must name every pointer of MtpParamsView: the static_assert below fails to compile
    // when potentials/mtp_math.hpp gains a pointer that is not copied here.
#define MDRUN_MTP_TABLE_FIELDS(X)                                                                          \
    X(radial_coeffs) X(species_coeffs) X(comp_parent) X(comp_axis) X(comp_degree) X(comp_lower) X(comp_pow) \
    X(basic_mu) X(basic_comp) X(comp_basic_start) X(comp_basic_list) X(times_i0) X(times_i1) X(times_k)     \
    X(times_m) X(run_start) X(run_k) X(g_seed) X(back_order) X(use_start) X(use_k) X(use_other) X(use_m)    \
    X(scalar_index) X(scalar_coeff)
    MtpParamsView upload_tables(const MtpTables& t) {
#define MDRUN_COUNT_FIELD(name) +1
        constexpr int kFields = 0 MDRUN_MTP_TABLE_FIELDS(MDRUN_COUNT_FIELD);
#undef MDRUN_COUNT_FIELD
        // + one 8-byte slot for the padded `int n_runs` between the pointers
        static_assert(sizeof(MtpParamsView) == offsetof(MtpParamsView, radial_coeffs) + (kFields + 1) * sizeof(void*),
                      "MtpParamsView changed: update MDRUN_MTP_TABLE_FIELDS in kernels/batch_engine.hpp");
        MtpParamsView p = t.view();
#define MDRUN_UPLOAD_FIELD(name) p.name = upload_table(t.name);
        MDRUN_MTP_TABLE_FIELDS(MDRUN_UPLOAD_FIELD)
#undef MDRUN_UPLOAD_FIELD
        return p;
    }
#undef MDRUN_MTP_TABLE_FIELDS
    void upload_warp_tables(const MtpWarpTables& t) {
        MtpWarpView v = t.view();
        v.fwd_level_start = upload_table(t.fwd_level_start);
        v.fwd_group_start = upload_table(t.fwd_group_start);
        v.fwd_group_runs = upload_table(t.fwd_group_runs);
        v.bwd_level_start = upload_table(t.bwd_level_start);
        v.bwd_items = upload_table(t.bwd_items);
        warp_view_ = v;
    }
    void upload_born(const BornCoulDsfParams& bp) {
        // The same coefficients as BornCoulDsfPotential's constructor (same functions, same inputs).
        std::vector<BornPairCoeffs> coeffs(bp.pair.size());
        for (std::size_t k = 0; k < bp.pair.size(); ++k) {
            const BornPairParams& q = bp.pair[k];
            coeffs[k] = born_pair_coeffs(q.A, q.rho, q.sigma, q.C, q.D, bp.cutoff);
        }
        born_coeffs_.upload(coeffs);
        std::vector<double> charge(N_, 0.0), rc2(R_, bp.cutoff * bp.cutoff);
        for (int r = 0; r < R_; ++r)
            for (std::size_t a = 0; a < specs_[r].charge.size(); ++a) charge[atom_start_h_[r] + static_cast<int>(a)] = specs_[r].charge[a];
        charge_.upload(charge);
        born_rc2_.upload(rc2);
        born_view_.n_species = bp.nspecies;
        born_view_.coulomb = bp.coulomb ? 1 : 0;
        born_view_.dsf = dsf_coeffs(bp.coulomb ? bp.alpha : 0.0, bp.cutoff, kQqr2e);
        own_force_.resize(N_);
        own_evdwl_.resize(N_);
        own_ecoul_.resize(N_);
        table_bytes_ += born_coeffs_.bytes();
    }

    const double* upload_table(const std::vector<double>& v) {
        tables_d_.emplace_back(new Buf<double>());
        tables_d_.back()->upload(v);
        table_bytes_ += tables_d_.back()->bytes();
        return tables_d_.back()->data();
    }
    const int* upload_table(const std::vector<int>& v) {
        tables_i_.emplace_back(new Buf<int>());
        tables_i_.back()->upload(v);
        table_bytes_ += tables_i_.back()->bytes();
        return tables_i_.back()->data();
    }

    // (Re)allocates everything sized by the row capacity and refreshes the view.
    void set_capacity(int cap) {
        cap_ = std::max(cap, 4);
        // Slots are addressed with 32-bit ints on the device (nb_reverse, thread indices): refuse a list
        // that would not fit rather than wrap around.
        if (static_cast<long long>(N_) * cap_ > static_cast<long long>(INT_MAX))
            throw Error("batch engine: " + std::to_string(N_) + " atoms x " + std::to_string(cap_) +
                        " neighbour slots exceed the 2^31 slots one batch can address; run fewer replicas or atoms "
                        "per process (or a shorter cutoff/skin)");
        const std::size_t slots = static_cast<std::size_t>(N_) * cap_;
        nb_j_.resize(slots);
        nb_img_.resize(3 * slots);
        nb_shift_.resize(slots);
        nb_reverse_.resize(slots);
        dx_.resize(slots);
        dy_.resize(slots);
        dz_.resize(slots);
        nb_count_.resize(N_);
        if (born_) {
            slot_force_.resize(slots);
            chunk_ = N_;
            make_view();
            ex_.invalidate_graph();
            return;
        }
        if (warp_) {
            // One block per atom: in shared memory when it fits (one launch for every atom), else in global
            // scratch, chunked by the budget like the thread kernel's.
            scap_ = std::max(1, std::min(site_cap_, cap_));
            warp_block_ = mtp_warp_body_doubles(mtp_, cap_, scap_, opt_.warp_lanes);
            const std::size_t bytes = static_cast<std::size_t>(warp_block_) * sizeof(double);
            warp_shared_ = opt_.warp_memory != "global" && ex_.warp_fits(bytes, opt_.warp_lanes);
            if (opt_.warp_memory == "shared" && !warp_shared_)
                throw Error("batch engine: the warp kernel's block of " + std::to_string(bytes / 1024) +
                            " KiB per atom does not fit shared memory (warp_memory = \"shared\")");
            if (warp_shared_) {
                chunk_ = N_;
                scratch_.resize(0);
            } else {
                const std::size_t budget = opt_.scratch_bytes > 0 ? opt_.scratch_bytes : ex_.scratch_budget();
                long chunk = static_cast<long>(budget / bytes);
                chunk = std::max(1L, std::min(chunk, static_cast<long>(N_)));
                chunk_ = static_cast<int>(chunk);
                scratch_.resize(static_cast<std::size_t>(chunk_) * warp_block_);
            }
            iscratch_.resize(0);
            make_view();
            ex_.invalidate_graph();
            return;
        }
        const long per_thread = mtp_thread_scratch(mtp_, cap_);
        const double bytes_per_thread = 8.0 * per_thread + 4.0 * mtp_thread_iscratch(cap_);
        const std::size_t budget = opt_.scratch_bytes > 0 ? opt_.scratch_bytes : ex_.scratch_budget();
        long chunk = static_cast<long>(static_cast<double>(budget) / bytes_per_thread);
        chunk = std::max(1L, std::min(chunk, static_cast<long>(N_)));
        chunk_ = static_cast<int>(chunk);
        scratch_.resize(static_cast<std::size_t>(chunk_) * per_thread);
        iscratch_.resize(static_cast<std::size_t>(chunk_) * mtp_thread_iscratch(cap_));
        make_view();
        ex_.invalidate_graph();
    }

    void make_view() {
        BatchView& v = view_;
        v.n_atoms = N_;
        v.n_replicas = R_;
        v.cap = cap_;
        v.lanes = lanes_;
        v.total_cells = total_cells_;
        v.rep = rep_.data();
        v.atom_start = atom_start_.data();
        v.mass = mass_.data();
        v.frozen = frozen_.data();
        v.mtp_type = mtp_type_.data();
        v.cell_rep = cell_rep_.data();
        v.box = box_.data();
        v.grid = grid_.data();
        v.dt = dt_.data();
        v.list_cut2 = list_cut2_.data();
        v.half_skin2 = half_skin2_.data();
        v.nvt = nvt_.data();
        v.max_disp = max_disp_.data();
        v.stop_close = stop_close_.data();
        v.list_cut = list_cut_.data();
        v.npt = npt_.data();
        v.bar = bar_.data();
        v.nl_box = nl_box_.data();
        v.old_box = old_box_.data();
        v.vfac = vfac_.data();
        v.npt_lim2 = npt_lim2_.data();
        v.npt_rc = npt_rc_.data();
        v.npt_outer = npt_outer_.data();
        v.pos = pos_.data();
        v.vel = vel_.data();
        v.force = force_.data();
        v.disp2 = disp2_.data();
        v.nhc = nhc_.data();
        v.scale = scale_.data();
        v.dof = dof_.data();
        v.status = status_.data();
        v.halt = halt_.data();
        v.step = step_.data();
        v.cell_count = cell_count_.data();
        v.cell_start = cell_start_.data();
        v.cell_fill = cell_fill_.data();
        v.cell_atoms = cell_atoms_.data();
        v.atom_cell = atom_cell_.data();
        v.atom_wrap = atom_wrap_.data();
        v.wrapped = wrapped_.data();
        v.pos_at_build = pos_at_build_.data();
        v.nb_count = nb_count_.data();
        v.nb_j = nb_j_.data();
        v.nb_img = nb_img_.data();
        v.nb_shift = nb_shift_.data();
        v.nb_reverse = nb_reverse_.data();
        v.nb_overflow = nb_overflow_.data();
        v.dx = dx_.data();
        v.dy = dy_.data();
        v.dz = dz_.data();
        v.cols = cols_.data();
        v.partials = partials_.data();
        v.sums = sums_.data();
        BornView& p = born_view_;
        p.rc2 = born_rc2_.data();
        p.coeffs = born_coeffs_.data();
        p.charge = charge_.data();
        p.type = mtp_type_.data();  // for Born engines this array holds the System species index
        p.slot_force = slot_force_.data();
        p.own_force = own_force_.data();
        p.own_evdwl = own_evdwl_.data();
        p.own_ecoul = own_ecoul_.data();
    }

    void launch_rebuild(const BatchView& v) {
        ex_.launch(total_cells_, NlClearFn{v});
        ex_.launch(N_, NlBinFn{v});
        ex_.launch(R_, NlScanFn{v});
        ex_.launch(N_, NlFillFn{v});
        ex_.launch(N_, NlRowsFn{v});
        ex_.launch(N_, NlReverseFn{v});
    }
    void launch_forces(bool kick) {
        ex_.launch(R_, ForceStatusResetFn{view_});
        if (born_) {
            ex_.launch(N_, BornOwnerFn{view_, born_view_});
            ex_.launch(N_, BornGatherKickFn{view_, born_view_, kick ? 1 : 0});
            return;
        }
        for (int first = 0; first < N_; first += chunk_) {
            const int n = std::min(chunk_, N_ - first);
            if (warp_)
                ex_.launch_warps(n, opt_.warp_lanes, warp_shared_ ? warp_block_ : 0,
                                 MtpWarpFn{view_, mtp_warp_, warp_view_, first, scap_, warp_shared_ ? nullptr : scratch_.data(), warp_block_});
            else
                ex_.launch(n, MtpSiteFn{view_, mtp_, first, scratch_.data(), iscratch_.data()});
        }
        ex_.launch(N_, ForceKickFn{view_, kick ? 1 : 0});
    }
    void launch_reduce() {
        ex_.launch(static_cast<long>(R_) * kColForceSums * lanes_, ReducePartialFn{view_, 0, kColForceSums, 0});
        ex_.launch(static_cast<long>(R_) * kColForceSums, ReduceFinalFn{view_, 0, kColForceSums, 0});
        if (born_) ex_.launch(R_, BornEnergyFn{view_, born_view_});  // the energy in the CPU's order
    }
    // The kinetic columns alone (m v^2, m v v): NPT replicas mid-step, every replica for observe().
    void launch_reduce_kinetic(bool npt_only) {
        const int o = npt_only ? 1 : 0;
        ex_.launch(static_cast<long>(R_) * kKineticCols * lanes_, ReducePartialFn{view_, kColMv2, kKineticCols, o});
        ex_.launch(static_cast<long>(R_) * kKineticCols, ReduceFinalFn{view_, kColMv2, kKineticCols, o});
    }
    // One MD step of every replica (engine/md/dynamics.cpp's order; NPT replicas: kernels/npt_bodies.hpp).
    // The NPT launches are made only when the batch has an NPT replica (NVE/NVT batches run as before).
    void launch_step() {
        ex_.launch(R_, NhcFirstFn{view_});
        if (any_npt_) {
            ex_.launch(N_, NptThermoScaleFn{view_});
            launch_reduce_kinetic(true);
            ex_.launch(R_, NptFirstKickFn{view_});
            ex_.launch(N_, NptKickRemapDriftFn{view_});
            ex_.launch(R_, NptRemapCellFn{view_});
            ex_.launch(N_, NptRemapListTestFn{view_});
        }
        ex_.launch(N_, KickDriftFn{view_});
        ex_.launch(N_, DispAtomFn{view_});
        launch_rebuild(view_);
        if (any_npt_) ex_.launch(N_, NptShiftFn{view_});
        launch_forces(true);
        launch_reduce();
        if (any_npt_) {
            ex_.launch(N_, NptFinalScaleFn{view_});
            launch_reduce_kinetic(true);
        }
        ex_.launch(R_, NhcSecondCheckFn{view_});
        ex_.launch(N_, ScaleVelocityFn{view_});
        ex_.launch(1, StepEndFn{view_});
    }

    // Builds every replica's list from pos_at_build (equal to pos at setup) and computes the forces.
    // keep_forces: after a capacity growth the restored forces are the ones to continue from.
    void build_lists_and_forces(bool fresh, bool keep_forces = false) {
        std::vector<ReplicaStatus> st;
        if (fresh) {
            st.assign(R_, ReplicaStatus{});
            std::vector<int> h(3, 0);
            halt_.upload(h);
            halt_h_ = h;
        } else {
            status_.download(st);
        }
        std::vector<ReplicaStatus> forced = st;
        for (auto& s : forced) s.rebuild = 1;
        status_.upload(forced);
        for (;;) {
            nb_overflow_.upload(list_health_clear());
            BatchView v = view_;
            v.pos = pos_at_build_.data();  // the list of a restored state is rebuilt where it was built
            std::vector<int> halt_save;
            halt_.download(halt_save);
            std::vector<int> h0(3, 0);
            halt_.upload(h0);  // rebuild even in a halted batch (post-mortem state stays consistent)
            if (any_npt_) ex_.launch(R_, NptBuildCellFn{view_});  // NPT: the list is rebuilt in the cell it was built in
            launch_rebuild(v);
            if (any_npt_) {
                ex_.launch(N_, NptShiftFn{view_});  // ... with the shifts of the current cell (Dynamics::load)
                ex_.launch(R_, NptCurrentCellFn{view_});
            }
            ex_.sync();
            halt_.upload(halt_save);
            std::vector<int> of;
            nb_overflow_.download(of);
            if (of[0] == 0) {
                check_symmetric(of);
                break;
            }
            set_capacity(of[0] + of[0] / 4 + 8);
            ++grows_;
        }
        status_.upload(st);  // rebuild flags back to 0, counters untouched
        if (!keep_forces) {
            for (;;) {
                launch_forces(false);
                launch_reduce();
                ex_.sync();
                std::vector<int> of;
                nb_overflow_.download(of);
                if (of[3] == 0) break;
                grow_site_capacity(of[3]);  // (the forces are recomputed from the same positions)
                nb_overflow_.upload(list_health_clear());
            }
        }
        needs_forces_ = false;
    }

    void grow_site_capacity(int need) {
        site_cap_ = need + need / 4 + 8;
        ++grows_;
        set_capacity(cap_);
    }

    void snapshot() {
        snap_pos_.copy_from(pos_);
        snap_vel_.copy_from(vel_);
        snap_force_.copy_from(force_);
        snap_build_.copy_from(pos_at_build_);
        snap_nhc_.copy_from(nhc_);
        snap_status_.copy_from(status_);
        snap_step_.copy_from(step_);
        snap_halt_.copy_from(halt_);
        snap_cols_.copy_from(cols_);
        snap_bar_.copy_from(bar_);
        snap_nl_box_.copy_from(nl_box_);
        snap_sums_.copy_from(sums_);  // (NPT's first half step reads the last virial from the sums)
    }
    void restore() {
        pos_.copy_from(snap_pos_);
        vel_.copy_from(snap_vel_);
        force_.copy_from(snap_force_);
        pos_at_build_.copy_from(snap_build_);
        nhc_.copy_from(snap_nhc_);
        status_.copy_from(snap_status_);
        step_.copy_from(snap_step_);
        halt_.copy_from(snap_halt_);
        cols_.copy_from(snap_cols_);
        bar_.copy_from(snap_bar_);
        nl_box_.copy_from(snap_nl_box_);
        sums_.copy_from(snap_sums_);
    }
    void read_control() {
        halt_.download(halt_h_);
        std::vector<long long> s;
        step_.download(s);
        step_h_ = static_cast<long>(s[0]);
    }

    Exec& ex_;
    std::vector<BatchReplicaSpec> specs_;
    BatchOptions opt_;
    int R_ = 0, N_ = 0, cap_ = 0, lanes_ = 1, chunk_ = 1, total_cells_ = 0;
    long step_h_ = 0;
    long grows_ = 0;
    bool needs_forces_ = false;
    bool loaded_any_ = false;
    bool any_npt_ = false;
    // Dynamics' cell average for a following stage (npt_save's fields): staged protocols run on the CPU
    // backend, so here it is never armed (from < 0), only carried through checkpoints.
    struct NptAverage {
        long from = -1;
        double sum[6] = {0, 0, 0, 0, 0, 0};
        long n = 0;
    };
    std::vector<NptAverage> npt_avg_h_;
    std::size_t table_bytes_ = 0;
    std::vector<int> atom_start_h_;
    std::vector<double> dof_h_;
    std::vector<int> halt_h_ = std::vector<int>(3, 0);
    std::vector<int> retired_h_;  // replicas retired (host copy of the status words' flags)
    MtpParamsView mtp_{};
    MtpParamsView mtp_warp_{};  // warp kernel: mtp_'s tables with the moments in MtpWarpTables::slot_of
    MtpWarpView warp_view_{};
    bool warp_ = false, warp_shared_ = false;
    long warp_block_ = 0;  // doubles per atom of the warp kernel's block
    int site_cap_ = 0, scap_ = 1;  // warp kernel: site capacity wanted, and in use (<= cap_)
    BatchView view_{};
    bool born_ = false;
    BornView born_view_{};
    Buf<BornPairCoeffs> born_coeffs_;
    Buf<double> charge_, born_rc2_, own_evdwl_, own_ecoul_;
    Buf<Vec3> slot_force_, own_force_;

    Buf<int> atom_start_, rep_, mtp_type_, cell_rep_, nvt_, stop_close_, npt_;
    Buf<double> list_cut_, npt_rc_, npt_outer_, npt_lim2_, snap_sums_;
    Buf<MtkState> bar_, snap_bar_;
    Buf<MtkBox> nl_box_, old_box_, snap_nl_box_;
    Buf<MtkVelocityFactors> vfac_;
    Buf<double> mass_, dt_, list_cut2_, half_skin2_, max_disp_, dof_;
    Buf<unsigned char> frozen_;
    Buf<Box> box_;
    Buf<ReplicaGrid> grid_;
    Buf<Vec3> pos_, vel_, force_, wrapped_, pos_at_build_, nb_shift_;
    Buf<double> disp2_, scale_, cols_, partials_, sums_, dx_, dy_, dz_, scratch_;
    Buf<NhcState> nhc_;
    Buf<ReplicaStatus> status_;
    Buf<int> halt_, nb_overflow_, cell_count_, cell_start_, cell_fill_, cell_atoms_, atom_cell_, atom_wrap_;
    Buf<int> nb_count_, nb_j_, nb_img_, nb_reverse_, iscratch_;
    Buf<long long> step_;
    // MTP tables on the device
    std::vector<std::unique_ptr<Buf<double>>> tables_d_;
    std::vector<std::unique_ptr<Buf<int>>> tables_i_;
    // state at the start of advance() (to redo steps after a capacity growth)
    Buf<Vec3> snap_pos_, snap_vel_, snap_force_, snap_build_;
    Buf<NhcState> snap_nhc_;
    Buf<ReplicaStatus> snap_status_;
    Buf<long long> snap_step_;
    Buf<int> snap_halt_;
    Buf<double> snap_cols_;
    // extrapolation grades (upload_grades)
    GradeView gview_{};
    bool grades_uploaded_ = false, grade_site_ = false, grade_energy_ = false;
    Buf<int> g_col_start_, g_cols_, g_iscratch_;
    Buf<long> g_k_start_;
    Buf<double> g_K_, g_invA_T_, g_rows_, g_absc_, g_site_, g_erow_, g_eabs_, g_scratch_;
};

}  // namespace mdrun
