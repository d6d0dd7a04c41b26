#include "potentials/mtp_potential.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "engine/error.hpp"
#include "potentials/mtp_math.hpp"

namespace mdrun {

MtpPotential::MtpPotential(MtpModel model, std::vector<int> species_map)
    : model_(std::move(model)), species_map_(std::move(species_map)) {
    for (size_t t = 0; t < species_map_.size(); ++t) {
        if (species_map_[t] < 0 || species_map_[t] >= model_.species_count)
            throw Error(model_.source + ": species " + std::to_string(t) + " maps to MTP species " +
                        std::to_string(species_map_[t]) + ", but the potential has species_count = " +
                        std::to_string(model_.species_count));
    }
    tables_ = build_mtp_tables(model_);
}

namespace {

// Per-thread buffers for one site, grown to the longest neighbour row seen.
struct SiteBuffers {
    std::vector<double> rx, ry, rz, dx, dy, dz, scratch;
    std::vector<int> ntype, slot;
    int cap = 0;
    void reserve(const MtpParamsView& p, int n) {
        if (n <= cap) return;
        cap = std::max(n, 2 * cap);
        for (auto* v : {&rx, &ry, &rz, &dx, &dy, &dz}) v->assign(cap, 0.0);
        ntype.assign(cap, 0);
        slot.assign(cap, 0);
        scratch.assign(mtp_scratch_size(p, cap), 0.0);
    }
};

}  // namespace

void MtpPotential::compute(const System& sys, const NeighborList& nl, std::vector<Vec3>& force, ForceResult& out,
                           bool want_site_energy) const {
    const int n = static_cast<int>(sys.size());
    if (static_cast<int>(nl.size()) != n)
        throw Error("MTP: the neighbour list has " + std::to_string(nl.size()) + " atoms, the system " +
                    std::to_string(n));
    if (nl.cutoff < model_.max_dist)
        throw Error("MTP: neighbour list cutoff " + std::to_string(nl.cutoff) + " Å is below the potential's max_dist " +
                    std::to_string(model_.max_dist) + " Å");
    std::vector<int> mtp_type(n);
    for (int i = 0; i < n; ++i) {
        const int t = sys.type[i];
        if (t < 0 || t >= static_cast<int>(species_map_.size()))
            throw Error("MTP: atom " + std::to_string(i + 1) + " has species index " + std::to_string(t) +
                        " with no mapping onto the potential's species");
        mtp_type[i] = species_map_[t];
    }

    const MtpParamsView p = tables_.view();
    const double rc = model_.max_dist, rmin = model_.min_dist;
    const long npairs = static_cast<long>(nl.pairs());
    std::vector<Vec3> D(npairs);          // dV_i/dr_ij per neighbour slot (zero beyond the cutoff)
    std::vector<double> site(n);
    std::vector<Mat3> site_virial(n);
    std::vector<long> close_count(n, 0);
    std::vector<std::pair<int, double>> close_example(n, {-1, 0.0});
    force.assign(n, Vec3{0, 0, 0});

#pragma omp parallel
    {
        SiteBuffers buf;
#pragma omp for schedule(dynamic, 8)
        for (int i = 0; i < n; ++i) {
            const int s0 = nl.offset[i], s1 = nl.offset[i + 1];
            buf.reserve(p, s1 - s0);
            int nn = 0;
            const Vec3 xi = sys.pos[i];
            for (int s = s0; s < s1; ++s) {
                const int j = nl.j[s];
                const Vec3 r = sys.pos[j] + nl.shift[s] - xi;
                const double d = std::sqrt(norm2(r));
                D[s] = Vec3{0, 0, 0};
                if (!(d < rc)) continue;  // strict r < max_dist, as MLIP
                if (d < rmin) {
                    if (close_count[i] == 0) close_example[i] = {j, d};
                    close_count[i]++;
                }
                buf.rx[nn] = r.x;
                buf.ry[nn] = r.y;
                buf.rz[nn] = r.z;
                buf.ntype[nn] = mtp_type[j];
                buf.slot[nn] = s;
                ++nn;
            }
            site[i] = mtp_site(p, mtp_type[i], nn, buf.cap, buf.rx.data(), buf.ry.data(), buf.rz.data(),
                               buf.ntype.data(), buf.scratch.data(), buf.dx.data(), buf.dy.data(), buf.dz.data());
            Mat3 w = mat3_zero();
            for (int k = 0; k < nn; ++k) {
                const Vec3 d{buf.dx[k], buf.dy[k], buf.dz[k]};
                D[buf.slot[k]] = d;
                add_outer(w, d, Vec3{buf.rx[k], buf.ry[k], buf.rz[k]}, -1.0);
            }
            site_virial[i] = w;
        }
        // Deterministic gather: F_i = sum_s D_{i,s} - sum_s D_{j(s), reverse(s)}.
#pragma omp for schedule(static)
        for (int i = 0; i < n; ++i) {
            Vec3 f{0, 0, 0};
            for (int s = nl.offset[i]; s < nl.offset[i + 1]; ++s) {
                f += D[s];
                f -= D[nl.reverse[s]];
            }
            force[i] = f;
        }
    }

    // Serial sums in atom order: independent of the thread count.
    out = ForceResult{};
    double e = 0.0;
    Mat3 W = mat3_zero();
    for (int i = 0; i < n; ++i) {
        e += site[i];
        for (int a = 0; a < 3; ++a)
            for (int b = 0; b < 3; ++b) W.m[a][b] += site_virial[i].m[a][b];
        if (close_count[i] > 0) {
            if (out.close_pairs == 0) {
                out.close_i = i;
                out.close_j = close_example[i].first;
                out.close_r = close_example[i].second;
            }
            out.close_pairs += close_count[i];
        }
    }
    out.energy = e;
    out.virial = W;
    if (want_site_energy) out.site_energy = std::move(site);
}

}  // namespace mdrun
