// NPT step of the CPU backend: LAMMPS `fix npt` (fix_nh.cpp initial_integrate / final_integrate) in its
// operation order, on top of the Nosé–Hoover chain of NVT. The barostat math is in engine/md/barostat_math.hpp
// (shared with the CUDA kernels); this file applies it to one replica's atoms and keeps the neighbour list
// exact while the cell changes.
//
// One step:
//   barostat chain ½ · thermostat chain ½ (scales v) · P from the fresh KE and the last virial · cell kick ½ ·
//   cell drag on v · force kick ½ · cell ½ (atoms remapped) · drift · cell ½ (atoms remapped) ·
//   [list test/rebuild, image shifts for the new cell] · forces · force kick ½ · cell drag on v · T, P ·
//   cell kick ½ · thermostat chain ½ · barostat chain ½.
//
// Frozen atoms (rule, documented in docs/npt.md): they keep v = 0 and feel no force, but like every atom
// they are carried with the cell (LAMMPS `dilate all`), i.e. they keep their fractional coordinates.
// The kinetic part of the pressure is Σ m v⊗v over all atoms (frozen ones contribute nothing), and the
// MTK terms use the number of all atoms, as LAMMPS' atom->natoms.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "engine/md/dynamics.hpp"
#include "engine/core/error.hpp"
#include "engine/md/checkpoint_state_checks.hpp"
#include "engine/md/npt_list_math.hpp"

