// Cost of the streaming analyses against the MTP step they ride on (issue #4: analysis at sample_every = 10
// must add < 10% to an MTP step; issue #10: < 5 %, measured in CPU time with interleaved rounds). Builds NaAlCl4 from an MLIP .cfg (replicated), times one MTP force
// evaluation (best of `repeats`) and AnalysisSet::sample with the realistic set MSD(all species, E1) +
// MSCD + polyanion C1/C2 + Na VACF + AlCl4 omega-ACF + rho(theta, phi), on jittered frames.
// usage: bench_analysis POT.mtp IN.cfg [na nb nc = 2 2 2] [samples = 2000 (2 per round)] [threads = 1] [extra]
// With a last argument "extra", the optional hop detector (h functional) and C-Na correlation are added.
#include <omp.h>

#include <algorithm>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "analysis/analysis_set.hpp"
#include "analysis/analysis_state.hpp"
#include "engine/core/box.hpp"
#include "engine/io/cfg_io.hpp"
#include "engine/core/elements.hpp"
#include "engine/core/error.hpp"
#include "engine/md/neighbor_list.hpp"
#include "engine/io/structure_io.hpp"
#include "potentials/mtp_file.hpp"
#include "potentials/mtp_potential.hpp"

using namespace mdrun;

namespace {
// CPU time of the calling thread (1 thread: the work itself, not the time other jobs held the core).
double cpu_now() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}
double load_average() {
    double l = -1;
    if (FILE* f = std::fopen("/proc/loadavg", "r")) {
        if (std::fscanf(f, "%lf", &l) != 1) l = -1;
        std::fclose(f);
    }
    return l;
}
double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}
double min_of(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }
}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s POT.mtp IN.cfg [na nb nc] [samples] [threads]\n", argv[0]);
        return 2;
    }
    const int na = argc > 5 ? std::atoi(argv[3]) : 2, nb = argc > 5 ? std::atoi(argv[4]) : 2,
              nc = argc > 5 ? std::atoi(argv[5]) : 2;
    const int samples = argc > 6 ? std::atoi(argv[6]) : 2000;
    const int threads = argc > 7 ? std::atoi(argv[7]) : 1;
    const bool extra = argc > 8 && std::string(argv[8]) == "extra";
    omp_set_num_threads(threads);
    try {
        const std::vector<CfgConfig> cfgs = read_cfg(argv[2]);
        System sys;
        sys.box = make_box(cfgs[0].lattice);
        sys.pos = cfgs[0].pos;
        sys.type = cfgs[0].type;
        sys.species = {"Na", "Al", "Cl"};
        for (std::size_t i = 0; i < sys.pos.size(); ++i) sys.id.push_back(static_cast<long>(i + 1));
        sys.vel.assign(sys.pos.size(), Vec3{0, 0, 0});
        sys.force.assign(sys.pos.size(), Vec3{0, 0, 0});
        sys.frozen.assign(sys.pos.size(), 0);
        for (int t : sys.type) sys.mass.push_back(atomic_mass(sys.species[t]));
        replicate(sys, na, nb, nc);
        const int n = static_cast<int>(sys.size());
        std::mt19937_64 rng(1);
        std::normal_distribution<double> g(0.0, 1.0);
        for (int i = 0; i < n; ++i) sys.vel[i] = std::sqrt(0.0517 / sys.mass[i]) * Vec3{g(rng), g(rng), g(rng)};

        // MTP step cost: one force evaluation (the neighbour list is built once; in MD it is amortised).
        const MtpModel model = read_mtp(argv[1]);
        const MtpPotential pot(model, {0, 1, 2});
        NeighborList nl;
        build_neighbor_list(sys.box, sys.pos, pot.list_cutoff(), nl);
        std::vector<Vec3> forces;
        ForceResult fres;
        pot.compute(sys, nl, forces, fres);  // warm-up

        AnalysisConfig c;
        c.enabled = true;
        c.sample_every = 10;
        c.msd = true;
        c.msd_elements = {"Na"};
        c.reorientation = true;
        c.centers = {"Al"};
        c.ligands = {"Cl"};
        c.vacf = true;
        c.vacf_max_lag_fs = 2000;
        c.angular_vacf = true;
        c.angular_vacf_max_lag_fs = 2000;
        c.orientation_density = true;
        c.hops = c.cna = extra;
        AnalysisRunInfo info;
        info.timestep_ps = 0.001;
        info.temperature_K = 600;
        AnalysisSet set(c, sys, info);
        // Jittered frames (0.05 Å, as thermal motion between samples), cycled.
        const int K = 16;
        std::vector<std::vector<Vec3>> frames(K, sys.pos);
        for (auto& fr : frames)
            for (auto& p : fr) p += 0.05 * Vec3{g(rng), g(rng), g(rng)};
        // Warm-up so the correlators are at their steady-state size (E2 ring full: 200 lags).
        for (int s = 0; s < 400; ++s) {
            sys.pos = frames[s % K];
            set.sample(10L * s, sys);
        }
        // Interleaved rounds on the shared machine: each round times, in CPU time of this thread (time spent
        // descheduled by other jobs does not count), 20 MTP force evaluations and 2 samples, so both see the
        // same load; the per-round ratio (2 samples) / (20 evaluations) is the overhead at sample_every = 10.
        const int rounds = std::max(1, samples / 2);
        std::vector<double> ratio, t_eval, t_samp;
        long step = 400;
        const double load0 = load_average();
        for (int round = 0; round < rounds; ++round) {
            const double e0 = cpu_now();
            for (int k = 0; k < 20; ++k) pot.compute(sys, nl, forces, fres);
            const double e1 = cpu_now();
            for (int k = 0; k < 2; ++k, ++step) {
                sys.pos = frames[step % K];
                set.sample(10L * step, sys);
            }
            const double e2 = cpu_now();
            sys.pos = frames[0];  // the evaluations always see the same frame
            t_eval.push_back((e1 - e0) / 20);
            t_samp.push_back((e2 - e1) / 2);
            ratio.push_back((e2 - e1) / (e1 - e0));
        }
        const double load1 = load_average();
        std::printf("# bench_analysis %s %s  replicate %d %d %d  threads %d%s\n", argv[1], argv[2], na, nb, nc, threads,
                    extra ? "  + hops + cna_correlation" : "");
        std::printf("atoms %d  groups %d  bonds %d  rounds %d (20 MTP evaluations + 2 samples each, CPU time), "
                    "after 400 warm-up samples\n", n, set.impl().groups.size(), set.impl().groups.bonds(), rounds);
        std::printf("load_average_1min start %.2f end %.2f\n", load0, load1);
        std::printf("mtp_force_eval_us_per_atom min %.3f median %.3f\n", min_of(t_eval) / n * 1e6, median(t_eval) / n * 1e6);
        std::printf("analysis_sample_us_per_atom min %.4f median %.4f\n", min_of(t_samp) / n * 1e6, median(t_samp) / n * 1e6);
        std::printf("overhead_at_sample_every_10 min %.3f %% median %.3f %%  (per-round ratios)\n", 100.0 * min_of(ratio),
                    100.0 * median(ratio));
        std::printf("memory: E1 msd %.2f MB, reorientation %.2f MB, E2 vacf %.2f MB, omega %.2f MB\n",
                    set.impl().msd.memory_bytes() / 1e6, set.impl().reor.memory_bytes() / 1e6,
                    set.impl().vacf.memory_bytes() / 1e6, set.impl().wacf.memory_bytes() / 1e6);
    } catch (const Error& e) {
        std::fprintf(stderr, "bench_analysis: %s\n", e.what());
        return 1;
    }
    return 0;
}
