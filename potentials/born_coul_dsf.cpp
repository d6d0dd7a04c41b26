#include "potentials/born_coul_dsf.hpp"

#include <algorithm>
#include <cmath>

#include "engine/core/error.hpp"
#include "engine/core/units.hpp"

namespace mdrun {

BornCoulDsfPotential::BornCoulDsfPotential(const BornCoulDsfParams& params)
    : params_(params), rc_(params.cutoff), coulomb_(params.coulomb), nspecies_(params.nspecies) {
    if (!(rc_ > 0.0)) throw Error("born-coul-dsf: cutoff must be > 0, got " + std::to_string(rc_));
    if (coulomb_ && !(params.alpha >= 0.0))
        throw Error("born-coul-dsf: alpha must be >= 0, got " + std::to_string(params.alpha));
    if (nspecies_ <= 0 || params.pair.size() != static_cast<std::size_t>(nspecies_ * nspecies_))
        throw Error("born-coul-dsf: pair parameter table must have nspecies^2 entries");
    if (!params.species_charge.empty() && params.species_charge.size() != static_cast<std::size_t>(nspecies_))
        throw Error("born-coul-dsf: one charge per species expected");
    coeffs_.resize(params.pair.size());
    for (std::size_t k = 0; k < params.pair.size(); ++k) {
        const BornPairParams& p = params.pair[k];
        if (!(p.rho > 0.0)) throw Error("born-coul-dsf: rho must be > 0, got " + std::to_string(p.rho));
        coeffs_[k] = born_pair_coeffs(p.A, p.rho, p.sigma, p.C, p.D, rc_);
    }
    dsf_ = dsf_coeffs(coulomb_ ? params.alpha : 0.0, rc_, kQqr2e);
}

void BornCoulDsfPotential::compute(const System& sys, const NeighborList& nl, std::vector<Vec3>& force,
                                   ForceResult& out, bool want_site_energy) const {
    const int n = static_cast<int>(sys.size());
    const std::size_t nslots = nl.pairs();
    if (nl.size() != static_cast<std::size_t>(n)) throw Error("born-coul-dsf: neighbour list does not match the system");
    if (nl.cutoff < rc_) throw Error("born-coul-dsf: neighbour list cutoff is shorter than the potential's");

    // Per-atom charges: from the [potential] table (per species) or from the structure (LAMMPS data file).
    charge_.assign(n, 0.0);
    if (coulomb_) {
        if (!params_.species_charge.empty()) {
            for (int i = 0; i < n; ++i) charge_[i] = params_.species_charge[sys.type[i]];
        } else if (sys.charge.size() == static_cast<std::size_t>(n)) {
            charge_ = sys.charge;
        } else {
            throw Error("born-coul-dsf: no charges (give [potential].charges or a LAMMPS data file with charges)");
        }
    }
    for (int i = 0; i < n; ++i)
        if (sys.type[i] < 0 || sys.type[i] >= nspecies_) throw Error("born-coul-dsf: atom type out of range");
    if (nl.half) {
        compute_half(sys, nl, force, out, want_site_energy);
        return;
    }

    slot_force_.resize(nslots);
    if (want_site_energy) slot_evdwl_.resize(nslots), slot_ecoul_.resize(nslots);
    own_force_.resize(n);
    own_evdwl_.resize(n);
    own_ecoul_.resize(n);
    row_virial_.resize(n);

    const double rc2 = rc_ * rc_;
    const Vec3* pos = sys.pos.data();
    const int* type = sys.type.data();
    const double* q = charge_.data();
    const int* off = nl.offset.data();
    const int* jj = nl.j.data();
    const int* rev = nl.reverse.data();
    const Vec3* shift = nl.shift.data();
    // NPT: per-slot image index into the per-image shifts of the current cell (engine/md/neighbor_list.hpp).
    const std::uint16_t* img = nl.image.size() == nl.j.size() && !nl.image.empty() ? nl.image.data() : nullptr;
    const Vec3* img_shift = nl.image_shift.data();
    const BornPairCoeffs* coeffs = coeffs_.data();
    const int ns = nspecies_;
    const bool coul = coulomb_;
    const DsfCoeffs dsf = dsf_;
    Vec3* sf = slot_force_.data();
    double* sev = want_site_energy ? slot_evdwl_.data() : nullptr;
    double* sec = want_site_energy ? slot_ecoul_.data() : nullptr;

    force.resize(n);
    if (want_site_energy) out.site_energy.resize(n);
    double* site = want_site_energy ? out.site_energy.data() : nullptr;
    Vec3* F = force.data();
    // One parallel region for both passes (one fork/join); the implicit barrier after pass 1 orders them.
#pragma omp parallel
    {
    // Pass 1: every unordered pair once, in the row holding its lower slot index. The partner's force is
    // stored in the owner's own slot, so each thread writes only its own rows' slots (no false sharing) and
    // the writes are sequential.
#pragma omp for schedule(static, 32)
    for (int i = 0; i < n; ++i) {
        const Vec3 xi = pos[i];
        const int ti = type[i];
        const double qi = q[i];
        Vec3 fi{0, 0, 0};
        double evdwl = 0.0, ecoul = 0.0;
        Mat3 w = mat3_zero();
        // Rows are sorted by j, and a pair with j > i is owned by row i (its mirror lies in the later row j):
        // owner slots start at the first j >= i (self-images j == i still need the slot test).
        const int first = static_cast<int>(std::lower_bound(jj + off[i], jj + off[i + 1], i) - jj);
        for (int s = first; s < off[i + 1]; ++s) {
            const int r = rev[s];
            if (r < s) continue;  // the mirrored slot owns this pair
            const int j = jj[s];
            const Vec3 d = pos[j] + (img ? img_shift[img[s]] : shift[s]) - xi;
            const double rsq = dot(d, d);
            if (rsq >= rc2) {
                sf[s] = Vec3{0, 0, 0};
                if (sev) sev[s] = 0.0, sec[s] = 0.0;
                continue;
            }
            const double rr = sqrt(rsq);
            double eb = 0.0, ec = 0.0;
            const double fb = born_pair(coeffs[ti * ns + type[j]], rsq, rr, &eb);
            double fc = 0.0;
            if (coul) fc = dsf_pair(dsf, qi * q[j], rsq, rr, &ec);
            const double fpair = (fc + fb) / rsq;
            const Vec3 fj = fpair * d;  // force on j; the force on i is −fj
            fi -= fj;
            sf[s] = fj;
            evdwl += eb;
            ecoul += ec;
            if (sev) sev[s] = 0.5 * eb, sec[s] = 0.5 * ec;
            add_outer(w, d, d, fpair);
        }
        own_force_[i] = fi;
        own_evdwl_[i] = evdwl;
        own_ecoul_[i] = ecoul;
        row_virial_[i] = w;
    }

    // Pass 2: gather the partners' halves in slot order from the owner slots rev[s] (the partner's force
    // is the exact negative of what the owner row added to itself, so Newton's third law holds bit for bit).
#pragma omp for schedule(static, 64)
    for (int i = 0; i < n; ++i) {
        Vec3 fi = own_force_[i];
        double ev = 0.5 * own_evdwl_[i], ec = 0.5 * own_ecoul_[i];
        const int last = static_cast<int>(std::upper_bound(jj + off[i], jj + off[i + 1], i) - jj);
        for (int s = off[i]; s < last; ++s) {  // partners j <= i (the others are owned by row i)
            const int r = rev[s];
            if (r > s) continue;  // owner slot: already in own_force_
            fi += sf[r];
            if (site) ev += sev[r], ec += sec[r];
        }
        F[i] = fi;
        if (site) site[i] = ev + ec + (coul ? dsf_self_energy(dsf, q[i]) : 0.0);
    }
    }  // omp parallel

    // Totals in a fixed order (independent of threads).
    double evdwl = 0.0, ecoul = 0.0;
    Mat3 W = mat3_zero();
    for (int i = 0; i < n; ++i) {
        evdwl += own_evdwl_[i];
        ecoul += own_ecoul_[i];
        if (coul) ecoul += dsf_self_energy(dsf, q[i]);
        for (int a = 0; a < 3; ++a)
            for (int b = 0; b < 3; ++b) W.m[a][b] += row_virial_[i].m[a][b];
    }
    last_evdwl_ = evdwl;
    last_ecoul_ = ecoul;
    out.energy = evdwl + ecoul;
    out.virial = W;
    out.close_pairs = 0;
    out.close_i = out.close_j = -1;
    out.close_r = 0.0;
}

namespace {

// Chunks of rows of a half list: a number fixed by the atom count alone (never by the threads), at least 256
// rows each, at most 8 (one force array of 24 bytes per atom each).
int pair_chunks(int n) { return std::max(1, std::min(8, n / 256)); }

}  // namespace

void BornCoulDsfPotential::compute_half(const System& sys, const NeighborList& nl, std::vector<Vec3>& force,
                                        ForceResult& out, bool want_site_energy) const {
    const int n = static_cast<int>(sys.size());
    const int nchunk = pair_chunks(n);
    const std::size_t nn = static_cast<std::size_t>(n);
    half_list_vectors(nl, sys.box, sys.pos, xw_, code_shift_);
    chunk_force_.resize(nn * nchunk);
    if (want_site_energy) chunk_site_.resize(nn * nchunk);
    chunk_evdwl_.assign(nchunk, 0.0);
    chunk_ecoul_.assign(nchunk, 0.0);
    chunk_virial_.assign(nchunk, mat3_zero());

    const double rc2 = rc_ * rc_;
    const Vec3* x = xw_.data();
    const Vec3* T = code_shift_.data();
    const int* type = sys.type.data();
    const double* q = charge_.data();
    const int* off = nl.offset.data();
    const int* jj = nl.j.data();
    const std::uint16_t* code = nl.code.data();
    const BornPairCoeffs* coeffs = coeffs_.data();
    const int ns = nspecies_;
    const bool coul = coulomb_;
    const DsfCoeffs dsf = dsf_;
    const PairArithmetic arith = params_.arithmetic;
    force.resize(nn);
    if (want_site_energy) out.site_energy.resize(nn);
    Vec3* F = force.data();
    double* site = want_site_energy ? out.site_energy.data() : nullptr;

#pragma omp parallel
    {
#pragma omp for schedule(dynamic, 1)
    for (int c = 0; c < nchunk; ++c) {
        Vec3* acc = chunk_force_.data() + nn * c;
        double* esite = want_site_energy ? chunk_site_.data() + nn * c : nullptr;
        std::fill(acc, acc + nn, Vec3{0, 0, 0});
        if (esite) std::fill(esite, esite + nn, 0.0);
        double evdwl = 0.0, ecoul = 0.0;
        Mat3 w = mat3_zero();
        const int begin = static_cast<int>(static_cast<long long>(n) * c / nchunk);
        const int end = static_cast<int>(static_cast<long long>(n) * (c + 1) / nchunk);
        // A row is taken in batches of up to kBatch pairs within the cutoff: the list's slots beyond it
        // (about half, the skin shell) are dropped without a branch, and exp/erfc run in loops of their own.
        constexpr int kBatch = 64;
        int bj[kBatch];
        double bx[kBatch], by[kBatch], bz[kBatch], brsq[kBatch], br[kBatch], bexp[kBatch], bd[kBatch], bc[kBatch];
        const BornPairCoeffs* bp[kBatch];
        for (int i = begin; i < end; ++i) {
            const Vec3 xi = x[i];
            const BornPairCoeffs* ci = coeffs + type[i] * ns;
            const double qi = q[i];
            Vec3 fi{0, 0, 0};
            double ei = 0.0;
            int s = off[i];
            const int send = off[i + 1];
            while (s < send) {
                int m = 0;
                for (; s < send && m < kBatch; ++s) {
                    const int j = jj[s];
                    const Vec3 d = x[j] + T[code[s]] - xi;
                    const double rsq = dot(d, d);
                    bj[m] = j;
                    bx[m] = d.x, by[m] = d.y, bz[m] = d.z;
                    brsq[m] = rsq;
                    m += rsq < rc2 ? 1 : 0;
                }
                for (int k = 0; k < m; ++k) {
                    br[k] = sqrt(brsq[k]);
                    bp[k] = ci + type[bj[k]];
                }
                for (int k = 0; k < m; ++k) bexp[k] = born_exp_arg(*bp[k], br[k]);
                exp_batch(arith, bexp, bexp, m);
                if (coul) {
                    for (int k = 0; k < m; ++k) bd[k] = dsf_exp_arg(dsf, brsq[k]);
                    exp_batch(arith, bd, bd, m);
                    for (int k = 0; k < m; ++k) bc[k] = dsf_erfc_arg(dsf, br[k]);
                    erfc_batch(arith, bc, bc, m);
                }
                for (int k = 0; k < m; ++k) {
                    const int j = bj[k];
                    const double rsq = brsq[k], rr = br[k];
                    double eb = 0.0, ec = 0.0;
                    const double fb = born_pair_from(*bp[k], rsq, rr, bexp[k], &eb);
                    double fc = 0.0;
                    if (coul) fc = dsf_pair_from(dsf, qi * q[j], rsq, rr, bd[k], bc[k], &ec);
                    const double fpair = (fc + fb) / rsq;
                    const Vec3 d{bx[k], by[k], bz[k]};
                    const Vec3 fj = fpair * d;  // force on j; the force on i is −fj
                    fi -= fj;
                    acc[j] += fj;
                    evdwl += eb;
                    ecoul += ec;
                    if (esite) {
                        const double half = 0.5 * (eb + ec);
                        ei += half;
                        esite[j] += half;
                    }
                    add_outer(w, d, d, fpair);
                }
            }
            acc[i] += fi;
            if (esite) esite[i] += ei;
        }
        chunk_evdwl_[c] = evdwl;
        chunk_ecoul_[c] = ecoul;
        chunk_virial_[c] = w;
    }
    // Per atom, the chunks' sums in chunk order.
#pragma omp for schedule(static)
    for (int i = 0; i < n; ++i) {
        Vec3 f = chunk_force_[static_cast<std::size_t>(i)];
        for (int c = 1; c < nchunk; ++c) f += chunk_force_[nn * c + i];
        F[i] = f;
        if (site) {
            double e = chunk_site_[static_cast<std::size_t>(i)];
            for (int c = 1; c < nchunk; ++c) e += chunk_site_[nn * c + i];
            site[i] = e + (coul ? dsf_self_energy(dsf, q[i]) : 0.0);
        }
    }
    }  // omp parallel

    double evdwl = 0.0, ecoul = 0.0;
    Mat3 W = mat3_zero();
    for (int c = 0; c < nchunk; ++c) {
        evdwl += chunk_evdwl_[c];
        ecoul += chunk_ecoul_[c];
        for (int a = 0; a < 3; ++a)
            for (int b = 0; b < 3; ++b) W.m[a][b] += chunk_virial_[c].m[a][b];
    }
    if (coul)
        for (int i = 0; i < n; ++i) ecoul += dsf_self_energy(dsf, q[i]);
    last_evdwl_ = evdwl;
    last_ecoul_ = ecoul;
    out.energy = evdwl + ecoul;
    out.virial = W;
    out.close_pairs = 0;
    out.close_i = out.close_j = -1;
    out.close_r = 0.0;
}

}  // namespace mdrun