namespace mdrun {

namespace {

bool frozen_at(const std::vector<std::uint8_t>& fr, std::size_t i) { return !fr.empty() && fr[i] != 0; }

std::string fmtd(double v) {
    char b[64];
    std::snprintf(b, sizeof b, "%.6g", v);
    return b;
}

}  // namespace

// LAMMPS keeps a triclinic cell as a = (lx,0,0), b = (xy,ly,0), c = (xz,yz,lz). A cell in any other
// orientation is rotated into that one first, with all positions and velocities (the physics is unchanged;
// outputs are then in the rotated frame, as LAMMPS' for a general triclinic cell).
bool Dynamics::h_needs_rotation(const Mat3& h) {
    return h.m[0][1] != 0.0 || h.m[0][2] != 0.0 || h.m[1][2] != 0.0;
}

void Dynamics::rotate_to_lammps_orientation() {
    const Mat3& h = sys_.box.h;
    const Vec3 a = row(h, 0), b = row(h, 1);
    const Vec3 ex = (1.0 / norm(a)) * a;
    Vec3 ez = cross(a, b);
    ez = (1.0 / norm(ez)) * ez;
    const Vec3 ey = cross(ez, ex);
    auto rot = [&](Vec3 x) { return Vec3{dot(ex, x), dot(ey, x), dot(ez, x)}; };
    Mat3 rows = mat3_zero();
    for (int i = 0; i < 3; ++i) {
        const Vec3 r = rot(row(h, i));
        rows.m[i][0] = r.x;
        rows.m[i][1] = i >= 1 ? r.y : 0.0;  // exactly zero above the diagonal
        rows.m[i][2] = i == 2 ? r.z : 0.0;
    }
    for (Vec3& x : sys_.pos) x = rot(x);
    for (Vec3& v : sys_.vel) v = rot(v);
    sys_.box = make_box(rows);
    rotated_ = true;
    build_neighbor_list(sys_.box, sys_.pos, neighbor_list_cutoff(pot_, params_.skin), nl_);
}

void npt_init_barostat(MtkState& bar, const DynamicsParams& p, const Box& b, double natoms) {
    if (!(b.periodic[0] && b.periodic[1] && b.periodic[2]))
        throw Error("[md].ensemble = \"npt\" needs a cell that is periodic in all three directions");
    const Mat3& h = b.h;
    if (!(h.m[0][0] > 0) || !(h.m[1][1] > 0) || !(h.m[2][2] > 0))
        throw Error("[md].ensemble = \"npt\" needs a right-handed cell (a, b, c with (a × b) · c > 0); this cell has "
                    "a = (" + fmtd(h.m[0][0]) + ", " + fmtd(h.m[0][1]) + ", " + fmtd(h.m[0][2]) + "), b = (" + fmtd(h.m[1][0]) +
                    ", " + fmtd(h.m[1][1]) + ", " + fmtd(h.m[1][2]) + "), c = (" + fmtd(h.m[2][0]) + ", " + fmtd(h.m[2][1]) +
                    ", " + fmtd(h.m[2][2]) + ")");
    const std::string& st = p.barostat;
    const int style = st == "iso" ? kMtkIso : st == "aniso" ? kMtkAniso : st == "tri" ? kMtkTri : -1;
    if (style < 0) throw Error("[md].barostat must be \"iso\", \"aniso\" or \"tri\", got \"" + st + "\"");
    const std::string& c = p.couple;
    const int couple = c == "none" ? kCoupleNone : c == "xyz" ? kCoupleXyz : c == "xy" ? kCoupleXy
                     : c == "yz" ? kCoupleYz : c == "xz" ? kCoupleXz : -1;
    if (couple < 0) throw Error("[md].couple must be \"none\", \"xyz\", \"xy\", \"yz\" or \"xz\", got \"" + c + "\"");
    if (style == kMtkIso && couple != kCoupleNone && couple != kCoupleXyz)
        throw Error("[md].couple = \"" + c + "\" contradicts barostat = \"iso\" (iso couples xyz); use barostat = \"aniso\"");
    if (!(p.pdamp_ps > 0)) throw Error("[md].pdamp_fs must be > 0");
    if (p.pchain < 0 || p.pchain > kMtkMaxChain)
        throw Error("[md].pchain must be between 0 and " + std::to_string(kMtkMaxChain));
    if (p.ploop < 1) throw Error("[md].ploop must be >= 1");
    if (!std::isfinite(p.pressure_bar)) throw Error("[md].pressure_bar must be a finite number");
    mtk_init(bar, style, couple, p.pressure_bar, p.pdamp_ps, p.pchain, p.ploop, p.mtk ? 1 : 0, natoms, p.temperature_K, h,
             Vec3{0, 0, 0});
}

void Dynamics::npt_setup() {
    if (!(sys_.box.periodic[0] && sys_.box.periodic[1] && sys_.box.periodic[2]))
        throw Error("[md].ensemble = \"npt\" needs a cell that is periodic in all three directions");
    if (h_needs_rotation(sys_.box.h)) rotate_to_lammps_orientation();
    npt_init_barostat(bar_, params_, sys_.box, static_cast<double>(sys_.size()));
    nl_box_ = bar_.box;
    npt_record_images();
    npt_refresh_shifts();
    // Forces were computed in setup() with the list's own shifts: recompute them with the refreshed ones so
    // that step 0 and a restart from any checkpoint see the same numbers.
    compute_forces();
}

// Pressure the barostat acts on (fix_nh: temperature->compute_scalar/vector, pressure->compute_*, couple()).
// In initial_integrate LAMMPS uses the thermostat's carried T for the MTK term and a fresh temperature for
// the pressure; in final_integrate both are the fresh one (the caller has set nhc_.t_current to it).
void Dynamics::npt_current_pressure(bool fresh_temperature, double& mtk_ke) {
    const double vol = mtk_volume(bar_.box);
    const std::size_t n = sys_.size();
    if (bar_.style == kMtkIso) {
        const double t = fresh_temperature ? current_temperature() : nhc_.t_current;
        mtk_couple(bar_, mtk_pressure_scalar(dof_, t, force_.virial, vol), nullptr);
        mtk_ke = dof_ * kBoltz * nhc_.t_current;
    } else {
        double t6[6] = {0, 0, 0, 0, 0, 0};
        for (std::size_t i = 0; i < n; ++i)
            if (!frozen_at(sys_.frozen, i)) mtk_add_mvv(t6, sys_.vel[i], sys_.mass[i]);
        for (double& x : t6) x *= kMvv2e;
        double p6[6];
        mtk_pressure_tensor(t6, force_.virial, vol, p6);
        mtk_couple(bar_, 0.0, p6);
        mtk_ke = 0.0;
        for (int i = 0; i < 3; ++i)
            if (bar_.pflag[i]) mtk_ke += t6[i];
    }
}

void Dynamics::npt_scale_velocities() {
    const MtkVelocityFactors k = mtk_velocity_factors(bar_, params_.dt_ps);
    const std::size_t n = sys_.size();
    for (std::size_t i = 0; i < n; ++i)
        if (!frozen_at(sys_.frozen, i)) mtk_scale_velocity(sys_.vel[i], k);
}

void Dynamics::npt_remap() {
    const MtkBox old = bar_.box;
    if (!mtk_remap_box(bar_, params_.dt_ps))
        throw Error("NPT at step " + std::to_string(step_ + 1) + ": a tilt grew beyond " + fmtd(kMtkTiltMax) +
                    " cell lengths in one step; the cell is far from equilibrium (use a larger pdamp_fs or start "
                    "closer to the target pressure)");
    for (Vec3& x : sys_.pos) x = mtk_from_lamda(bar_.box, mtk_to_lamda(old, x));  // dilate all
}

void Dynamics::npt_record_images() {
    // The builder's own table of distinct images (integer image per entry, nl_.image indexing it), unless the
    // list fell back to per-slot shifts (images spanning more than 65536 codes): then derive it from those.
    nl_image_.clear();
    if (nl_.image.size() == nl_.j.size() && !nl_.image.empty()) {
        for (const std::array<int, 3>& g : nl_.image_lattice) {
            if (std::abs(g[0]) > INT16_MAX || std::abs(g[1]) > INT16_MAX || std::abs(g[2]) > INT16_MAX)
                throw Error("NPT neighbour list: an image more than " + std::to_string(INT16_MAX) + " cells away");
            nl_image_.push_back(Image16{static_cast<std::int16_t>(g[0]), static_cast<std::int16_t>(g[1]),
                                        static_cast<std::int16_t>(g[2])});
        }
        nl_.image_shift.resize(nl_image_.size());
        return;
    }
    const std::size_t np = nl_.shift.size();
    nl_.image.resize(np);
    const Box b = make_box(mtk_lattice_rows(nl_box_));
    // Distinct images are few (27 for a cell wider than twice the list cutoff): a lookup table over
    // |n| <= 20 per direction gives each one its index.
    constexpr int R = 20, W = 2 * R + 1;
    std::vector<int> lut(static_cast<std::size_t>(W) * W * W, -1);
    for (std::size_t s = 0; s < np; ++s) {
        const Vec3 f = to_fractional(b, nl_.shift[s]);
        const double a = std::rint(f.x), bb = std::rint(f.y), c = std::rint(f.z);
        if (std::fabs(a) > R || std::fabs(bb) > R || std::fabs(c) > R)
            throw Error("NPT neighbour list: an image more than " + std::to_string(R) +
                        " cells away (the cell is far too small for the cutoff)");
        int& id = lut[(static_cast<std::size_t>(a + R) * W + static_cast<std::size_t>(bb + R)) * W + static_cast<std::size_t>(c + R)];
        if (id < 0) {
            if (nl_image_.size() >= 65536)
                throw Error("NPT neighbour list: more than 65536 distinct images (the cell is far too small for "
                            "the cutoff)");
            id = static_cast<int>(nl_image_.size());
            nl_image_.push_back(Image16{static_cast<std::int16_t>(a), static_cast<std::int16_t>(bb), static_cast<std::int16_t>(c)});
        }
        nl_.image[s] = static_cast<std::uint16_t>(id);
    }
    nl_.image_shift.resize(nl_image_.size());
}

void Dynamics::npt_refresh_shifts() {
    const double* h = bar_.box.h;
    // shift = n · h with h's rows a = (lx,0,0), b = (xy,ly,0), c = (xz,yz,lz): as LAMMPS' ghost images.
    for (std::size_t k = 0; k < nl_image_.size(); ++k) {
        const double n0 = nl_image_[k].a, n1 = nl_image_[k].b, n2 = nl_image_[k].c;
        nl_.image_shift[k] = Vec3{n0 * h[0] + n1 * h[5] + n2 * h[4], n1 * h[1] + n2 * h[3], n2 * h[2]};
    }
}

// The list built in cell h0 at positions x0 holds every image pair closer than R = rc + skin. In the current
// cell h the pair separation is d = d0·F + (u_j − u_i) with F = h0⁻¹h and u the displacement from the
// affinely carried build position. |d0·F| ≥ σ_min(F)·|d0| and σ_min(F) ≥ 1 / (1 + ‖F⁻¹ − 1‖_F), so the list
// is still complete while max|u| ≤ (σ_min·R − rc)/2 — the Verlet skin/2 rule when the cell has not changed.
void Dynamics::npt_neighbors() {
    const double rc = pot_.cutoff();
    const double R = rc + std::max(params_.skin, 0.0);
    const double allowed =
        npt_list_allowance(make_box(mtk_lattice_rows(nl_box_)), make_box(mtk_lattice_rows(bar_.box)), R, rc);
    bool rebuild = !(allowed > 0.0) || nl_.pos_at_build.size() != sys_.size();
    if (!rebuild) {
        const double lim2 = allowed * allowed;
        const Vec3* x0 = nl_.pos_at_build.data();
        const Vec3* x = sys_.pos.data();
        const long n = static_cast<long>(sys_.size());
        for (long i = 0; i < n && !rebuild; ++i) {
            const Vec3 carried = mtk_from_lamda(bar_.box, mtk_to_lamda(nl_box_, x0[i]));
            if (norm2(x[i] - carried) > lim2) rebuild = true;
        }
    }
    if (rebuild) {
        build_neighbor_list(sys_.box, sys_.pos, neighbor_list_cutoff(pot_, params_.skin), nl_);
        nl_box_ = bar_.box;
        npt_record_images();
        ++rebuilds_;
    }
    // Always n·h (also right after a build), so a restart that rebuilds the list holds identical shifts.
    npt_refresh_shifts();
}

void Dynamics::step_npt() {
    const double dt = params_.dt_ps;
    const int n = static_cast<int>(sys_.size());
    Vec3* x = sys_.pos.data();
    Vec3* v = sys_.vel.data();
    const double* m = sys_.mass.data();
    const std::uint8_t* fr = sys_.frozen.empty() ? nullptr : sys_.frozen.data();
    double mtk_ke = 0.0;

    // ---- initial_integrate
    mtk_chain_half_step(bar_, dt);
    thermostat_half_step();
    npt_current_pressure(true, mtk_ke);
    mtk_omega_half_kick(bar_, dt, mtk_ke);
    npt_scale_velocities();
    const Vec3* f = sys_.force.data();
    for (int i = 0; i < n; ++i)
        if (!(fr && fr[i])) vv_half_kick(v[i], f[i], m[i], dt);
    npt_remap();
    double dmax2 = 0.0;
    int imax = -1;
    for (int i = 0; i < n; ++i) {
        if (fr && fr[i]) continue;
        const Vec3 before = x[i];
        vv_drift(x[i], v[i], dt);
        const double d2 = norm2(x[i] - before);
        if (d2 > dmax2 || d2 != d2) {
            dmax2 = d2;
            imax = i;
        }
    }
    max_disp_ = std::sqrt(dmax2);
    max_disp_atom_ = imax;
    npt_remap();
    sys_.box = make_box(mtk_lattice_rows(bar_.box));

    npt_neighbors();
    compute_forces();
    f = sys_.force.data();

    // ---- final_integrate
    for (int i = 0; i < n; ++i)
        if (!(fr && fr[i])) vv_half_kick(v[i], f[i], m[i], dt);
    npt_scale_velocities();
    nhc_.t_current = current_temperature();
    npt_current_pressure(false, mtk_ke);
    mtk_omega_half_kick(bar_, dt, mtk_ke);
    thermostat_half_step();
    mtk_chain_half_step(bar_, dt);
    t_now_ = current_temperature();
    ++step_;
    if (cell_from_ >= 0 && step_ > cell_from_) {
        for (int k = 0; k < 6; ++k) cell_sum_[k] += bar_.box.h[k];
        ++cell_n_;
    }
}

bool Dynamics::mean_cell(Mat3& rows) const {
    if (!npt_ || cell_n_ == 0) return false;
    MtkBox b{};
    for (int k = 0; k < 6; ++k) b.h[k] = cell_sum_[k] / static_cast<double>(cell_n_);
    rows = mtk_lattice_rows(b);
    return true;
}

void Dynamics::pressure_tensor_bar(double out[6]) const {
    double t6[6] = {0, 0, 0, 0, 0, 0};
    for (std::size_t i = 0; i < sys_.size(); ++i)
        if (!frozen_at(sys_.frozen, i)) mtk_add_mvv(t6, sys_.vel[i], sys_.mass[i]);
    for (double& x : t6) x *= kMvv2e;
    mtk_pressure_tensor(t6, force_.virial, cell_volume(), out);
}

void Dynamics::npt_save(BinaryWriter& w) const {
    w.section("barostat");
    w.pod(bar_);
    w.pod(nl_box_);
    w.pod(cell_from_);
    for (double c : cell_sum_) w.pod(c);
    w.pod(cell_n_);
}

void Dynamics::npt_load(BinaryReader& r) {
    r.section("barostat");
    MtkState b{};
    r.pod(b);
    // (The barostat settings are part of the config fingerprint, so they match this run's config; the counts
    // inside the raw state are checked all the same before they size any loop.)
    check_checkpoint_mtk(b, params_.pchain, params_.ploop, params_.mtk, r.file());
    bar_ = b;
    r.pod(nl_box_);
    r.pod(cell_from_);
    for (double& c : cell_sum_) r.pod(c);
    r.pod(cell_n_);
    // The cells are raw doubles: a NaN or absurd edge would reach the neighbour list's cell grid.
    const Mat3 rows[2] = {mtk_lattice_rows(bar_.box), mtk_lattice_rows(nl_box_)};
    for (const Mat3& m : rows)
        for (int i = 0; i < 3; ++i)
            for (int j = 0; j < 3; ++j)
                if (!std::isfinite(m.m[i][j]) || std::fabs(m.m[i][j]) > 1.0e8)
                    throw input_error(r.file(), 0, "checkpoint barostat cell is not finite or out of range");
    for (double c : cell_sum_)
        if (!std::isfinite(c)) throw input_error(r.file(), 0, "checkpoint cell averages are not finite");
    if (cell_n_ < 0) throw input_error(r.file(), 0, "checkpoint cell average count " + std::to_string(cell_n_) + " < 0");
    sys_.box = make_box(mtk_lattice_rows(bar_.box));
}

}  // namespace mdrun
