#include "engine/md/dynamics.hpp"

#include <algorithm>
#include <cmath>
#include <random>

#include "engine/core/error.hpp"
#include "engine/md/checkpoint_state_checks.hpp"
#include "potentials/mtp_potential.hpp"

namespace mdrun {

namespace {

bool is_frozen(const System& sys, std::size_t i) { return !sys.frozen.empty() && sys.frozen[i] != 0; }

// Per-atom integrator loops are a few flops per atom and memory bound: threads only pay off for large
// systems, and every parallel region costs a fork/join (expensive when the cores are oversubscribed).
constexpr int kParallelMinAtoms = 20000;

}  // namespace

double neighbor_list_cutoff(const Potential& pot, double skin) {
    return pot.cutoff() + std::max(skin, 0.0) + 1e-9 * pot.cutoff() + 1e-12;
}

double degrees_of_freedom(const System& sys) {
    long nmob = 0;
    bool any_frozen = false;
    for (std::size_t i = 0; i < sys.size(); ++i) {
        if (is_frozen(sys, i)) any_frozen = true;
        else ++nmob;
    }
    // A frozen lattice breaks translation invariance, so no centre-of-mass dof is removed then.
    return any_frozen ? 3.0 * nmob : std::max(0.0, 3.0 * nmob - 3.0);
}

void maxwell_boltzmann(System& sys, double T, std::uint64_t seed) {
    if (!(T >= 0.0)) throw Error("maxwell_boltzmann: temperature must be >= 0");
    const std::size_t n = sys.size();
    sys.vel.assign(n, Vec3{0, 0, 0});
    // mt19937_64's output sequence is fixed by the C++ standard; the Gaussian transform is our own
    // (Box–Muller) because std::normal_distribution differs between standard libraries.
    std::mt19937_64 gen(seed);
    auto uniform = [&gen]() { return (static_cast<double>(gen() >> 11) + 0.5) * (1.0 / 9007199254740992.0); };
    double spare = 0.0;
    bool have_spare = false;
    auto gauss = [&]() {
        if (have_spare) { have_spare = false; return spare; }
        const double u1 = uniform(), u2 = uniform();
        const double rad = std::sqrt(-2.0 * std::log(u1));
        const double ang = 2.0 * 3.14159265358979323846 * u2;
        spare = rad * std::sin(ang);
        have_spare = true;
        return rad * std::cos(ang);
    };
    bool any_frozen = false;
    for (std::size_t i = 0; i < n; ++i) {
        if (is_frozen(sys, i)) { any_frozen = true; continue; }
        const double sigma = std::sqrt(kBoltz * std::max(T, 1e-300) / (sys.mass[i] * kMvv2e));
        const double gx = gauss(), gy = gauss(), gz = gauss();
        sys.vel[i] = Vec3{sigma * gx, sigma * gy, sigma * gz};
    }
    if (!any_frozen && n > 0) {
        Vec3 p{0, 0, 0};
        double m = 0.0;
        for (std::size_t i = 0; i < n; ++i) { p += sys.mass[i] * sys.vel[i]; m += sys.mass[i]; }
        const Vec3 vcm = (1.0 / m) * p;
        for (std::size_t i = 0; i < n; ++i) sys.vel[i] -= vcm;
    }
    const double dof = degrees_of_freedom(sys);
    double s = 0.0;
    for (std::size_t i = 0; i < n; ++i)
        if (!is_frozen(sys, i)) s += mv2(sys.vel[i], sys.mass[i]);
    const double tcur = temperature_from_mv2(s, dof);
    const double scale = (tcur > 0.0) ? std::sqrt(T / tcur) : 0.0;
    for (std::size_t i = 0; i < n; ++i) sys.vel[i] = is_frozen(sys, i) ? Vec3{0, 0, 0} : scale * sys.vel[i];
    sys.has_velocities = true;
}

Dynamics::Dynamics(const DynamicsParams& params, System& sys, const Potential& pot)
    : params_(params), sys_(sys), pot_(pot) {
    nl_.want_half = pot.wants_half_list();  // a pair potential reads each pair once (neighbor_list.hpp)
    if (params.ensemble == "nvt") nvt_ = true;
    else if (params.ensemble == "npt") nvt_ = npt_ = true;
    else if (params.ensemble != "nve")
        throw Error("[md].ensemble must be \"nve\", \"nvt\" or \"npt\", got \"" + params.ensemble + "\"");
    if (!(params.dt_ps > 0.0)) throw Error("[md].timestep_fs must be > 0, got " + std::to_string(params.dt_ps * 1000.0));
    if (!(params.skin >= 0.0)) throw Error("[md].neighbor_skin must be >= 0, got " + std::to_string(params.skin));
    if (nvt_) {
        if (!(params.temperature_K > 0.0))
            throw Error("[md].temperature_K must be > 0 for " + params.ensemble + ", got " + std::to_string(params.temperature_K));
        if (!(params.tdamp_ps > 0.0)) throw Error("[md].tdamp_fs must be > 0, got " + std::to_string(params.tdamp_ps * 1000.0));
        if (params.chain < 1 || params.chain > kNhcMaxChain)
            throw Error("[md].chain must be between 1 and " + std::to_string(kNhcMaxChain) + ", got " +
                        std::to_string(params.chain));
        if (params.tloop < 1) throw Error("[md].tloop must be >= 1, got " + std::to_string(params.tloop));
    }
    if (sys.mass.size() != sys.size() || sys.type.size() != sys.size())
        throw Error("dynamics: system arrays (mass, type) do not match the number of atoms");
}

void Dynamics::compute_forces() {
    if (grade_rows_) {
        const auto* mtp = dynamic_cast<const MtpPotential*>(&pot_);
        if (!mtp) throw Error("grade rows need an MTP potential, not '" + pot_.name() + "'");
        mtp->compute_with_grade_rows(sys_, nl_, sys_.force, force_, want_site_energy_, *grade_rows_);
    } else {
        pot_.compute(sys_, nl_, sys_.force, force_, want_site_energy_);
    }
    // Frozen atoms still interact (their neighbours feel them) but feel no force (fix setforce 0 0 0).
    for (std::size_t i = 0; i < sys_.size(); ++i)
        if (is_frozen(sys_, i)) sys_.force[i] = Vec3{0, 0, 0};
}

double Dynamics::current_temperature() const {
    // Fixed summation order so the temperature (and hence the thermostat) is thread-count independent.
    double s = 0.0;
    for (std::size_t i = 0; i < sys_.size(); ++i)
        if (!is_frozen(sys_, i)) s += mv2(sys_.vel[i], sys_.mass[i]);
    return temperature_from_mv2(s, dof_);
}

void Dynamics::setup() {
    const std::size_t n = sys_.size();
    if (sys_.vel.size() != n) sys_.vel.assign(n, Vec3{0, 0, 0});
    for (std::size_t i = 0; i < n; ++i)
        if (is_frozen(sys_, i)) sys_.vel[i] = Vec3{0, 0, 0};
    dof_ = degrees_of_freedom(sys_);
    build_neighbor_list(sys_.box, sys_.pos, neighbor_list_cutoff(pot_, params_.skin), nl_);
    compute_forces();
    t_now_ = current_temperature();
    if (nvt_) nhc_init(nhc_, params_.chain, params_.tloop, params_.temperature_K, params_.tdamp_ps, dof_, t_now_);
    if (npt_) npt_setup();
    step_ = 0;
    rebuilds_ = 0;
    max_disp_ = 0.0;
    max_disp_atom_ = -1;
}

void Dynamics::thermostat_half_step() {
    // One scaling pass per chain sub-step, as LAMMPS (nh_v_temp inside the tloop loop).
    nhc_factors_.resize(static_cast<std::size_t>(nhc_.tloop));
    nhc_half_step(nhc_, params_.dt_ps, nhc_factors_.data());
    const int n = static_cast<int>(sys_.size());
    Vec3* v = sys_.vel.data();
    for (const double s : nhc_factors_) {
#pragma omp parallel for schedule(static) if (n >= kParallelMinAtoms)
        for (int i = 0; i < n; ++i) nhc_scale_velocity(v[i], s);
    }
}

void Dynamics::step() {
    if (npt_) {
        step_npt();
        return;
    }
    const int n = static_cast<int>(sys_.size());
    const double dt = params_.dt_ps;
    Vec3* x = sys_.pos.data();
    Vec3* v = sys_.vel.data();
    const Vec3* f = sys_.force.data();
    const double* m = sys_.mass.data();
    const std::uint8_t* fr = sys_.frozen.empty() ? nullptr : sys_.frozen.data();

    if (nvt_) thermostat_half_step();

    double dmax2 = 0.0;
    int imax = -1;
    // The Verlet-list criterion (any atom moved more than skin/2 since the build, as needs_rebuild()) is
    // evaluated in the same loop, saving a pass over the atoms and a parallel region per step.
    const Vec3* at_build = nl_.pos_at_build.data();
    const double lim2 = 0.25 * params_.skin * params_.skin;
    int moved = nl_.pos_at_build.size() != sys_.size() ? 1 : 0;
#pragma omp parallel if (n >= kParallelMinAtoms) reduction(| : moved)
    {
        double loc2 = 0.0;
        int loci = -1;
#pragma omp for schedule(static)
        for (int i = 0; i < n; ++i) {
            if (fr && fr[i]) continue;
            vv_half_kick(v[i], f[i], m[i], dt);
            const Vec3 before = x[i];
            vv_drift(x[i], v[i], dt);
            const double d2 = norm2(x[i] - before);
            if (d2 > loc2 || (d2 != d2)) { loc2 = d2; loci = i; }
            moved |= norm2(x[i] - at_build[i]) > lim2 ? 1 : 0;
        }
#pragma omp critical(mdrun_dyn_maxdisp)
        {
            // Ties resolve to the lowest index, so the reported atom is thread-count independent.
            if (loci >= 0 && (loc2 > dmax2 || loc2 != loc2 || (loc2 == dmax2 && loci < imax))) {
                dmax2 = loc2;
                imax = loci;
            }
        }
    }
    max_disp_ = std::sqrt(dmax2);
    max_disp_atom_ = imax;

    if (moved) {
        build_neighbor_list(sys_.box, sys_.pos, neighbor_list_cutoff(pot_, params_.skin), nl_);
        ++rebuilds_;
    }
    compute_forces();
    f = sys_.force.data();  // (the potential may have resized the array)

#pragma omp parallel for schedule(static) if (n >= kParallelMinAtoms)
    for (int i = 0; i < n; ++i) {
        if (fr && fr[i]) continue;
        vv_half_kick(v[i], f[i], m[i], dt);
    }

    if (nvt_) {
        nhc_.t_current = current_temperature();
        thermostat_half_step();
    }
    t_now_ = current_temperature();
    ++step_;
}

double Dynamics::temperature() const { return t_now_; }
double Dynamics::kinetic_energy() const { return kinetic_from_temperature(t_now_, dof_); }
double Dynamics::thermostat_energy() const {
    if (npt_) return mtk_add_energy(bar_, nhc_energy(nhc_));
    return nvt_ ? nhc_energy(nhc_) : 0.0;
}
double Dynamics::lammps_ecouple() const {
    return npt_ ? mtk_add_energy(bar_, nhc_energy(nhc_), true) : thermostat_energy();
}
double Dynamics::cell_volume() const { return npt_ ? mtk_volume(bar_.box) : volume(sys_.box); }
double Dynamics::conserved_energy() const {
    return potential_energy() + kinetic_energy() + thermostat_energy();
}
double Dynamics::pressure_bar() const {
    if (npt_) return mtk_pressure_scalar(dof_, t_now_, force_.virial, cell_volume());
    const double vol = volume(sys_.box);
    if (!(vol > 0.0)) return 0.0;
    const Mat3& w = force_.virial;
    return mdrun::pressure_bar(dof_, t_now_, w.m[0][0] + w.m[1][1] + w.m[2][2], vol);
}

void Dynamics::save(BinaryWriter& w) const {
    w.section("dynamics");
    w.pod<std::uint64_t>(sys_.size());
    w.pod(step_);
    w.pod(rebuilds_);
    w.pod(dof_);
    w.pod(t_now_);
    w.pod(nvt_);
    w.pod(nhc_);
    w.pod(max_disp_);
    w.pod(max_disp_atom_);
    w.vec(sys_.pos);
    w.vec(sys_.vel);
    w.vec(nl_.pos_at_build);
    if (npt_) npt_save(w);
    if (params_.checkpoint_cell) {
        // field by field: the raw struct would carry padding bytes and bools the reader could not check
        w.section("cell");
        w.pod(sys_.box.h);
        w.pod(sys_.box.hinv);
        for (bool p : sys_.box.periodic) w.pod<std::uint8_t>(p ? 1 : 0);
    }
}

namespace {
// Bounds for restored vectors: far beyond any real run (unwrapped positions of a days-long run stay below
// 1e5 Å, speeds below 1e3 Å/ps), near enough to keep cell indices and products finite.
constexpr double kMaxLoadedCoordinateA = 1.0e8;
constexpr double kMaxLoadedVelocity = 1.0e8;  // Å/ps

void check_loaded_vectors(const std::vector<Vec3>& v, const char* what, double limit, const std::string& file) {
    for (std::size_t i = 0; i < v.size(); ++i)
        for (double c : {v[i].x, v[i].y, v[i].z})
            if (!std::isfinite(c) || std::fabs(c) > limit)
                throw input_error(file, 0, std::string("checkpoint ") + what + " of atom " + std::to_string(i) +
                                               " is not finite or beyond " + std::to_string(limit) + ": the checkpoint is damaged");
}
}  // namespace

void Dynamics::load(BinaryReader& r) {
    r.section("dynamics");
    const auto n = r.pod<std::uint64_t>();
    if (n != sys_.size())
        throw input_error(r.file(), 0, "checkpoint has " + std::to_string(n) + " atoms, the structure has " +
                                           std::to_string(sys_.size()));
    r.pod(step_);
    r.pod(rebuilds_);
    r.pod(dof_);
    r.pod(t_now_);
    bool nvt = false;
    r.pod(nvt);
    if (nvt != nvt_) throw input_error(r.file(), 0, "checkpoint ensemble differs from [md].ensemble");
    NhcState nhc{};
    r.pod(nhc);
    check_checkpoint_nhc(nhc, nvt_, params_.chain, params_.tloop, r.file());
    nhc_ = nhc;
    r.pod(max_disp_);
    r.pod(max_disp_atom_);
    if (step_ < 0 || rebuilds_ < 0 || !(dof_ >= 0) || max_disp_atom_ < -1 ||
        max_disp_atom_ >= static_cast<long>(n))
        throw input_error(r.file(), 0, "checkpoint dynamics counters are out of range (step " + std::to_string(step_) +
                                           ", rebuilds " + std::to_string(rebuilds_) + ")");
    std::vector<Vec3> at_build;
    r.vec(sys_.pos);
    r.vec(sys_.vel);
    r.vec(at_build);
    if (sys_.pos.size() != n || sys_.vel.size() != n || at_build.size() != n)
        throw input_error(r.file(), 0, "checkpoint dynamics arrays are inconsistent");
    if (!std::isfinite(t_now_) || !std::isfinite(dof_) || !std::isfinite(max_disp_) || max_disp_ < 0)
        throw input_error(r.file(), 0, "checkpoint dynamics values are not finite or out of range (temperature, "
                                       "degrees of freedom, largest displacement)");
    // A NaN or absurd coordinate would reach the neighbour list's cell index (a float-to-int conversion, UB
    // for NaN; found by fuzz/fuzz_restore.cpp): every vector is checked before the list is built.
    check_loaded_vectors(sys_.pos, "position", kMaxLoadedCoordinateA, r.file());
    check_loaded_vectors(sys_.vel, "velocity", kMaxLoadedVelocity, r.file());
    check_loaded_vectors(at_build, "neighbour-list build position", kMaxLoadedCoordinateA, r.file());
    if (npt_) npt_load(r);
    if (params_.checkpoint_cell) {
        r.section("cell");
        Box b;
        r.pod(b.h);
        r.pod(b.hinv);
        for (bool& p : b.periodic) p = r.flag();
        for (int i = 0; i < 3; ++i)
            for (int j = 0; j < 3; ++j)
                if (!std::isfinite(b.h.m[i][j]) || !std::isfinite(b.hinv.m[i][j]) ||
                    std::fabs(b.h.m[i][j]) > kMaxLoadedCoordinateA)
                    throw input_error(r.file(), 0, "checkpoint cell entry h[" + std::to_string(i) + "][" + std::to_string(j) +
                                                       "] is not finite or out of range");
        sys_.box = b;
    }
    if (npt_) {
        // The cell, the barostat and the cell the list was built in; the list is rebuilt in that cell and its
        // image shifts then put into the current one, exactly as the uninterrupted run holds them.
        build_neighbor_list(make_box(mtk_lattice_rows(nl_box_)), at_build, neighbor_list_cutoff(pot_, params_.skin), nl_);
        npt_record_images();
        npt_refresh_shifts();
        compute_forces();
        return;
    }
    // The list built from the same positions is the identical list, so the forces below (and all later
    // steps) equal those of the uninterrupted run bit for bit.
    build_neighbor_list(sys_.box, at_build, neighbor_list_cutoff(pot_, params_.skin), nl_);
    compute_forces();
}

}  // namespace mdrun
