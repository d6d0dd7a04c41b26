// Throughput of the whole CPU MD loop (velocity Verlet, neighbour list with skin, born/coul/dsf forces)
// for the LAMMPS bench case: 4096-atom NaCl (tests/data/lammps_reference/data/nacl4096_seed7.data),
// NVE, dt = 1 fs, rc = 8 Å, skin 2 Å. A warm-up run, then a timed run, for each thread count.
//
// usage: bench_born_dsf [DATAFILE|""] [timed_steps=2000] [warmup_steps=200] [threads=1,2] [--born]
//   --born: the plain `born` potential (no Coulomb), LAMMPS' second anchor.
// Prints atom-steps/s; LAMMPS 29 Sep 2021 on one core: 2.9–3.0e5 (born/coul/dsf), 5.7–6.1e5 (born).
#include <omp.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "engine/md/dynamics.hpp"
#include "engine/core/error.hpp"
#include "engine/io/structure_io.hpp"
#include "potentials/born_coul_dsf.hpp"

using namespace mdrun;

int main(int argc, char** argv) {
    std::vector<std::string> args;
    bool born_only = false;
    for (int i = 1; i < argc; ++i) {
        if (std::string(argv[i]) == "--born") born_only = true;
        else args.push_back(argv[i]);
    }
    // Default: the 4096-atom NaCl data file kept in the repository; DATAFILE overrides it.
    std::string data = std::string(MDRUN_TEST_DATA) + "/lammps_reference/data/nacl4096_seed7.data";
    if (args.size() > 0 && !args[0].empty()) data = args[0];
    const long timed = args.size() > 1 ? std::atol(args[1].c_str()) : 2000;
    const long warm = args.size() > 2 ? std::atol(args[2].c_str()) : 200;
    std::vector<int> thread_counts = {1, 2};
    if (args.size() > 3) {
        thread_counts.clear();
        std::stringstream ss(args[3]);
        for (std::string t; std::getline(ss, t, ',');) thread_counts.push_back(std::atoi(t.c_str()));
    }
    try {
        BornCoulDsfParams p;
        p.cutoff = 8.0;
        p.alpha = 0.2;
        p.coulomb = !born_only;
        p.nspecies = 2;
        const BornPairParams nana{0.263704, 0.317, 2.340, 1.048573, -0.499321};
        const BornPairParams nacl{0.210963, 0.317, 2.755, 6.990490, -8.675698};
        const BornPairParams clcl{0.158222, 0.317, 3.170, 72.40150, -145.4271};
        p.pair = {nana, nacl, nacl, clcl};
        BornCoulDsfPotential pot(p);
        for (int threads : thread_counts) {
            omp_set_num_threads(threads);
            System sys = read_structure(data, "lammps-data", {"Na", "Cl"});
            DynamicsParams dp;
            dp.ensemble = "nve";
            dp.dt_ps = 0.001;
            dp.skin = 2.0;
            Dynamics dyn(dp, sys, pot);
            dyn.setup();
            for (long k = 0; k < warm; ++k) dyn.step();
            const double e0 = dyn.conserved_energy();
            const auto t0 = std::chrono::steady_clock::now();
            for (long k = 0; k < timed; ++k) dyn.step();
            const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            std::printf("%s N=%zu threads=%d steps=%ld time=%.3f s atom-steps/s=%.4g rebuilds=%ld "
                        "Etot drift=%.3g eV/atom\n",
                        pot.name().c_str(), sys.size(), threads, timed, sec, sys.size() * double(timed) / sec,
                        dyn.neighbor_rebuilds(), (dyn.conserved_energy() - e0) / sys.size());
        }
    } catch (const Error& e) {
        std::fprintf(stderr, "bench_born_dsf: error: %s\n", e.what());
        return 1;
    }
    return 0;
}
