#include "potentials/mtp_potential.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <new>
#include <utility>

#include "engine/core/error.hpp"
#include "engine/core/omp_trap.hpp"
#include "potentials/mtp_grade_math.hpp"
#include "potentials/mtp_cpu_fused.hpp"
#include "potentials/mtp_group_eval.hpp"
#include "potentials/mtp_math.hpp"

namespace mdrun {

MtpPotential::MtpPotential(MtpModel model, std::vector<int> species_map, MtpArithmetic arithmetic)
    : model_(std::move(model)),
      species_map_(std::move(species_map)),
      requested_(arithmetic),
      arithmetic_(resolve_mtp_arithmetic(arithmetic)) {
    for (size_t t = 0; t < species_map_.size(); ++t) {
        if (species_map_[t] < 0 || species_map_[t] >= model_.species_count)
            throw Error(model_.source + ": species " + std::to_string(t) + " maps to MTP species " +
                        std::to_string(species_map_[t]) + ", but the potential has species_count = " +
                        std::to_string(model_.species_count));
    }
    tables_ = build_mtp_tables(model_);
}

namespace {

constexpr int kLanes = kMtpCpuLanes;  // sites per group (potentials/mtp_group_eval.hpp)

// Per-thread buffers for one group of sites, grown to the longest neighbour row seen. They are kept
// thread_local between calls (MD calls compute() every step; OpenMP reuses its pool threads), and
// never need zeroing: the math writes every entry it reads.
struct GroupBuffers {
    std::vector<double> rx[kLanes], ry[kLanes], rz[kLanes], dx[kLanes], dy[kLanes], dz[kLanes], scratch[kLanes];
    std::vector<int> ntype[kLanes], slot[kLanes];
    std::vector<double> Ml, gl;  // Ml used through ml()
    // One row before its sort by species (FMA arithmetic), and the species' start slots.
    std::vector<double> sx, sy, sz;
    std::vector<int> stype, sslot, species_start;
    int cap = 0;
    // The lane-interleaved moments start on a 64-byte boundary, so with 8 lanes each moment's lanes are one
    // cache line: every contraction row loads two moments, and from a plain vector (once large, malloc puts
    // it 16 bytes past a page) each straddled two lines. Measured (issue #16, benchmarks/README.md): lev22
    // 4.5 % faster (fma) and 3.5 % (exact), lev18 2.6 %, lev16 unchanged. Aligning gl as well gained nothing
    // more at lev22 and made lev16 2.5 % slower, so gl stays as it is. Alignment changes no number.
    static constexpr size_t kPad = 64 / sizeof(double);
    double* ml() {
        const auto addr = reinterpret_cast<std::uintptr_t>(Ml.data());
        return Ml.data() + ((64 - addr % 64) % 64) / sizeof(double);
    }
    // Room for rows of n slots (padded ones of the FMA group included).
    void reserve(const MtpParamsView& p, int n) {
        const size_t moments = static_cast<size_t>(p.n_alpha) * kLanes;
        if (Ml.size() < moments + kPad) {
            Ml.resize(moments + kPad);
            gl.resize(moments + kPad);
        }
        // A multiple of the FMA group's block, so that every padded row fits.
        if (n > cap) cap = (std::max(n, 2 * cap) + kMtpBlock - 1) / kMtpBlock * kMtpBlock;
        const size_t need = static_cast<size_t>(mtp_grade_scratch_size(p, cap));  // (G of the grade rows too)
        if (sx.size() < static_cast<size_t>(cap)) {
            for (auto* v : {&sx, &sy, &sz}) v->resize(cap);
            stype.resize(cap);
            sslot.resize(cap);
        }
        species_start.resize(static_cast<size_t>(p.n_species) + 1);
        for (int l = 0; l < kLanes; ++l) {
            if (rx[l].size() < static_cast<size_t>(cap)) {
                for (auto* v : {&rx[l], &ry[l], &rz[l], &dx[l], &dy[l], &dz[l]}) v->resize(cap);
                ntype[l].resize(cap);
                slot[l].resize(cap);
            }
            // The scratch size also depends on the potential (another MtpPotential may have used it).
            if (scratch[l].size() < need) scratch[l].resize(need);
        }
    }
    // The FMA group's row layout (potentials/mtp_group_eval.hpp): the k slots of lane l sorted by neighbour
    // species (stable: within a species the list's order), then padded to a multiple of kMtpBlock with slots at
    // r = pad_r (max_dist) carrying the last species. Returns the padded length.
    int sort_and_pad(int l, int k, int n_species, double pad_r) {
        int* start = species_start.data();
        std::fill(start, start + n_species + 1, 0);
        for (int q = 0; q < k; ++q) start[ntype[l][q] + 1]++;
        if (n_species > 1 && k > 0 && start[ntype[l][0] + 1] != k) {  // more than one species in the row
            for (int t = 0; t < n_species; ++t) start[t + 1] += start[t];
            std::copy(rx[l].begin(), rx[l].begin() + k, sx.begin());
            std::copy(ry[l].begin(), ry[l].begin() + k, sy.begin());
            std::copy(rz[l].begin(), rz[l].begin() + k, sz.begin());
            std::copy(ntype[l].begin(), ntype[l].begin() + k, stype.begin());
            std::copy(slot[l].begin(), slot[l].begin() + k, sslot.begin());
            for (int q = 0; q < k; ++q) {
                const int d = start[stype[q]]++;
                rx[l][d] = sx[q];
                ry[l][d] = sy[q];
                rz[l][d] = sz[q];
                ntype[l][d] = stype[q];
                slot[l][d] = sslot[q];
            }
        }
        const int padded = (k + kMtpBlock - 1) / kMtpBlock * kMtpBlock;
        const int last = k > 0 ? ntype[l][k - 1] : 0;
        for (int q = k; q < padded; ++q) {
            rx[l][q] = pad_r;
            ry[l][q] = 0.0;
            rz[l][q] = 0.0;
            ntype[l][q] = last;
        }
        return padded;
    }
};

// Per-call arrays of the calling thread, kept between calls for the same reason.
struct CallBuffers {
    std::vector<Vec3> D;  // dV_i/dr_ij per neighbour slot (zero beyond the cutoff)
    std::vector<double> site;
    std::vector<Mat3> site_virial;
    std::vector<long> close_count;
    std::vector<std::pair<int, double>> close_example;
    std::vector<Vec3> chunk_force;  // MtpForceSum::Chunks: one force array per chunk
    std::vector<int> mtp_type;      // the MTP species of every atom
};

// MtpForceSum::Chunks: chunks of site groups, a number fixed by the atom count (never by the threads): 16
// whenever there are 16 groups, so that up to 16 threads share the work evenly (dynamic schedule) at any
// size, for 16 × 24 = 384 bytes per atom. More threads per system than that: force_sum = "slots".
constexpr int kForceChunks = 16;
int force_chunks(int ngroups) { return std::max(1, std::min(kForceChunks, ngroups)); }

// The group evaluation is compiled twice on x86-64 with GCC: for the portable baseline (SSE2) and for
// x86-64-v3 (AVX2), chosen at run time from the CPU (an ifunc). `flatten` inlines the shared math of
// mtp_math.hpp into each clone, so both are the same source; no -ffast-math and no FMA contraction
// (-ffp-contract=off for all host code, CMakeLists.txt), so the two give bitwise the same numbers, only faster.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(MDRUN_NO_CPU_CLONES)
#define MDRUN_CPU_CLONES \
    __attribute__((target_clones("arch=x86-64-v3", "default"), flatten, optimize("fp-contract=off")))
#else
#define MDRUN_CPU_CLONES
#endif

MDRUN_CPU_CLONES void evaluate_group(const MtpParamsView& p, int nsites, const int* a, const int* nn, int cap,
                                     double* const* rx, double* const* ry, double* const* rz, int* const* nt,
                                     double* const* scr, double* Ml, double* gl, double* v, double* const* dx,
                                     double* const* dy, double* const* dz) {
    mtp_sites_lanes_cpu<kLanes>(p, nsites, a, nn, cap, rx, ry, rz, nt, scr, Ml, gl, v, dx, dy, dz);
}
// The same group with its grade rows (steps where [extrapolation] grades).
MDRUN_CPU_CLONES void evaluate_group_grad(const MtpParamsView& p, int nsites, const int* a, const int* nn, int cap,
                                          double* const* rx, double* const* ry, double* const* rz, int* const* nt,
                                          double* const* scr, double* Ml, double* gl, double scaling, double* v,
                                          double* const* dx, double* const* dy, double* const* dz,
                                          double* const* rows) {
    mtp_sites_lanes_with_grad_cpu<kLanes>(p, nsites, a, nn, cap, rx, ry, rz, nt, scr, Ml, gl, scaling, v, dx, dy, dz,
                                      rows);
}

}  // namespace

void MtpPotential::compute(const System& sys, const NeighborList& nl, std::vector<Vec3>& force, ForceResult& out,
                           bool want_site_energy) const {
    evaluate(sys, nl, force, out, want_site_energy, nullptr);
}

void MtpPotential::compute_with_grade_rows(const System& sys, const NeighborList& nl, std::vector<Vec3>& force,
                                           ForceResult& out, bool want_site_energy, std::vector<double>& rows) const {
    evaluate(sys, nl, force, out, want_site_energy, &rows);
}

void MtpPotential::evaluate(const System& sys, const NeighborList& nl, std::vector<Vec3>& force, ForceResult& out,
                            bool want_site_energy, std::vector<double>* rows) const {
    const int n = static_cast<int>(sys.size());
    if (static_cast<int>(nl.size()) != n)
        throw Error("MTP: the neighbour list has " + std::to_string(nl.size()) + " atoms, the system " +
                    std::to_string(n));
    if (nl.cutoff < model_.max_dist)
        throw Error("MTP: neighbour list cutoff " + std::to_string(nl.cutoff) + " Å is below the potential's max_dist " +
                    std::to_string(model_.max_dist) + " Å");
    static thread_local CallBuffers call;
    std::vector<int>& mtp_type = call.mtp_type;
    mtp_type.resize(n);
    for (int i = 0; i < n; ++i) {
        const int t = sys.type[i];
        if (t < 0 || t >= static_cast<int>(species_map_.size()))
            throw Error("MTP: atom " + std::to_string(i + 1) + " has species index " + std::to_string(t) +
                        " with no mapping onto the potential's species");
        mtp_type[i] = species_map_[t];
    }

    const MtpParamsView p = tables_.view();
    const double rc = model_.max_dist, rmin = model_.min_dist;
    const int nc = mtp_coeff_count(p);
    if (rows) rows->resize(static_cast<size_t>(n) * nc);  // every row is written below
    const long npairs = static_cast<long>(nl.pairs());
    call.site.resize(n);
    call.site_virial.resize(n);
    call.close_count.assign(n, 0);
    call.close_example.assign(n, {-1, 0.0});
    std::vector<Vec3>& D = call.D;
    std::vector<double>& site = call.site;
    std::vector<Mat3>& site_virial = call.site_virial;
    std::vector<long>& close_count = call.close_count;
    std::vector<std::pair<int, double>>& close_example = call.close_example;
    force.assign(n, Vec3{0, 0, 0});

    OmpTrap trap;
    const bool by_slots = force_sum_ == MtpForceSum::Slots;
    const int ngroups = (n + kLanes - 1) / kLanes;
    const int nchunk = force_chunks(ngroups);
    if (by_slots) {
        D.resize(npairs);  // every slot is written below
    } else {
        std::vector<Vec3>().swap(D);  // not used: give its memory back
        call.chunk_force.resize(static_cast<size_t>(n) * nchunk);
    }
    // (`call` is thread_local: inside the parallel region only these references name the calling thread's.)
    Vec3* const chunk_force = call.chunk_force.data();
    // Tiny systems run on the calling thread: a parallel region costs more than their evaluation, and
    // on a busy machine waiting threads make it far worse.
#pragma omp parallel if (n >= 64)
    {
        static thread_local GroupBuffers buf;
        int a[kLanes] = {}, nn[kLanes] = {};
        double* rx[kLanes], *ry[kLanes], *rz[kLanes], *dx[kLanes], *dy[kLanes], *dz[kLanes], *scr[kLanes];
        int* nt[kLanes];
        double v[kLanes];
        int npad[kLanes] = {};  // padded row lengths of the FMA group
        // Evaluates the sites of group grp: site energies and virials stored, dV_i/dr_ij left in dx/dy/dz[l][k]
        // for neighbour k of lane l (slot buf.slot[l][k]). Returns the number of sites (0 after a failed
        // allocation, which the trap reports after the region).
        auto evaluate_sites = [&](int grp) -> int {
            const int first = grp * kLanes;
            const int nsites = std::min(kLanes, n - first);
            int longest = 0;
            for (int l = 0; l < nsites; ++l)
                longest = std::max(longest, nl.offset[first + l + 1] - nl.offset[first + l]);
            const bool fma = arithmetic_ == MtpArithmetic::Fma;  // resolved at construction (CPU check)
            trap.run([&] { buf.reserve(p, longest); });  // the only allocation in the region
            if (trap.failed()) return 0;
            for (int l = 0; l < kLanes; ++l) {
                rx[l] = buf.rx[l].data(); ry[l] = buf.ry[l].data(); rz[l] = buf.rz[l].data();
                dx[l] = buf.dx[l].data(); dy[l] = buf.dy[l].data(); dz[l] = buf.dz[l].data();
                scr[l] = buf.scratch[l].data();
                nt[l] = buf.ntype[l].data();
            }
            for (int l = 0; l < nsites; ++l) {
                const int i = first + l;
                a[l] = mtp_type[i];
                const Vec3 xi = sys.pos[i];
                int k = 0;
                for (int s = nl.offset[i]; s < nl.offset[i + 1]; ++s) {
                    const int j = nl.j[s];
                    const Vec3 r = sys.pos[j] + slot_shift(nl, static_cast<std::size_t>(s)) - xi;
                    const double d = std::sqrt(norm2(r));
                    if (by_slots) D[s] = Vec3{0, 0, 0};
                    if (!(d < rc)) continue;  // strict r < max_dist, as MLIP
                    if (d < rmin) {
                        if (close_count[i] == 0) close_example[i] = {j, d};
                        close_count[i]++;
                    }
                    rx[l][k] = r.x;
                    ry[l][k] = r.y;
                    rz[l][k] = r.z;
                    nt[l][k] = mtp_type[j];
                    buf.slot[l][k] = s;
                    ++k;
                }
                nn[l] = k;
                if (fma) npad[l] = buf.sort_and_pad(l, k, p.n_species, rc);
            }
            if (rows) {
                double* out_rows[kLanes];
                for (int l = 0; l < kLanes; ++l)
                    out_rows[l] = rows->data() + static_cast<size_t>(first + std::min(l, nsites - 1)) * nc;
                if (fma)
                    mtp_fma::evaluate_group_grad(p, nsites, a, npad, buf.cap, rx, ry, rz, nt, scr, buf.ml(),
                                                 buf.gl.data(), model_.scaling, v, dx, dy, dz, out_rows);
                else
                    evaluate_group_grad(p, nsites, a, nn, buf.cap, rx, ry, rz, nt, scr, buf.ml(), buf.gl.data(),
                                        model_.scaling, v, dx, dy, dz, out_rows);
            } else if (fma) {
                mtp_fma::evaluate_group(p, nsites, a, npad, buf.cap, rx, ry, rz, nt, scr, buf.ml(), buf.gl.data(),
                                        v, dx, dy, dz);
            } else {
                evaluate_group(p, nsites, a, nn, buf.cap, rx, ry, rz, nt, scr, buf.ml(), buf.gl.data(), v, dx,
                               dy, dz);
            }
            for (int l = 0; l < nsites; ++l) {
                const int i = first + l;
                site[i] = v[l];
                Mat3 w = mat3_zero();
                for (int k = 0; k < nn[l]; ++k)
                    add_outer(w, Vec3{dx[l][k], dy[l][k], dz[l][k]}, Vec3{rx[l][k], ry[l][k], rz[l][k]}, -1.0);
                site_virial[i] = w;
            }
            return nsites;
        };
        if (by_slots) {
#pragma omp for schedule(dynamic, 2)
            for (int grp = 0; grp < ngroups; ++grp) {
                const int nsites = evaluate_sites(grp);
                for (int l = 0; l < nsites; ++l)
                    for (int k = 0; k < nn[l]; ++k) D[buf.slot[l][k]] = Vec3{dx[l][k], dy[l][k], dz[l][k]};
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
        } else {
            // Each chunk's groups in order, into the chunk's own array: F_i += sum_k D_ik, F_j(k) -= D_ik.
#pragma omp for schedule(dynamic, 1)
            for (int c = 0; c < nchunk; ++c) {
                Vec3* acc = chunk_force + static_cast<size_t>(n) * c;
                std::fill(acc, acc + n, Vec3{0, 0, 0});
                const int g0 = static_cast<int>(static_cast<long long>(ngroups) * c / nchunk);
                const int g1 = static_cast<int>(static_cast<long long>(ngroups) * (c + 1) / nchunk);
                for (int grp = g0; grp < g1; ++grp) {
                    const int nsites = evaluate_sites(grp);
                    for (int l = 0; l < nsites; ++l) {
                        Vec3 fi{0, 0, 0};
                        for (int k = 0; k < nn[l]; ++k) {
                            const Vec3 d{dx[l][k], dy[l][k], dz[l][k]};
                            fi += d;
                            acc[nl.j[buf.slot[l][k]]] -= d;
                        }
                        acc[grp * kLanes + l] += fi;
                    }
                }
            }
            // Per atom, the chunks' sums in chunk order.
#pragma omp for schedule(static)
            for (int i = 0; i < n; ++i) {
                Vec3 f = chunk_force[static_cast<size_t>(i)];
                for (int c = 1; c < nchunk; ++c) f += chunk_force[static_cast<size_t>(n) * c + i];
                force[i] = f;
            }
        }
    }
    if (trap.failed()) {
        try {
            trap.rethrow();
        } catch (const std::bad_alloc&) {
            throw Error("MTP: out of memory for the per-atom scratch (" + std::to_string(nl.pairs()) +
                        " neighbour pairs); reduce max_dist or the system size");
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
    if (want_site_energy) out.site_energy.assign(site.begin(), site.end());
}

}  // namespace mdrun
