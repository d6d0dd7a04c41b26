// MTP speed: seconds per atom per evaluation (energy + forces + virial) and the parts of an end-to-end
// `calc-efs` (read .cfg, neighbour list, evaluation, write .cfg), on 1 and 2 OpenMP threads.
// usage: bench_mtp POT.mtp IN.cfg [repeats=5] [threads=1,2] [arithmetic=exact|fma]
// Timings are the best of `repeats` (the machine may be shared with other jobs). Also the floating-point
// operations the evaluation performs, counted from the algorithm (flops_per_site below; an FMA counts 2),
// and the rate they give at the measured eval_s: with no hardware counters on the VMs we benchmark on, this
// is the figure to hold against the core's FP64 peak (benchmarks/README.md).
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "engine/core/box.hpp"
#include "engine/io/cfg_io.hpp"
#include "engine/core/error.hpp"
#include "engine/md/neighbor_list.hpp"
#include "potentials/mtp_file.hpp"
#include "potentials/mtp_potential.hpp"
#include "potentials/mtp_tables.hpp"

using namespace mdrun;

namespace {
double now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
// Useful flops of one site with k neighbours inside the cutoff, stage by stage as mtp_math.hpp /
// mtp_cpu_fused.hpp compute them (padding slots and index arithmetic not counted; sqrt and 1/r count 1).
double flops_per_site(const MtpParamsView& p, long k) {
    double per_nb = 10.0;                                   // r, 1/r, u
    per_nb += 6.0 * p.n_q + 4.0 * p.n_mu * p.n_q + p.n_mu;  // Chebyshev recurrences, sums over k, f/r
    per_nb += p.n_comp - 1;                                 // monomials
    per_nb += 2.0 * p.n_basic;                              // basic moments
    for (int c = 0; c < p.n_comp; ++c) {  // derivatives: W, W', A, and B along the axes with a power
        const int nb = p.comp_basic_start[c + 1] - p.comp_basic_start[c];
        if (nb == 0) continue;
        per_nb += 4.0 * nb + 4.0;
        for (int axis = 0; axis < 3; ++axis) per_nb += p.comp_pow[3 * c + axis] != 0.0 ? 3.0 : 0.0;
    }
    per_nb += 6.0 + 18.0 + 6.0;  // D = A u + B, virial, force sums
    const double per_site = 3.0 * p.n_times + 6.0 * p.n_times + 2.0 * p.n_scalar;  // contractions, energy
    return per_site + per_nb * static_cast<double>(k);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s POT.mtp IN.cfg [repeats=5] [threads=1,2] [arithmetic=exact|fma]\n", argv[0]);
        return 2;
    }
    const int repeats = argc > 3 ? std::atoi(argv[3]) : 5;
    std::vector<int> threads;
    {
        std::stringstream ss(argc > 4 ? argv[4] : "1,2");
        std::string t;
        while (std::getline(ss, t, ',')) threads.push_back(std::atoi(t.c_str()));
    }
    try {
        const MtpModel model = read_mtp(argv[1]);
        std::vector<int> ident(model.species_count);
        for (int k = 0; k < model.species_count; ++k) ident[k] = k;
        const MtpArithmetic arith = parse_mtp_arithmetic(argc > 5 ? argv[5] : "exact", "bench_mtp: arithmetic");
        const MtpPotential pot(model, ident, arith);
        const MtpTables tables = build_mtp_tables(model);
        const MtpParamsView pv = tables.view();
        double flops = 0.0;  // per evaluation of all configurations of IN.cfg
        for (const CfgConfig& c : read_cfg(argv[2])) {
            const Box box = make_box(c.lattice);
            NeighborList nl;
            build_neighbor_list(box, c.pos, pot.list_cutoff(), nl);
            for (size_t i = 0; i < c.size(); ++i) {
                long k = 0;
                for (int s = nl.offset[i]; s < nl.offset[i + 1]; ++s) {
                    const Vec3 r = c.pos[nl.j[s]] + slot_shift(nl, static_cast<std::size_t>(s)) - c.pos[i];
                    if (std::sqrt(norm2(r)) < model.max_dist) ++k;
                }
                flops += flops_per_site(pv, k);
            }
        }
        std::printf("# %s  %s  N_b=%d N_t=%d N_s=%d  arithmetic %s\n", argv[1], argv[2], model.basic_count(),
                    model.times_count(), model.scalar_count(), mtp_arithmetic_name(pot.arithmetic()));
        std::printf("%-8s %8s %12s %12s %12s %12s %14s %12s\n", "threads", "atoms", "read_s", "nlist_s", "eval_s",
                    "write_s", "eval_s/atom", "total_s");
        for (int nt : threads) {
            omp_set_num_threads(nt);
            double t_read = 1e30, t_nl = 1e30, t_eval = 1e30, t_write = 1e30;
            long atoms = 0;
            double energy = 0.0;
            for (int rep = 0; rep < repeats; ++rep) {
                double t0 = now();
                std::vector<CfgConfig> cfgs = read_cfg(argv[2]);
                t_read = std::min(t_read, now() - t0);
                double nl_s = 0.0, ev_s = 0.0;
                atoms = 0;
                for (CfgConfig& c : cfgs) {
                    System sys;
                    sys.box = make_box(c.lattice);
                    sys.pos = c.pos;
                    sys.type = c.type;
                    NeighborList nl;
                    t0 = now();
                    build_neighbor_list(sys.box, sys.pos, pot.list_cutoff(), nl);
                    nl_s += now() - t0;
                    std::vector<Vec3> f;
                    ForceResult r;
                    t0 = now();
                    pot.compute(sys, nl, f, r);
                    ev_s += now() - t0;
                    energy = r.energy;
                    c.has_forces = c.has_energy = c.has_plus_stress = true;
                    c.force = f;
                    c.energy = r.energy;
                    atoms += static_cast<long>(c.size());
                }
                t_nl = std::min(t_nl, nl_s);
                t_eval = std::min(t_eval, ev_s);
                t0 = now();
                write_cfg_file("/tmp/bench_mtp_out.cfg", cfgs);
                t_write = std::min(t_write, now() - t0);
            }
            std::printf("%-8d %8ld %12.4f %12.4f %12.4f %12.4f %14.3e %12.4f   (E=%.10f)  %.3g flop, %.2f GFLOP/s\n", nt,
                        atoms, t_read, t_nl, t_eval, t_write, t_eval / atoms, t_read + t_nl + t_eval + t_write, energy,
                        flops, flops / t_eval * 1e-9);
        }
    } catch (const Error& e) {
        std::fprintf(stderr, "bench_mtp: %s\n", e.what());
        return 1;
    }
    return 0;
}
