// Trajectory writers: H5MD layout and contents read back with the HDF5 C API; continuing a trajectory
// after a checkpoint (frames after the checkpoint step dropped) gives the same file contents as an
// uninterrupted run (extxyz: the same bytes); a writer killed between frames leaves a readable file.
#include <doctest/doctest.h>
#include <hdf5.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "engine/core/error.hpp"
#include "engine/io/structure_io.hpp"
#include "engine/io/trajectory.hpp"

using namespace mdrun;

namespace {

const std::string kData = MDRUN_TEST_DATA;  // tests/data: reference files kept in the repository

std::string temp_path(const std::string& name) {
    const auto dir = std::filesystem::temp_directory_path() / ("mdrun_test_traj_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    return (dir / name).string();
}

// A deterministic "trajectory": frame k moves every atom by k * (0.01, -0.02, 0.03) and scales v.
System frame_of(const System& base, long k) {
    System s = base;
    for (std::size_t i = 0; i < s.size(); ++i) {
        s.pos[i] = s.pos[i] + (double)k * Vec3{0.01, -0.02, 0.03 * (double)(i % 5)};
        s.vel[i] = Vec3{(double)i * 0.5, -(double)k, 1e-3 * (double)(i + k)};
    }
    return s;
}

void write_frames(TrajectoryWriter& w, const System& base, long first, long last, long every) {
    for (long k = first; k <= last; k += every) w.write_frame(frame_of(base, k), k, 0.001 * (double)k);
    w.flush();
}

std::vector<double> read_doubles(hid_t f, const char* path, std::vector<hsize_t>* dims_out = nullptr) {
    const hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    REQUIRE(d >= 0);
    const hid_t sp = H5Dget_space(d);
    const int rank = H5Sget_simple_extent_ndims(sp);
    std::vector<hsize_t> dims(rank);
    H5Sget_simple_extent_dims(sp, dims.data(), nullptr);
    hsize_t n = 1;
    for (hsize_t x : dims) n *= x;
    std::vector<double> out(n);
    if (n) H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data());
    H5Sclose(sp);
    H5Dclose(d);
    if (dims_out) *dims_out = dims;
    return out;
}

std::string read_string_attr(hid_t obj, const char* name) {
    const hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    REQUIRE(a >= 0);
    const hid_t t = H5Aget_type(a);
    REQUIRE(H5Tis_variable_str(t) > 0);  // variable-length, so that h5py/MDAnalysis get str, not bytes
    char* p = nullptr;
    H5Aread(a, t, &p);
    std::string s = p ? p : "";
    H5free_memory(p);
    H5Tclose(t);
    H5Aclose(a);
    return s;
}

std::string slurp(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

TEST_CASE("H5MD layout, units and values") {
    System base = read_structure(kData + "/structures/NaAlCl4.POSCAR", "auto", {});
    const std::string path = temp_path("t.h5md");
    {
        auto w = open_trajectory(path, "h5md", base, -1);
        write_frames(*w, base, 0, 40, 10);
    }
    const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    REQUIRE(f >= 0);
    {  // /h5md version [1, 1]
        const hid_t g = H5Gopen2(f, "/h5md", H5P_DEFAULT);
        const hid_t a = H5Aopen(g, "version", H5P_DEFAULT);
        int v[2] = {0, 0};
        H5Aread(a, H5T_NATIVE_INT, v);
        CHECK(v[0] == 1);
        CHECK(v[1] == 1);
        H5Aclose(a);
        const hid_t c = H5Gopen2(g, "creator", H5P_DEFAULT);
        CHECK(read_string_attr(c, "name") == "mdrun");
        H5Gclose(c);
        H5Gclose(g);
    }
    {
        const hid_t box = H5Gopen2(f, "/particles/all/box", H5P_DEFAULT);
        const hid_t a = H5Aopen(box, "dimension", H5P_DEFAULT);
        int dim = 0;
        H5Aread(a, H5T_NATIVE_INT, &dim);
        CHECK(dim == 3);
        H5Aclose(a);
        H5Gclose(box);
        const hid_t v = H5Dopen2(f, "/particles/all/position/value", H5P_DEFAULT);
        CHECK(read_string_attr(v, "unit") == "Angstrom");
        H5Dclose(v);
        const hid_t vv = H5Dopen2(f, "/particles/all/velocity/value", H5P_DEFAULT);
        CHECK(read_string_attr(vv, "unit") == "Angstrom ps-1");
        H5Dclose(vv);
        const hid_t t = H5Dopen2(f, "/particles/all/position/time", H5P_DEFAULT);
        CHECK(read_string_attr(t, "unit") == "ps");
        H5Dclose(t);
    }
    std::vector<hsize_t> dims;
    const auto pos = read_doubles(f, "/particles/all/position/value", &dims);
    REQUIRE(dims == std::vector<hsize_t>{5, 24, 3});
    const auto vel = read_doubles(f, "/particles/all/velocity/value");
    const auto edges = read_doubles(f, "/particles/all/box/edges/value", &dims);
    REQUIRE(dims == std::vector<hsize_t>{5, 3, 3});
    const auto time = read_doubles(f, "/particles/all/position/time");
    for (long fr = 0; fr < 5; ++fr) {
        const System s = frame_of(base, fr * 10);
        CHECK(time[fr] == 0.001 * (double)(fr * 10));
        for (std::size_t i = 0; i < s.size(); ++i) {
            CHECK(pos[(fr * 24 + i) * 3 + 0] == s.pos[i].x);  // unwrapped, bit for bit
            CHECK(pos[(fr * 24 + i) * 3 + 2] == s.pos[i].z);
            CHECK(vel[(fr * 24 + i) * 3 + 1] == s.vel[i].y);
        }
        CHECK(edges[fr * 9 + 4] == 6.167);
    }
    H5Fclose(f);
}

TEST_CASE("continuing an H5MD trajectory after a checkpoint equals the uninterrupted file") {
    System base = read_structure(kData + "/structures/NaAlCl4.POSCAR", "auto", {});
    const std::string full = temp_path("full.h5md"), resumed = temp_path("resumed.h5md");
    {
        auto w = open_trajectory(full, "h5md", base, -1);
        write_frames(*w, base, 0, 100, 10);
    }
    {
        // The interrupted run got to step 70 but its checkpoint is from step 50.
        auto w = open_trajectory(resumed, "h5md", base, -1);
        write_frames(*w, base, 0, 70, 10);
    }
    {
        auto w = open_trajectory(resumed, "h5md", base, 50);
        write_frames(*w, base, 60, 100, 10);
    }
    const hid_t a = H5Fopen(full.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    const hid_t b = H5Fopen(resumed.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    for (const char* d : {"/particles/all/position/value", "/particles/all/velocity/value", "/particles/all/position/time",
                          "/particles/all/box/edges/value", "/particles/all/box/edges/step",
                          "/particles/all/velocity/step"}) {
        CAPTURE(d);
        std::vector<hsize_t> da, db;
        const auto va = read_doubles(a, d, &da);
        const auto vb = read_doubles(b, d, &db);
        CHECK(da == db);
        CHECK(va == vb);
    }
    H5Fclose(a);
    H5Fclose(b);
    // A missing file with a resume step simply starts a new trajectory.
    const std::string fresh = temp_path("fresh.h5md");
    std::remove(fresh.c_str());
    auto w = open_trajectory(fresh, "h5md", base, 50);
    write_frames(*w, base, 60, 60, 10);
}

TEST_CASE("continuing an extxyz trajectory gives the same bytes as the uninterrupted run") {
    System base = read_structure(kData + "/structures/NaAlCl4.POSCAR", "auto", {});
    const std::string full = temp_path("full.extxyz"), resumed = temp_path("resumed.extxyz");
    {
        auto w = open_trajectory(full, "extxyz", base, -1);
        write_frames(*w, base, 0, 100, 10);
    }
    {
        auto w = open_trajectory(resumed, "extxyz", base, -1);
        write_frames(*w, base, 0, 70, 10);
    }
    {
        // Simulate a kill in the middle of a frame: a partial frame must be dropped too.
        std::ofstream(resumed, std::ios::app) << "24\nLattice=\"1 0 0 0 1 0 0 0 1\" step=80\nNa 0 0";
    }
    {
        auto w = open_trajectory(resumed, "extxyz", base, 50);
        write_frames(*w, base, 60, 100, 10);
    }
    CHECK(slurp(full) == slurp(resumed));
    CHECK(slurp(full).size() > 1000);
    // The trajectory reads back as a structure (first frame).
    const System first = read_structure(full, "extxyz", {});
    CHECK(first.size() == 24);
    CHECK(norm(first.pos[3] - base.pos[3]) < 1e-13);
}

TEST_CASE("unknown trajectory format and unwritable paths are clear errors") {
    System base = read_structure(kData + "/structures/NaAlCl4.POSCAR", "auto", {});
    try {
        open_trajectory(temp_path("x.dcd"), "dcd", base, -1);
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(std::string(e.what()).find("unknown trajectory format 'dcd'") != std::string::npos);
    }
    for (const char* fmt : {"h5md", "extxyz"}) {
        try {
            open_trajectory("/nonexistent_dir/traj", fmt, base, -1);
            FAIL("expected an error");
        } catch (const Error& e) {
            CHECK(std::string(e.what()).find("/nonexistent_dir/traj") != std::string::npos);
        }
    }
}

TEST_CASE("a run killed between frames leaves a readable H5MD file with every flushed frame") {
    System base = read_structure(kData + "/structures/NaAlCl4.POSCAR", "auto", {});
    const std::string path = temp_path("killed.h5md");
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        // The child writes three frames and is killed without closing the file (no destructor, no H5Fclose).
        auto w = open_trajectory(path, "h5md", base, -1);
        write_frames(*w, base, 0, 20, 10);
        raise(SIGKILL);
        _exit(1);  // not reached
    }
    int status = 0;
    waitpid(child, &status, 0);
    REQUIRE(WIFSIGNALED(status));
    const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    REQUIRE(f >= 0);
    std::vector<hsize_t> dims;
    const auto pos = read_doubles(f, "/particles/all/position/value", &dims);
    CHECK(dims == std::vector<hsize_t>{3, 24, 3});
    CHECK(pos[(2 * 24 + 1) * 3] == frame_of(base, 20).pos[1].x);
    H5Fclose(f);
}
