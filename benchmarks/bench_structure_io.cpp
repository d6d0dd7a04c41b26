// Cost of structure and trajectory I/O, so that users can choose trajectory_every sensibly:
// reading the 4096-atom LAMMPS data file, POSCAR and extxyz of a replicated NaAlCl4 supercell, writing
// H5MD / extxyz / LAMMPS dump trajectory frames of 4096 atoms (time per frame and MB/s), and writing the
// 4096 atoms as a POSCAR and a LAMMPS data file. Times are CPU time of the process (what the writer costs
// the run, less sensitive to other load than wall time) and wall time.
//
// usage: bench_structure_io [frames=200] [tmpdir=/tmp] [datadir=tests/data of this repository] [keep]
// With "keep" the written files stay in tmpdir/mdrun_bench_io_<pid> (its path is printed), so that two builds'
// outputs can be compared byte for byte.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
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
double cpu_now() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}
double mb(const std::string& p) { return (double)std::filesystem::file_size(p) / 1e6; }
}  // namespace

int main(int argc, char** argv) try {
    const long frames = argc > 1 ? std::atol(argv[1]) : 200;
    const std::string tmp = (argc > 2 ? std::string(argv[2]) : std::string("/tmp")) + "/mdrun_bench_io_" +
                            std::to_string(::getpid());
    std::filesystem::create_directories(tmp);
    const std::string data = argc > 3 ? std::string(argv[3]) : std::string(MDRUN_TEST_DATA);
    const bool keep = argc > 4 && std::string(argv[4]) == "keep";

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

    for (const char* fmt : {"h5md", "extxyz", "lammps-dump"}) {
        const std::string path = tmp + "/traj." + fmt;
        System s = nacl;
        t0 = now();
        const double c0 = cpu_now();
        {
            auto w = open_trajectory(path, fmt, s, -1);
            for (long k = 0; k < frames; ++k) {
                s.pos[k % s.size()].x += 1e-3;  // make frames differ
                w->write_frame(s, k * 100, 0.1 * (double)k);
            }
        }
        const double c = cpu_now() - c0, t = now() - t0;
        std::printf("%-11s trajectory, %zu atoms x %ld frames (flushed each frame): cpu %.3f ms/frame, wall %.3f "
                    "ms/frame, %.1f MB, %.0f MB/s\n",
                    fmt, s.size(), frames, 1e3 * c / (double)frames, 1e3 * t / (double)frames, mb(path), mb(path) / t);
    }
    // Whole-file writers, a few times each (write_file_atomically: temporary file, fsync, rename; the fsync is
    // in the wall time, not in the CPU time).
    const long files = frames / 10 > 0 ? frames / 10 : 1;
    for (const char* what : {"POSCAR", "lammps-data"}) {
        const std::string path = tmp + "/out." + what;
        t0 = now();
        const double c0 = cpu_now();
        for (long k = 0; k < files; ++k) {
            if (std::string(what) == "POSCAR") {
                write_poscar(path, nacl);
            } else {
                write_lammps_data(path, nacl);
            }
        }
        const double c = cpu_now() - c0, t = now() - t0;
        std::printf("%-11s file, %zu atoms x %ld files: cpu %.3f ms/file, wall %.3f ms/file, %.1f MB\n", what,
                    nacl.size(), files, 1e3 * c / (double)files, 1e3 * t / (double)files, mb(path));
    }
    if (keep) {
        std::printf("files kept in %s\n", tmp.c_str());
    } else {
        std::filesystem::remove_all(tmp);
    }
    return 0;
} catch (const Error& e) {
    std::fprintf(stderr, "bench_structure_io: %s\n", e.what());
    return 1;
}
