#include "potentials/mtp_grade.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "engine/core/error.hpp"
#include "engine/core/omp_trap.hpp"
#include "potentials/mtp_grade_math.hpp"
#include "potentials/mtp_group_eval.hpp"

namespace mdrun {

int mtp_coeff_count(const MtpPotential& pot) { return mtp_coeff_count(pot.tables().view()); }

namespace {

// Compiled for the baseline and for x86-64-v3 (AVX2), chosen at run time, like the force evaluation in
// mtp_potential.cpp: `flatten` inlines the shared math into each clone; no FMA contraction, so both clones
// give the same numbers.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(MDRUN_NO_CPU_CLONES)
#define MDRUN_GRADE_CLONES \
    __attribute__((target_clones("arch=x86-64-v3", "default"), flatten, optimize("fp-contract=off")))
#else
#define MDRUN_GRADE_CLONES
#endif

constexpr int kLanes = kMtpCpuLanes;  // sites per group, as the force evaluation (mtp_potential.cpp)

MDRUN_GRADE_CLONES void group_grad(const MtpParamsView& p, int nsites, const int* a, const int* nn, int cap,
                                   double* const* rx, double* const* ry, double* const* rz, int* const* nt,
                                   double* const* scr, double* Ml, double* gl, double scaling, double* const* out) {
    mtp_sites_grad_lanes<kLanes>(p, nsites, a, nn, cap, rx, ry, rz, nt, scr, Ml, gl, scaling, out);
}

}  // namespace

void mtp_site_gradients(const MtpPotential& pot, const System& sys, const NeighborList& nl, std::vector<double>& rows,
                        std::vector<double>* site_energy) {
    const int n = static_cast<int>(sys.size());
    const MtpParamsView p = pot.tables().view();
    const int nc = mtp_coeff_count(p);
    if (static_cast<int>(nl.size()) != n || nl.cutoff < pot.model().max_dist)
        throw Error("MTP grade: the neighbour list does not match the system or is shorter than max_dist");
    const double scaling = pot.model().scaling, rc = pot.model().max_dist;
    rows.assign(static_cast<size_t>(n) * nc, 0.0);
    if (site_energy) site_energy->assign(n, 0.0);
    const std::vector<int>& map = pot.species_map();
    OmpTrap trap;  // scratch grows inside the region: no exception may leave it
#pragma omp parallel if (n >= 64)
    {
        std::vector<double> rx[kLanes], ry[kLanes], rz[kLanes], scratch[kLanes];
        std::vector<int> nt[kLanes];
        std::vector<double> Ml(static_cast<size_t>(p.n_alpha) * kLanes), gl(Ml.size());
        const int ngroups = (n + kLanes - 1) / kLanes;
#pragma omp for schedule(dynamic, 2)
        for (int grp = 0; grp < ngroups; ++grp) {
            trap.run([&] {
            const int first = grp * kLanes;
            const int nsites = std::min(kLanes, n - first);
            int cap = 1;
            for (int l = 0; l < nsites; ++l) cap = std::max(cap, nl.offset[first + l + 1] - nl.offset[first + l]);
            const size_t need = static_cast<size_t>(mtp_grade_scratch_size(p, cap));
            int a[kLanes] = {}, nn[kLanes] = {};
            double *prx[kLanes], *pry[kLanes], *prz[kLanes], *pscr[kLanes], *pout[kLanes];
            int* pnt[kLanes];
            for (int l = 0; l < kLanes; ++l) {
                if (static_cast<int>(rx[l].size()) < cap) {
                    rx[l].resize(cap);
                    ry[l].resize(cap);
                    rz[l].resize(cap);
                    nt[l].resize(cap);
                }
                if (scratch[l].size() < need) scratch[l].resize(need);
                prx[l] = rx[l].data();
                pry[l] = ry[l].data();
                prz[l] = rz[l].data();
                pnt[l] = nt[l].data();
                pscr[l] = scratch[l].data();
                pout[l] = nullptr;
            }
            for (int l = 0; l < nsites; ++l) {
                const int i = first + l;
                a[l] = map[sys.type[i]];
                pout[l] = rows.data() + static_cast<size_t>(i) * nc;
                int k = 0;
                for (int s = nl.offset[i]; s < nl.offset[i + 1]; ++s) {
                    const Vec3 r = sys.pos[nl.j[s]] + slot_shift(nl, static_cast<std::size_t>(s)) - sys.pos[i];
                    if (!(std::sqrt(norm2(r)) < rc)) continue;  // strict r < max_dist, as MLIP
                    rx[l][k] = r.x;
                    ry[l][k] = r.y;
                    rz[l][k] = r.z;
                    nt[l][k] = map[sys.type[nl.j[s]]];
                    ++k;
                }
                nn[l] = k;
            }
            group_grad(p, nsites, a, nn, cap, prx, pry, prz, pnt, pscr, Ml.data(), gl.data(), scaling, pout);
            if (site_energy) mtp_scalar_energy_lanes<kLanes>(p, nsites, a, Ml.data(), site_energy->data() + first);
            });
        }
    }
    trap.rethrow();
}

void check_grade_weights(const GradeWeights& w, const char* where) {
    if (w.force != 0.0 || w.stress != 0.0)
        throw Error(std::string(where) +
                    ": force and stress equations in the selection (force/stress weight != 0) are not implemented; "
                    "use the energy weight and/or the site-energy (nbh) weight");
    if (w.site == 0.0 && w.energy == 0.0)
        throw Error(std::string(where) + ": both the energy weight and the nbh (site-energy) weight are 0: nothing to select by");
    for (double x : {w.site, w.energy})
        if (!std::isfinite(x)) throw Error(std::string(where) + ": weights must be finite numbers");
}

int append_grade_rows(const MtpPotential& pot, const System& sys, const GradeWeights& w, std::vector<double>& rows) {
    const int n = static_cast<int>(sys.size());
    if (n == 0) return 0;
    NeighborList nl;
    build_neighbor_list(sys.box, sys.pos, pot.list_cutoff(), nl);
    std::vector<double> g;
    mtp_site_gradients(pot, sys, nl, g);
    const int nc = mtp_coeff_count(pot);
    int added = 0;
    if (w.site != 0.0) {
        rows.insert(rows.end(), g.begin(), g.end());
        added += n;
    }
    if (w.energy != 0.0) {
        // Sum over sites in atom order, then weight / N (MLIP's "vibrations" weighting).
        std::vector<double> e(nc, 0.0);
        for (int i = 0; i < n; ++i)
            for (int c = 0; c < nc; ++c) e[c] += g[static_cast<size_t>(i) * nc + c];
        for (int c = 0; c < nc; ++c) e[c] = w.energy * e[c] / n;
        rows.insert(rows.end(), e.begin(), e.end());
        added += 1;
    }
    return added;
}

}  // namespace mdrun

