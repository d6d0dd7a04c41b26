#include "potentials/mtp_grade.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "engine/error.hpp"
#include "potentials/mtp_grade_math.hpp"

namespace mdrun {

int mtp_coeff_count(const MtpPotential& pot) { return mtp_coeff_count(pot.tables().view()); }

void mtp_site_gradients(const MtpPotential& pot, const System& sys, const NeighborList& nl, std::vector<double>& rows,
                        std::vector<double>* site_energy) {
    const int n = static_cast<int>(sys.size());
    const MtpParamsView p = pot.tables().view();
    const int nc = mtp_coeff_count(p);
    if (p.n_mu > 16) throw Error(pot.model().source + ": grades support at most 16 radial functions");
    if (static_cast<int>(nl.size()) != n || nl.cutoff < pot.model().max_dist)
        throw Error("MTP grade: the neighbour list does not match the system or is shorter than max_dist");
    const double scaling = pot.model().scaling, rc = pot.model().max_dist;
    rows.assign(static_cast<size_t>(n) * nc, 0.0);
    if (site_energy) site_energy->assign(n, 0.0);
    const std::vector<int>& map = pot.species_map();
#pragma omp parallel if (n >= 64)
    {
        std::vector<double> rx, ry, rz, scratch;
        std::vector<int> nt;
#pragma omp for schedule(dynamic, 4)
        for (int i = 0; i < n; ++i) {
            const int len = nl.offset[i + 1] - nl.offset[i];
            if (static_cast<int>(rx.size()) < len) {
                rx.resize(len);
                ry.resize(len);
                rz.resize(len);
                nt.resize(len);
            }
            const int cap = std::max(1, len);
            const size_t need = static_cast<size_t>(mtp_scratch_size(p, cap));
            if (scratch.size() < need) scratch.resize(need);
            int k = 0;
            for (int s = nl.offset[i]; s < nl.offset[i + 1]; ++s) {
                const Vec3 r = sys.pos[nl.j[s]] + nl.shift[s] - sys.pos[i];
                if (!(std::sqrt(norm2(r)) < rc)) continue;  // strict r < max_dist, as MLIP
                rx[k] = r.x;
                ry[k] = r.y;
                rz[k] = r.z;
                nt[k] = map[sys.type[nl.j[s]]];
                ++k;
            }
            const double v = mtp_site_grad(p, map[sys.type[i]], k, cap, rx.data(), ry.data(), rz.data(), nt.data(),
                                           scratch.data(), scaling, 1.0, rows.data() + static_cast<size_t>(i) * nc);
            if (site_energy) (*site_energy)[i] = v;
        }
    }
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
