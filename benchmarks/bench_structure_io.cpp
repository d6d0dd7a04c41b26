// Cost of structure and trajectory I/O, so that users can choose trajectory_every sensibly:
// reading the 4096-atom LAMMPS data file, POSCAR and extxyz of a replicated NaAlCl4 supercell, and
// writing H5MD / extxyz trajectory frames of 4096 atoms (time per frame and MB/s).
//
// usage: bench_structure_io [frames=200] [tmpdir=/tmp] [datadir=tests/data of this repository]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "engine/core/error.hpp"
#include "engine/io/structure_io.hpp"
#include "engine/io/trajectory.hpp"

using namespace mdrun;

namespace {
double now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
double mb(const std::string& p) { return (double)std::filesystem::file_size(p) / 1e6; }
}  // namespace

int main(int argc, char** argv) try {
    const long frames = argc > 1 ? std::atol(argv[1]) : 200;
    const std::string tmp = (argc > 2 ? std::string(argv[2]) : std::string("/tmp")) + "/mdrun_bench_io_" +
                            std::to_string(::getpid());
    std::filesystem::create_directories(tmp);
    const std::string data = argc > 3 ? std::string(argv[3]) : std::string(MDRUN_TEST_DATA);

    double t0 = now();
    System nacl = read_structure(data + "/lammps_reference/data/nacl4096_seed7.data", "auto", {"Na", "Cl"});
    std::printf("read LAMMPS data, %zu atoms: %.3f s\n", nacl.size(), now() - t0);

    System big = read_structure(data + "/structures/NaAlCl4.POSCAR", "auto", {});
    replicate(big, 8, 12, 8);  // 18432 atoms
    write_poscar(tmp + "/big.POSCAR", big);
    write_extxyz(tmp + "/big.extxyz", big);
    t0 = now();
    System a = read_structure(tmp + "/big.POSCAR", "auto", {});
    const double t_poscar = now() - t0;
    t0 = now();
    System b = read_structure(tmp + "/big.extxyz", "auto", {});
    const double t_xyz = now() - t0;
    std::printf("read POSCAR, %zu atoms: %.3f s; read extxyz: %.3f s\n", a.size(), t_poscar, t_xyz);

    for (const char* fmt : {"h5md", "extxyz"}) {
        const std::string path = tmp + "/traj." + fmt;
        System s = nacl;
        t0 = now();
        {
            auto w = open_trajectory(path, fmt, s, -1);
            for (long k = 0; k < frames; ++k) {
                s.pos[k % s.size()].x += 1e-3;  // make frames differ
                w->write_frame(s, k * 100, 0.1 * (double)k);
            }
        }
        const double t = now() - t0;
        std::printf("%-6s trajectory, %zu atoms x %ld frames (flushed each frame): %.2f ms/frame, %.1f MB, %.0f MB/s\n",
                    fmt, s.size(), frames, 1e3 * t / (double)frames, mb(path), mb(path) / t);
    }
    std::filesystem::remove_all(tmp);
    return 0;
} catch (const Error& e) {
    std::fprintf(stderr, "bench_structure_io: %s\n", e.what());
    return 1;
}