namespace mdrun {

namespace {

constexpr int kGradeBlock = 16;  // sites per pass over the compacted inverse

// c_l = sum_t x_l[t] KT[t][:] for up to kGradeBlock rows x_l (compacted, length L; KT is L x n), then
// out_l = max_j |c_lj|. Unit-stride axpys over j (vectorisable, fixed order: deterministic); KT is read
// once per block of sites. `c` is scratch of kGradeBlock * n doubles.
MDRUN_GRADE_CLONES void grade_block(int n, int L, const double* KT, const double* x, int nrows, double* c,
                                    double* out) {
    for (long k = 0; k < static_cast<long>(nrows) * n; ++k) c[k] = 0.0;
    for (int t = 0; t < L; ++t) {
        const double* MDRUN_RESTRICT kt = KT + static_cast<long>(t) * n;
        for (int l = 0; l < nrows; ++l) {
            const double xl = x[static_cast<long>(l) * L + t];
            if (xl == 0.0) continue;
            double* MDRUN_RESTRICT cl = c + static_cast<long>(l) * n;
            for (int j = 0; j < n; ++j) cl[j] += xl * kt[j];
        }
    }
    for (int l = 0; l < nrows; ++l) {
        double best = 0.0;
        const double* cl = c + static_cast<long>(l) * n;
        for (int j = 0; j < n; ++j) best = std::max(best, std::fabs(cl[j]));
        out[l] = best;
    }
}

}  // namespace

SiteGrader::SiteGrader(const MtpPotential& pot, const MaxVol& mv) : n_(mv.n), map_(pot.species_map()) {
    const MtpParamsView p = pot.tables().view();
    if (mtp_coeff_count(p) != mv.n) throw Error("SiteGrader: the active set does not belong to this potential");
    const int S = p.n_species, blk = p.n_mu * p.n_q, rad = mtp_radial_coeff_count(p);
    cols_.resize(S);
    K_.resize(S);
    for (int a = 0; a < S; ++a) {
        for (int c = a * S * blk; c < (a + 1) * S * blk; ++c) cols_[a].push_back(c);
        cols_[a].push_back(rad + a);
        for (int s = 0; s < p.n_scalar; ++s) cols_[a].push_back(rad + S + s);
        const int L = static_cast<int>(cols_[a].size());
        K_[a].resize(static_cast<size_t>(n_) * L);  // K_[a][t][j] = (A^{-1})(cols[t], j)
        for (int j = 0; j < n_; ++j)
            for (int t = 0; t < L; ++t) K_[a][static_cast<size_t>(t) * n_ + j] = mv.invA_T[static_cast<size_t>(j) * n_ + cols_[a][t]];
    }
}

void SiteGrader::grades(const System& sys, const std::vector<double>& rows, std::vector<double>& out) const {
    const int n = static_cast<int>(sys.size());
    out.assign(n, 0.0);
    // Sites grouped by species, four at a time.
    std::vector<std::vector<int>> by(cols_.size());
    for (int i = 0; i < n; ++i) by[map_[sys.type[i]]].push_back(i);
    struct Job {
        int a, first, count;
    };
    std::vector<Job> jobs;
    for (int a = 0; a < static_cast<int>(by.size()); ++a)
        for (int f = 0; f < static_cast<int>(by[a].size()); f += kGradeBlock)
            jobs.push_back({a, f, std::min(kGradeBlock, static_cast<int>(by[a].size()) - f)});
#pragma omp parallel if (n >= 64)
    {
        std::vector<double> x, c(static_cast<size_t>(kGradeBlock) * n_);
#pragma omp for schedule(dynamic, 1)
        for (long q = 0; q < static_cast<long>(jobs.size()); ++q) {
            const Job& jb = jobs[q];
            const std::vector<int>& cols = cols_[jb.a];
            const int L = static_cast<int>(cols.size());
            x.assign(static_cast<size_t>(kGradeBlock) * L, 0.0);
            for (int l = 0; l < jb.count; ++l) {
                const double* r = rows.data() + static_cast<size_t>(by[jb.a][jb.first + l]) * n_;
                for (int t = 0; t < L; ++t) x[static_cast<size_t>(l) * L + t] = r[cols[t]];
            }
            double g[kGradeBlock];
            grade_block(n_, L, K_[jb.a].data(), x.data(), jb.count, c.data(), g);
            for (int l = 0; l < jb.count; ++l) out[by[jb.a][jb.first + l]] = g[l];
        }
    }
}

GradeSet::GradeSet(const MtpPotential& pot, MaxVol maxvol, GradeWeights weights)
    : pot_(&pot), mv_(std::move(maxvol)), w_(weights), grader_(pot, mv_) {
    check_grade_weights(w_, "GradeSet");
}

void GradeSet::grade_rows(const System& sys, const std::vector<double>& rows, ConfigGrades& out) const {
    const int n = static_cast<int>(sys.size()), nc = mv_.n;
    if (rows.size() != static_cast<size_t>(n) * nc) throw Error("GradeSet: the rows do not match the system");
    out.site.clear();
    out.energy = -1.0;
    out.max = 0.0;
    if (w_.site != 0.0) {
        grader_.grades(sys, rows, out.site);
        for (double g : out.site) out.max = std::max(out.max, g);
    }
    if (w_.energy != 0.0 && n > 0) {
        // Sum over sites in atom order, then weight / N (MaxvolSelection's energy row); the grade as
        // maxvol_row_grade sums it (the CUDA kernels use the same function).
        std::vector<double> e(nc, 0.0);
        for (int i = 0; i < n; ++i)
            for (int c = 0; c < nc; ++c) e[c] += rows[static_cast<size_t>(i) * nc + c];
        for (int c = 0; c < nc; ++c) e[c] = w_.energy * e[c] / n;
        out.energy = maxvol_row_grade(nc, mv_.invA_T.data(), e.data(), nullptr);
        out.max = std::max(out.max, out.energy);
    }
}

void GradeSet::grade(const System& sys, ConfigGrades& out) const {
    NeighborList nl;
    build_neighbor_list(sys.box, sys.pos, pot_->list_cutoff(), nl);
    std::vector<double> rows;
    mtp_site_gradients(*pot_, sys, nl, rows);
    grade_rows(sys, rows, out);
}

}  // namespace mdrun
