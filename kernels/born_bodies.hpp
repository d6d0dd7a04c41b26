// Per-thread bodies of the Born–Mayer–Huggins + DSF Coulomb pair potential (LAMMPS `born` and
// `born/coul/dsf`, potentials/pair_born_dsf_math.hpp) on the batched layout, mirroring
// potentials/born_coul_dsf.cpp operation for operation: each unordered pair is evaluated once, in the row
// of the pair's smaller global slot (rows are the CPU list's rows, so ownership is the CPU's); the owner
// keeps its half and stores the partner's force in its slot; a second pass gathers the partners' halves
// in slot order. Forces and virials are therefore bit-identical to the CPU backend.
#pragma once
#include "engine/core/hd.hpp"
#include "engine/core/vec3.hpp"
#include "kernels/batch_view.hpp"
#include "kernels/mtp_bodies.hpp"
#include "potentials/pair_born_dsf_math.hpp"

namespace mdrun {

struct BornView {
    int n_species;
    int coulomb;
    const double* rc2;              // [R] potential cutoff squared
    const BornPairCoeffs* coeffs;   // [S*S]
    DsfCoeffs dsf;
    const double* charge;           // [N] e
    const int* type;                // [N] species index of the System (the table's index)
    Vec3* slot_force;               // [N*cap] owner slot: force on the partner
    Vec3* own_force;                // [N]
    double* own_evdwl;              // [N]
    double* own_ecoul;              // [N]
};

// Pass 1, one thread per atom: the pairs this row owns.
MDRUN_HD_INLINE void born_owner_body(int i, const BatchView& b, const BornView& p) {
    if (b.skip(b.rep[i])) return;
    const int cap = b.cap;
    const long base = static_cast<long>(i) * cap;
    const int nrow = b.nb_count[i] < cap ? b.nb_count[i] : cap;
    const Vec3 xi = b.pos[i];
    const int ti = p.type[i];
    const double qi = p.charge[i];
    const double rc2 = p.rc2[b.rep[i]];
    int first = 0;  // first slot with j >= i (rows are sorted by j)
    while (first < nrow && b.nb_j[base + first] < i) ++first;
    Vec3 fi{0, 0, 0};
    double evdwl = 0.0, ecoul = 0.0;
    Mat3 w = mat3_zero();
    for (int a = first; a < nrow; ++a) {
        const long s = base + a;
        const long r = b.nb_reverse[s];
        if (r < s) continue;  // the mirrored slot owns this pair
        const int j = b.nb_j[s];
        const Vec3 d = b.pos[j] + b.nb_shift[s] - xi;
        const double rsq = dot(d, d);
        if (rsq >= rc2) {
            p.slot_force[s] = Vec3{0, 0, 0};
            continue;
        }
        const double rr = sqrt(rsq);
        double eb = 0.0, ec = 0.0;
        const double fb = born_pair(p.coeffs[ti * p.n_species + p.type[j]], rsq, rr, &eb);
        double fc = 0.0;
        if (p.coulomb) fc = dsf_pair(p.dsf, qi * p.charge[j], rsq, rr, &ec);
        const double fpair = (fc + fb) / rsq;
        const Vec3 fj = fpair * d;
        fi -= fj;
        p.slot_force[s] = fj;
        evdwl += eb;
        ecoul += ec;
        add_outer(w, d, d, fpair);
    }
    p.own_force[i] = fi;
    p.own_evdwl[i] = evdwl;
    p.own_ecoul[i] = ecoul;
    const long n = b.n_atoms;
    for (int k = 0; k < 9; ++k) b.cols[(kColVirial + k) * n + i] = w.m[k / 3][k % 3];
    b.cols[kColEnergy * n + i] = evdwl + ecoul + (p.coulomb ? dsf_self_energy(p.dsf, qi) : 0.0);  // site-like value
}

// Pass 2, one thread per atom: own half plus the partners' halves (slots with j <= i owned elsewhere), then
// frozen atoms, the second half kick and m v^2 exactly as force_kick_body.
MDRUN_HD_INLINE void born_gather_kick_body(int i, const BatchView& b, const BornView& p, bool kick) {
    if (b.skip(b.rep[i])) return;
    const int cap = b.cap;
    const long base = static_cast<long>(i) * cap;
    const int nrow = b.nb_count[i] < cap ? b.nb_count[i] : cap;
    Vec3 fi = p.own_force[i];
    for (int a = 0; a < nrow; ++a) {
        const long s = base + a;
        if (b.nb_j[s] > i) break;  // partners j <= i only (the others are owned by this row)
        const long r = b.nb_reverse[s];
        if (r > s) continue;  // owner slot: already in own_force
        fi += p.slot_force[r];
    }
    finish_force_kick(i, b, fi, kick);
}

// One thread per replica: the potential energy in the CPU's order (evdwl and ecoul summed separately over
// atoms, the self energy added after each atom's ecoul), into the energy sum of the replica.
MDRUN_HD_INLINE void born_energy_body(int r, const BatchView& b, const BornView& p) {
    if (b.skip(r)) return;
    double evdwl = 0.0, ecoul = 0.0;
    for (int i = b.atom_start[r]; i < b.atom_start[r + 1]; ++i) {
        evdwl += p.own_evdwl[i];
        ecoul += p.own_ecoul[i];
        if (p.coulomb) ecoul += dsf_self_energy(p.dsf, p.charge[i]);
    }
    b.sums[static_cast<long>(r) * kColCount + kColEnergy] = evdwl + ecoul;
}

}  // namespace mdrun
