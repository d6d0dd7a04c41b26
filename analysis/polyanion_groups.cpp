#include "analysis/polyanion_groups.hpp"

#include "engine/md/neighbor_list.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/core/box.hpp"
#include "engine/core/elements.hpp"
#include "engine/core/error.hpp"

namespace mdrun {

namespace {
int species_index(const System& sys, const std::string& name) {
    for (std::size_t s = 0; s < sys.species.size(); ++s)
        if (sys.species[s] == name) return static_cast<int>(s);
    return -1;
}
double smallest_half_width(const Box& b) {
    double w = std::numeric_limits<double>::infinity();
    for (int k = 0; k < 3; ++k)
        if (b.periodic[k]) w = std::min(w, perpendicular_width(b, k));
    return 0.5 * w;
}
}  // namespace

std::vector<std::string> default_ligand_species(const System& sys) {
    static const char* anions[] = {"O", "S", "Se", "Te", "F", "Cl", "Br", "I"};
    std::vector<std::string> out;
    for (const auto& s : sys.species)
        for (const char* a : anions)
            if (s == a) out.push_back(s);
    return out;
}

double first_minimum_cutoff(const System& sys, int ct, int lt) {
    const double fallback = 1.25 * (covalent_radius(sys.species[ct]) + covalent_radius(sys.species[lt]));
    const double r_max = std::min(2.0 * fallback / 1.25, smallest_half_width(sys.box));
    const double dr = 0.02;
    const int nb = static_cast<int>(r_max / dr);
    if (nb < 10) return fallback;
    std::vector<double> h(nb, 0.0);
    const std::size_t n = sys.size();
    for (std::size_t i = 0; i < n; ++i) {
        if (sys.type[i] != ct) continue;
        for (std::size_t j = 0; j < n; ++j) {
            if (sys.type[j] != lt || j == i) continue;
            const double r = norm(minimum_image(sys.box, sys.pos[j] - sys.pos[i]));
            const int b = static_cast<int>(r / dr);
            if (b < nb) h[b] += 1.0;
        }
    }
    // g(r) up to a constant: counts / r^2, Gaussian-smoothed (sigma 0.05 Å) against thermal noise.
    std::vector<double> raw(nb, 0.0), g(nb, 0.0);
    for (int b = 0; b < nb; ++b) {
        const double r = (b + 0.5) * dr;
        raw[b] = h[b] / (r * r);
    }
    const int kw = 8;  // +-0.16 Å
    for (int b = 0; b < nb; ++b) {
        double s = 0, w = 0;
        for (int k = std::max(0, b - kw); k <= std::min(nb - 1, b + kw); ++k) {
            const double x = (k - b) * dr / 0.05;
            const double wk = std::exp(-0.5 * x * x);
            s += wk * raw[k];
            w += wk;
        }
        g[b] = s / w;
    }
    // The bonded peak: the highest g(r) up to the covalent fallback distance.
    const int pmax = std::min(nb - 1, static_cast<int>(fallback / dr));
    int p = 0;
    for (int b = 1; b <= pmax; ++b)
        if (g[b] > g[p]) p = b;
    if (!(g[p] > 0)) return fallback;
    // Walk out until g rises clearly (by a quarter of the peak) above the lowest value seen: that is the
    // next shell; the first minimum is the lowest point before it (the middle of it if it is a flat zero gap).
    int qmin = p;
    int end = -1;
    for (int q = p + 1; q < nb; ++q) {
        if (g[q] < g[qmin]) qmin = q;
        if (g[q] > g[qmin] + 0.25 * g[p]) { end = q; break; }
    }
    if (end < 0) return fallback;  // no second shell within reach: trust the covalent estimate
    if (g[qmin] < 1e-12 * g[p]) {
        int a = qmin, e = qmin;
        while (a - 1 > p && g[a - 1] < 1e-12 * g[p]) --a;
        while (e + 1 < end && g[e + 1] < 1e-12 * g[p]) ++e;
        return 0.5 * (a + e + 1) * dr;
    }
    return (qmin + 0.5) * dr;
}

double first_shell_minimum(const System& sys, int at, int bt, double r_max) {
    const double nan = std::nan("");
    const double dr = 0.02;
    const int nb = static_cast<int>(r_max / dr);
    if (nb < 20) return nan;
    // Every periodic image within r_max (the neighbour list's images), not the minimum image: in a small
    // cell (e.g. 192 atoms, half width < 6 Å) the minimum of a centre-ion g(r) lies beyond half the cell.
    NeighborList nl;
    build_neighbor_list(sys.box, sys.pos, r_max, nl);
    std::vector<double> h(nb, 0.0);
    for (std::size_t i = 0; i < sys.size(); ++i) {
        if (sys.type[i] != at) continue;
        for (int sl = nl.offset[i]; sl < nl.offset[i + 1]; ++sl) {
            const std::size_t j = static_cast<std::size_t>(nl.j[static_cast<std::size_t>(sl)]);
            if (sys.type[j] != bt) continue;
            const double r = norm(sys.pos[j] + slot_shift(nl, static_cast<std::size_t>(sl)) - sys.pos[i]);
            const int b = static_cast<int>(r / dr);
            if (r > 0 && b < nb) h[b] += 1.0;
        }
    }
    // Counts / r^2, Gaussian-smoothed (sigma 0.1 Å): one structure has few pairs per shell.
    std::vector<double> g(nb, 0.0);
    const int kw = 15;
    for (int b = 0; b < nb; ++b) {
        double s = 0, w = 0;
        for (int k = std::max(0, b - kw); k <= std::min(nb - 1, b + kw); ++k) {
            const double x = (k - b) * dr / 0.1, r = (k + 0.5) * dr;
            const double wk = std::exp(-0.5 * x * x);
            s += wk * h[k] / (r * r);
            w += wk;
        }
        g[b] = s / w;
    }
    double gmax = 0;
    for (double v : g) gmax = std::max(gmax, v);
    if (!(gmax > 0)) return nan;
    int p = -1;
    for (int b = 1; b + 1 < nb; ++b)
        if (g[b] >= 0.5 * gmax && g[b] >= g[b - 1] && g[b] >= g[b + 1]) { p = b; break; }
    if (p < 0) return nan;
    int qmin = p, end = -1;
    for (int q = p + 1; q < nb; ++q) {
        if (g[q] < g[qmin]) qmin = q;
        if (g[q] > g[qmin] + 0.25 * g[p]) { end = q; break; }
    }
    if (end < 0) {
        // No shell rises clearly within r_max (e.g. the next Al-Na shell of NaAlBr4 at 6.8 Å is weak), but an
        // empty gap after the first shell that closes again before r_max is a minimum all the same: its middle.
        int a = p + 1;
        while (a < nb && !(g[a] < 1e-12 * g[p])) ++a;
        int e = a;
        while (e + 1 < nb && g[e + 1] < 1e-12 * g[p]) ++e;
        if (a >= nb || e + 1 >= nb) return nan;  // no gap, or it runs past r_max: no minimum seen
        return 0.5 * (a + e + 1) * dr;
    }
    if (g[qmin] < 1e-12 * g[p]) {
        int a = qmin, e = qmin;
        while (a - 1 > p && g[a - 1] < 1e-12 * g[p]) --a;
        while (e + 1 < end && g[e + 1] < 1e-12 * g[p]) ++e;
        return 0.5 * (a + e + 1) * dr;
    }
    return (qmin + 0.5) * dr;
}

PolyanionGroups find_polyanion_groups(const System& sys, const std::vector<std::string>& centres,
                                      const std::vector<std::string>& ligands_in, double cutoff_A,
                                      const std::string& file) {
    PolyanionGroups G;
    const std::vector<std::string> ligands = ligands_in.empty() ? default_ligand_species(sys) : ligands_in;
    if (ligands.empty())
        throw Error(file + ": [analysis] polyanion groups need ligands, but the structure has no anion species "
                           "(O, S, Se, Te, F, Cl, Br, I); set reorientation.ligands");
    std::vector<int> ctypes, ltypes;
    for (const auto& c : centres) {
        const int t = species_index(sys, c);
        if (t < 0) throw Error(file + ": [analysis] centre species '" + c + "' is not in the structure");
        ctypes.push_back(t);
        G.centre_species.push_back(c);
    }
    for (const auto& l : ligands) {
        const int t = species_index(sys, l);
        if (t < 0) throw Error(file + ": [analysis] ligand species '" + l + "' is not in the structure");
        ltypes.push_back(t);
    }
    // Cutoff per (centre species, ligand species).
    std::vector<std::vector<double>> rc(ctypes.size(), std::vector<double>(ltypes.size()));
    G.cutoff_A.assign(ctypes.size(), 0.0);
    for (std::size_t a = 0; a < ctypes.size(); ++a)
        for (std::size_t b = 0; b < ltypes.size(); ++b) {
            rc[a][b] = cutoff_A > 0 ? cutoff_A : first_minimum_cutoff(sys, ctypes[a], ltypes[b]);
            G.cutoff_A[a] = std::max(G.cutoff_A[a], rc[a][b]);
        }
    const double half = smallest_half_width(sys.box);
    // Centres, in atom order.
    const std::size_t n = sys.size();
    std::vector<int> group_of_atom(n, -1);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t a = 0; a < ctypes.size(); ++a)
            if (sys.type[i] == ctypes[a]) {
                group_of_atom[i] = G.size();
                G.centre.push_back(static_cast<int>(i));
                G.kind.push_back(static_cast<int>(a));
            }
    // Each ligand goes to its nearest centre within the pair cutoff.
    std::vector<std::vector<int>> members(G.size());
    for (std::size_t j = 0; j < n; ++j) {
        int lb = -1;
        for (std::size_t b = 0; b < ltypes.size(); ++b)
            if (sys.type[j] == ltypes[b]) lb = static_cast<int>(b);
        if (lb < 0) continue;
        int best = -1;
        double best_r = std::numeric_limits<double>::infinity();
        for (int g = 0; g < G.size(); ++g) {
            const double r = norm(minimum_image(sys.box, sys.pos[j] - sys.pos[G.centre[g]]));
            if (r < rc[G.kind[g]][lb] && r < best_r) { best_r = r; best = g; }
        }
        if (best < 0) continue;
        if (best_r >= half)
            throw Error(file + ": [analysis] bond of ligand atom " + std::to_string(sys.id[j]) + " is " +
                        std::to_string(best_r) + " A long, not below half the smallest cell width (" +
                        std::to_string(half) + " A); use a larger cell");
        members[best].push_back(static_cast<int>(j));
    }
    G.offset.assign(1, 0);
    for (int g = 0; g < G.size(); ++g) {
        const int cn = static_cast<int>(members[g].size());
        if (cn != 4 && cn != 6)
            throw Error(file + ": [analysis] centre atom " + std::to_string(sys.id[G.centre[g]]) + " (" +
                        G.centre_species[G.kind[g]] + ") has " + std::to_string(cn) +
                        " ligands within r_cut = " + std::to_string(G.cutoff_A[G.kind[g]]) +
                        " A; expected 4 (tetrahedral) or 6 (octahedral). Set [analysis] "
                        "reorientation.bond_cutoff_A or check the centres/ligands");
        for (int j : members[g]) G.ligand.push_back(j);
        G.offset.push_back(static_cast<int>(G.ligand.size()));
    }
    return G;
}

void save_groups(BinaryWriter& w, const PolyanionGroups& g) {
    w.section("polyanion_groups");
    w.pod(static_cast<std::uint64_t>(g.centre_species.size()));
    for (const auto& s : g.centre_species) w.str(s);
    w.vec(g.centre);
    w.vec(g.kind);
    w.vec(g.offset);
    w.vec(g.ligand);
    w.vec(g.cutoff_A);
}

void load_groups(BinaryReader& r, PolyanionGroups& g) {
    r.section("polyanion_groups");
    const auto ns = r.pod<std::uint64_t>();
    if (ns > 1000) throw input_error(r.file(), 0, "checkpoint is corrupt (polyanion species)");
    g.centre_species.clear();
    for (std::uint64_t k = 0; k < ns; ++k) g.centre_species.push_back(r.str());
    r.vec(g.centre);
    r.vec(g.kind);
    r.vec(g.offset);
    r.vec(g.ligand);
    r.vec(g.cutoff_A);
}

}  // namespace mdrun
