// Roofline inputs for the GPU MTP kernel: exact floating-point operation counts per atom and step of
// the code in potentials/mtp_math.hpp + kernels/mtp_bodies.hpp (counted from the model's own tables and
// the benchmark structures' real neighbour counts), and the bytes the per-thread scratch layout moves.
// Host-only; numbers go into benchmarks/README.md (GPU section).
//   mtp_roofline [--data DIR]   (default: tests/data of this repository)
#include <array>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "engine/io/cfg_io.hpp"
#include "engine/md/neighbor_list.hpp"
#include "engine/io/structure_io.hpp"
#include "kernels/mtp_bodies.hpp"
#include "potentials/mtp_file.hpp"
#include "potentials/mtp_tables.hpp"

using namespace mdrun;

int main(int argc, char** argv) {
    std::string data = MDRUN_TEST_DATA;
    for (int a = 1; a + 1 < argc; ++a)
        if (!std::strcmp(argv[a], "--data")) data = argv[a + 1];
    struct M {
        const char* label;
        const char* dir;
        std::array<int, 3> rep;
    };
    const M models[] = {{"lev16 Na2O", "NaO_lev16", {7, 7, 7}}, {"lev22 La2Zr2O7", "La2Zr2O7_lev22", {2, 2, 3}}};
    for (const M& m : models) {
        const MtpModel model = read_mtp(data + "/mtp/" + m.dir + "/pot.mtp");
        const MtpTables t = build_mtp_tables(model);
        const MtpParamsView& p = t.counts;
        const auto cfgs = read_cfg(data + "/mtp/" + m.dir + "/reference_mlp.cfg");
        System s;
        s.box = make_box(cfgs[0].lattice);
        s.pos = cfgs[0].pos;
        s.type = cfgs[0].type;
        s.id = cfgs[0].id;
        s.species.assign(static_cast<std::size_t>(model.species_count), "X");
        s.mass.assign(s.pos.size(), 1.0);
        s.vel.assign(s.pos.size(), Vec3{0, 0, 0});
        s.force = s.vel;
        s.frozen.assign(s.pos.size(), 0);
        replicate(s, m.rep[0], m.rep[1], m.rep[2]);
        NeighborList in, list;
        build_neighbor_list(s.box, s.pos, model.max_dist, in);
        build_neighbor_list(s.box, s.pos, model.max_dist + 1.0, list);  // skin 1 Å as the benchmark
        const double nn = static_cast<double>(in.pairs()) / s.size();     // neighbours inside r_c
        const double slots = static_cast<double>(list.pairs()) / s.size();  // list slots (r_c + skin)
        int used_comp = 0, nz_pow = 0;
        for (int c = 0; c < p.n_comp; ++c) {
            if (t.comp_basic_start[c + 1] > t.comp_basic_start[c]) {
                ++used_comp;
                for (int ax = 0; ax < 3; ++ax) nz_pow += t.comp_pow[3 * c + ax] != 0.0;
            }
        }
        // flops (add, mul, div, sqrt each 1) per site, following the code
        const double f_geom = slots * 9 + nn * (10 + 6 + 3 * 2 + 8.0 * (p.n_q - 2) + 4.0 * p.n_mu * p.n_q + p.n_mu + (p.n_comp - 1));
        const double f_basic = 2.0 * p.n_basic * nn;
        const double f_contract = 3.0 * p.n_times + 2.0 * p.n_scalar + 5.0 * p.n_times;
        const double f_deriv = 4.0 * p.n_basic * nn + used_comp * 4.0 * nn + nz_pow * 3.0 * nn + 6 * nn;
        const double f_virial_force = nn * 18 + slots * 6;
        const double flops = f_geom + f_basic + f_contract + f_deriv + f_virial_force;
        // bytes through the memory system with the per-thread scratch layout (every array access counted;
        // per-neighbour arrays are contiguous per thread, so a warp touches 32 different cache lines)
        const double b_basic = 16.0 * p.n_basic * nn;
        const double b_deriv = 8.0 * nn * (6.0 * p.n_basic + used_comp * 4.0 + nz_pow * 3.0);
        const double b_contract = 8.0 * (4.0 * p.n_times + 6.0 * p.n_times);
        const double b_list = slots * (4 + 24 + 24 + 4 + 24 + 24);  // j, shift, pos[j], reverse, D, D[rev]
        const double bytes = b_basic + b_deriv + b_contract + b_list;
        const long scratch = mtp_thread_scratch(p, static_cast<int>(slots * 1.25 + 8));
        std::printf("%s: N_b=%d N_t=%d N_alpha=%d N_s=%d n_comp=%d (max degree %d) N_mu=%d N_Q=%d\n", m.label, p.n_basic,
                    p.n_times, p.n_alpha, p.n_scalar, p.n_comp, p.max_degree, p.n_mu, p.n_q);
        std::printf("  neighbours within r_c %.1f, list slots (skin 1 A) %.1f, scratch/thread %.0f KiB\n", nn, slots,
                    scratch * 8.0 / 1024.0);
        std::printf("  flops/atom/step: geometry+radial %.3g, basic moments %.3g, contractions %.3g, derivatives %.3g,"
                    " force+virial %.3g; total %.3g\n",
                    f_geom, f_basic, f_contract, f_deriv, f_virial_force, flops);
        std::printf("  bytes/atom/step (scratch+list traffic): %.3g  -> arithmetic intensity %.2f flop/byte\n", bytes,
                    flops / bytes);
    }
    return 0;
}
