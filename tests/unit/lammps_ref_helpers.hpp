// Readers for the LAMMPS reference runs in tests/data/lammps_reference (data files, traj.dump,
// thermo.dat) and the Tosi–Fumi NaCl parameters of its README, for the dynamics/pair-potential tests.
// Kept minimal and independent of the engine's structure readers, so the tests check the engine against
// the reference files directly.
#pragma once
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "engine/core/box.hpp"
#include "engine/core/system.hpp"
#include "potentials/born_coul_dsf.hpp"

namespace mdrun_test {

inline std::string ref_dir() { return std::string(MDRUN_TEST_DATA) + "/lammps_reference"; }
inline std::string repo_ref_dir() { return ref_dir(); }  // (alias used by the NPT tests)

// LAMMPS data file (atom_style charge, orthogonal box from 0, Masses, Atoms, Velocities), types 1=Na 2=Cl.
inline mdrun::System read_nacl_data(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    double L[3] = {0, 0, 0};
    std::map<int, double> masses;
    struct A { int type; double q; mdrun::Vec3 x; };
    std::map<long, A> atoms;
    std::map<long, mdrun::Vec3> vel;
    for (std::size_t k = 0; k < lines.size(); ++k) {
        const std::string& l = lines[k];
        std::istringstream ls(l);
        double lo, hi;
        std::string a, b;
        if (l.find("xlo xhi") != std::string::npos) { ls >> lo >> hi; L[0] = hi - lo; }
        if (l.find("ylo yhi") != std::string::npos) { ls >> lo >> hi; L[1] = hi - lo; }
        if (l.find("zlo zhi") != std::string::npos) { ls >> lo >> hi; L[2] = hi - lo; }
        auto section = [&](const std::string& name) { return l.rfind(name, 0) == 0; };
        if (section("Masses") || section("Atoms") || section("Velocities")) {
            std::size_t m = k + 2;
            for (; m < lines.size() && !lines[m].empty(); ++m) {
                std::istringstream s(lines[m]);
                if (section("Masses")) { int t; double mm; s >> t >> mm; masses[t] = mm; }
                if (section("Atoms")) { long id; A at; s >> id >> at.type >> at.q >> at.x.x >> at.x.y >> at.x.z; atoms[id] = at; }
                if (section("Velocities")) { long id; mdrun::Vec3 v; s >> id >> v.x >> v.y >> v.z; vel[id] = v; }
            }
        }
    }
    mdrun::System sys;
    mdrun::Mat3 h = mdrun::mat3_zero();
    for (int k = 0; k < 3; ++k) h.m[k][k] = L[k];
    sys.box = mdrun::make_box(h);
    sys.species = {"Na", "Cl"};
    for (auto& [id, at] : atoms) {
        sys.id.push_back(id);
        sys.type.push_back(at.type - 1);
        sys.charge.push_back(at.q);
        sys.pos.push_back(at.x);
        sys.vel.push_back(vel.count(id) ? vel[id] : mdrun::Vec3{0, 0, 0});
        sys.mass.push_back(masses[at.type]);
    }
    sys.force.assign(sys.pos.size(), mdrun::Vec3{0, 0, 0});
    sys.frozen.assign(sys.pos.size(), 0);
    sys.has_velocities = !vel.empty();
    return sys;
}

// One dump frame: rows sorted by id, columns id type xu yu zu vx vy vz fx fy fz c_pea.
struct DumpFrame {
    long step = 0;
    std::vector<std::vector<double>> rows;
};
inline std::vector<DumpFrame> read_dump(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::vector<DumpFrame> frames;
    std::string l;
    while (std::getline(in, l)) {
        if (l != "ITEM: TIMESTEP") continue;
        DumpFrame f;
        std::getline(in, l);
        f.step = std::stol(l);
        std::getline(in, l);
        std::getline(in, l);
        const long n = std::stol(l);
        for (int k = 0; k < 5; ++k) std::getline(in, l);
        for (long i = 0; i < n; ++i) {
            std::getline(in, l);
            std::istringstream s(l);
            std::vector<double> row(12);
            for (double& v : row) s >> v;
            f.rows.push_back(row);
        }
        frames.push_back(std::move(f));
    }
    return frames;
}

// thermo.dat: header line "# Step Time ..." and one row per step; returns column name -> values.
inline std::map<std::string, std::vector<double>> read_thermo(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::string l;
    std::getline(in, l);
    std::istringstream hs(l.substr(1));
    std::vector<std::string> names;
    for (std::string w; hs >> w;) names.push_back(w);
    std::map<std::string, std::vector<double>> cols;
    while (std::getline(in, l)) {
        std::istringstream s(l);
        for (const auto& name : names) { double v; s >> v; cols[name].push_back(v); }
    }
    return cols;
}

// Tosi–Fumi NaCl parameters (README table), species 0 = Na, 1 = Cl; charges from the data file.
inline mdrun::BornCoulDsfParams nacl_params(bool coulomb) {
    mdrun::BornCoulDsfParams p;
    p.cutoff = 8.0;
    p.alpha = 0.2;
    p.coulomb = coulomb;
    p.nspecies = 2;
    const mdrun::BornPairParams nana{0.263704, 0.317, 2.340, 1.048573, -0.499321};
    const mdrun::BornPairParams nacl{0.210963, 0.317, 2.755, 6.990490, -8.675698};
    const mdrun::BornPairParams clcl{0.158222, 0.317, 3.170, 72.40150, -145.4271};
    p.pair = {nana, nacl, nacl, clcl};
    return p;
}

}  // namespace mdrun_test
