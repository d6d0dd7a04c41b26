// MTP speed: seconds per atom per evaluation (energy + forces + virial) and the parts of an end-to-end
// `calc-efs` (read .cfg, neighbour list, evaluation, write .cfg), on 1 and 2 OpenMP threads.
// usage: bench_mtp POT.mtp IN.cfg [repeats=5] [threads=1,2] [arithmetic=exact|fma]
// Timings are the best of `repeats` (the machine may be shared with other jobs).
#include <omp.h>

#include <algorithm>
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

using namespace mdrun;

namespace {
double now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
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
            std::printf("%-8d %8ld %12.4f %12.4f %12.4f %12.4f %14.3e %12.4f   (E=%.10f)\n", nt, atoms, t_read, t_nl,
                        t_eval, t_write, t_eval / atoms, t_read + t_nl + t_eval + t_write, energy);
        }
    } catch (const Error& e) {
        std::fprintf(stderr, "bench_mtp: %s\n", e.what());
        return 1;
    }
    return 0;
}
