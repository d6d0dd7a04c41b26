// Per-pair math of the Born–Mayer–Huggins potential with optional damped-shifted-force (DSF) Coulomb,
// following the conventions of LAMMPS `born` and `born/coul/dsf` (as documented in
// ../shared/data/lammps_reference/README.md):
//   E_born(r) = A·exp((σ−r)/ρ) − C/r⁶ + D/r⁸ − E_born(rc)            (pair_modify shift yes; force unshifted)
//   E_dsf(r)  = k·qi·qj·[erfc(αr)/r − e_shift − r·f_shift]            (zero value and slope at rc)
//   E_self,i  = −(e_shift/2 + α/√π)·k·qi²                              (per atom, part of the energy)
// with f_shift = −(erfc(α·rc)/rc² + 2α/√π·exp(−α²rc²)/rc), e_shift = erfc(α·rc)/rc − f_shift·rc, k = qqr2e.
// Written once for the CPU backend and CUDA kernels (MDRUN_HD_INLINE, PODs only).
#pragma once
#include <cmath>

#include "engine/core/hd.hpp"

namespace mdrun {

// Coefficients of one species pair, precomputed from (A, ρ, σ, C, D) and the cutoff.
struct BornPairCoeffs {
    double a, rhoinv, sigma, c, d;
    double born1, born2, born3;  // A/ρ, 6C, 8D: the force terms
    double offset;               // E_born(rc) (the energy shift)
};

// DSF constants shared by all pairs.
struct DsfCoeffs {
    double alpha;
    double e_shift, f_shift;
    double qqrd2e;
    double two_alpha_over_sqrtpi;
};

constexpr double kSqrtPi = 1.77245385090551602729;  // √π

MDRUN_HD_INLINE BornPairCoeffs born_pair_coeffs(double A, double rho, double sigma, double C, double D, double rc) {
    BornPairCoeffs p;
    p.a = A;
    p.rhoinv = 1.0 / rho;
    p.sigma = sigma;
    p.c = C;
    p.d = D;
    p.born1 = A / rho;
    p.born2 = 6.0 * C;
    p.born3 = 8.0 * D;
    const double rexp = exp((sigma - rc) * p.rhoinv);
    const double rc2 = rc * rc, rc6 = rc2 * rc2 * rc2;
    p.offset = A * rexp - C / rc6 + D / (rc6 * rc2);
    return p;
}

MDRUN_HD_INLINE DsfCoeffs dsf_coeffs(double alpha, double rc, double qqrd2e) {
    DsfCoeffs c;
    c.alpha = alpha;
    c.qqrd2e = qqrd2e;
    c.two_alpha_over_sqrtpi = 2.0 * alpha / kSqrtPi;
    const double erfcc = erfc(alpha * rc);
    const double erfcd = exp(-alpha * alpha * rc * rc);
    c.f_shift = -(erfcc / (rc * rc) + 2.0 / kSqrtPi * alpha * erfcd / rc);
    c.e_shift = erfcc / rc - c.f_shift * rc;
    return c;
}

// DSF self energy of one atom with charge q.
MDRUN_HD_INLINE double dsf_self_energy(const DsfCoeffs& c, double q) {
    return -(c.e_shift / 2.0 + c.alpha / kSqrtPi) * q * q * c.qqrd2e;
}

// The arguments of the special functions of a pair, apart so that a batched CPU loop can call exp and erfc
// in loops of their own (nothing else live across the calls) and then evaluate the *_from terms below with
// the same values: rexp = exp(born_exp_arg), erfcd = exp(dsf_exp_arg), erfcc = erfc(dsf_erfc_arg).
MDRUN_HD_INLINE double born_exp_arg(const BornPairCoeffs& p, double r) { return (p.sigma - r) * p.rhoinv; }
MDRUN_HD_INLINE double dsf_exp_arg(const DsfCoeffs& c, double rsq) { return -c.alpha * c.alpha * rsq; }
MDRUN_HD_INLINE double dsf_erfc_arg(const DsfCoeffs& c, double r) { return c.alpha * r; }

// Born part from rexp = exp(born_exp_arg(p, r)).
MDRUN_HD_INLINE double born_pair_from(const BornPairCoeffs& p, double rsq, double r, double rexp, double* e) {
    const double r2inv = 1.0 / rsq;
    const double r6inv = r2inv * r2inv * r2inv;
    *e = p.a * rexp - p.c * r6inv + p.d * r6inv * r2inv - p.offset;
    return p.born1 * r * rexp - p.born2 * r6inv + p.born3 * r2inv * r6inv;
}

// Born part for a pair at squared distance rsq (< rc²). Returns −(dE/dr)·r (LAMMPS "forceborn"), and the
// shifted energy in *e.
MDRUN_HD_INLINE double born_pair(const BornPairCoeffs& p, double rsq, double r, double* e) {
    return born_pair_from(p, rsq, r, exp(born_exp_arg(p, r)), e);
}

// DSF Coulomb part from erfcd = exp(dsf_exp_arg(c, rsq)) and erfcc = erfc(dsf_erfc_arg(c, r)).
MDRUN_HD_INLINE double dsf_pair_from(const DsfCoeffs& c, double qiqj, double rsq, double r, double erfcd, double erfcc,
                                     double* e) {
    const double prefactor = c.qqrd2e * qiqj / r;
    *e = prefactor * (erfcc - r * c.e_shift - rsq * c.f_shift);
    return prefactor * (erfcc / r + c.two_alpha_over_sqrtpi * erfcd + r * c.f_shift) * r;
}

// DSF Coulomb part for charges product qiqj. Returns −(dE/dr)·r, energy in *e.
MDRUN_HD_INLINE double dsf_pair(const DsfCoeffs& c, double qiqj, double rsq, double r, double* e) {
    return dsf_pair_from(c, qiqj, rsq, r, exp(dsf_exp_arg(c, rsq)), erfc(dsf_erfc_arg(c, r)), e);
}

// Full pair: returns fpair = −(dE/dr)/r, so that the force on j is fpair·r_ij and on i −fpair·r_ij
// (r_ij = x_j − x_i). Energy in *e. Call only for rsq < rc².
MDRUN_HD_INLINE double born_dsf_pair(const BornPairCoeffs& p, const DsfCoeffs& c, bool coulomb, double qiqj,
                                     double rsq, double* e) {
    const double r = sqrt(rsq);
    double eb = 0.0, ec = 0.0;
    const double fb = born_pair(p, rsq, r, &eb);
    double fc = 0.0;
    if (coulomb) fc = dsf_pair(c, qiqj, rsq, r, &ec);
    *e = eb + ec;
    return (fc + fb) / rsq;
}

}  // namespace mdrun
