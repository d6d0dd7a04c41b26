// Cost of MaxVol extrapolation grades relative to the MTP force evaluation (issue #13 target: grading every
// 10 steps costs < 10 % of an MTP step at level 16).
// usage: bench_grade POT.mtp TRAIN.cfg IN.cfg [repeats=5] [every=10] [threads=1,2]
// The active set is selected per site ("nbh" weight) from TRAIN.cfg; then, for the first configuration of
// IN.cfg, the best-of-`repeats` time of (a) one force evaluation (energy + forces + virial, neighbour list
// prebuilt, as in an MD step), (b) one grade by a separate pass (its own neighbour list, per-site coefficient
// gradients, and c = b A^-1 for every atom: what step 0 of an MD run does) and (c) the force evaluation that
// also writes the grade rows plus c = b A^-1 (what the CPU backend does at every graded step). Cost
// fractions: b / (every * a) for the separate pass, (c - a) / (every * a) for the MD path.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "engine/io/cfg_io.hpp"
#include "engine/md/neighbor_list.hpp"
#include "potentials/cfg_system.hpp"
#include "potentials/mtp_file.hpp"
#include "potentials/mtp_grade.hpp"
#include "potentials/mtp_potential.hpp"
#include "potentials/mtp_selection.hpp"

using namespace mdrun;

namespace {
double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }
}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s POT.mtp TRAIN.cfg IN.cfg [repeats=5] [every=10] [threads=1,2]\n", argv[0]);
        return 2;
    }
    const int repeats = argc > 4 ? std::atoi(argv[4]) : 5;
    const int every = argc > 5 ? std::atoi(argv[5]) : 10;
    std::vector<int> threads;
    {
        std::stringstream ss(argc > 6 ? argv[6] : "1,2");
        std::string t;
        while (std::getline(ss, t, ',')) threads.push_back(std::atoi(t.c_str()));
    }
    const MtpModel model = read_mtp(argv[1]);
    std::vector<int> id(model.species_count);
    for (int k = 0; k < model.species_count; ++k) id[k] = k;
    const MtpPotential pot(model, id);
    GradeWeights w;
    w.site = 1.0;
    w.energy = 0.0;
    const std::vector<CfgConfig> train = read_cfg(argv[2]);
    const double t_sel = now();
    const MaxVol mv = select_active_set(pot, train, w, MaxVolThresholds{}, argv[2]);
    std::printf("potential %s: %d coefficients; active set from %zu configurations of %s in %.2f s\n", argv[1], mv.n,
                train.size(), argv[2], now() - t_sel);
    const std::vector<CfgConfig> in = read_cfg(argv[3]);
    const System sys = system_from_cfg(in.at(0), model.species_count, argv[3], 0);
    const double n = static_cast<double>(sys.size());
    const SiteGrader grader(pot, mv);
    {  // the fast per-site product equals the general one
        NeighborList gnl;
        build_neighbor_list(sys.box, sys.pos, pot.list_cutoff(), gnl);
        std::vector<double> rows, g, h(sys.size());
        mtp_site_gradients(pot, sys, gnl, rows);
        grader.grades(sys, rows, g);
        mv.row_grades(rows.data(), static_cast<long>(sys.size()), h.data());
        double d = 0;
        for (size_t i = 0; i < g.size(); ++i) d = std::max(d, std::fabs(g[i] - h[i]) / std::max(1.0, h[i]));
        std::printf("SiteGrader vs MaxVol::row_grades: largest relative difference %.2e\n", d);
    }
    for (int th : threads) {
        omp_set_num_threads(th);
        NeighborList nl;
        build_neighbor_list(sys.box, sys.pos, pot.list_cutoff(), nl);
        std::vector<Vec3> f;
        ForceResult r;
        double t_force = 1e300, t_grade = 1e300, t_with = 1e300, grade = 0, grade_with = 0;
        for (int k = 0; k < repeats; ++k) {
            double t0 = now();
            pot.compute(sys, nl, f, r);
            t_force = std::min(t_force, now() - t0);
            t0 = now();
            NeighborList gnl;  // the monitor builds its own list
            build_neighbor_list(sys.box, sys.pos, pot.list_cutoff(), gnl);
            std::vector<double> rows, g;
            mtp_site_gradients(pot, sys, gnl, rows);
            grader.grades(sys, rows, g);
            grade = *std::max_element(g.begin(), g.end());
            t_grade = std::min(t_grade, now() - t0);
            t0 = now();
            std::vector<double> rows2, g2;
            pot.compute_with_grade_rows(sys, nl, f, r, false, rows2);
            grader.grades(sys, rows2, g2);
            grade_with = *std::max_element(g2.begin(), g2.end());
            t_with = std::min(t_with, now() - t0);
        }
        std::printf("%d thread(s), %zu atoms: force evaluation %.3e s/atom, grade %.3e s/atom (max grade %.4g); "
                    "grading every %d steps = %.1f %% of the force evaluations\n",
                    th, sys.size(), t_force / n, t_grade / n, grade, every, 100.0 * t_grade / (every * t_force));
        std::printf("%d thread(s): force evaluation with grade rows + c = b A^-1: %.3e s/atom (max grade %.4g); "
                    "grading every %d steps this way = %.1f %% of the force evaluations\n",
                    th, t_with / n, grade_with, every, 100.0 * (t_with - t_force) / (every * t_force));
    }
    return 0;
}
