#include "potentials/registry.hpp"

#include <map>

#include "engine/core/elements.hpp"
#include "engine/core/error.hpp"
#include "engine/core/toml_util.hpp"
#include "potentials/born_coul_dsf.hpp"
#include "potentials/mtp_file.hpp"
#include "potentials/mtp_potential.hpp"

namespace mdrun {

namespace {

const char* kWhere = "[potential]";

std::string resolve_path(const std::string& file, const std::string& config_path) {
    if (file.empty() || file[0] == '/') return file;
    const auto slash = config_path.find_last_of('/');
    if (slash == std::string::npos) return file;
    return config_path.substr(0, slash + 1) + file;
}

// A symbol that is not an element is an error naming the key (catches "NA" for "Na").
void require_element(const std::string& el, const std::string& key, const std::string& cfg) {
    if (is_element(el)) return;
    try {
        element_data(el);  // throws with a hint for case mistakes
    } catch (const Error& e) {
        throw Error(cfg + ": " + key + ": " + e.what());
    }
    throw Error(cfg + ": " + key + ": unknown element '" + el + "'");
}

// [potential] kind = "mtp", file = "pot.mtp", elements = ["Na", "Al", "Cl"] (MTP species 0, 1, 2),
// arithmetic = "fma" (default) | "exact" (potentials/mtp_arithmetic.hpp).
std::unique_ptr<Potential> make_mtp(const toml::value& t, const System& sys, const std::string& cfg) {
    check_known_keys(t, {"kind", "file", "elements", "arithmetic", "force_sum"}, kWhere, cfg);
    const MtpArithmetic arithmetic = mtp_arithmetic_of(t, cfg);
    // force_sum = "chunks" (default: 24 bytes per atom and chunk) | "slots" (the CUDA backend's order, bit for
    // bit; 24 bytes per neighbour slot). potentials/mtp_potential.hpp.
    MtpForceSum force_sum = MtpForceSum::Chunks;
    if (has_key(t, "force_sum")) {
        const std::string s = get_string(t, "force_sum", kWhere, cfg);
        if (s != "chunks" && s != "slots")
            throw Error(cfg + ": [potential].force_sum must be \"chunks\" (the default) or \"slots\" (the CUDA "
                        "backend's summation order), got \"" + s + "\"");
        force_sum = s == "slots" ? MtpForceSum::Slots : MtpForceSum::Chunks;
    }
    if (!has_key(t, "file")) throw Error(cfg + ": [potential].file is required for kind = \"mtp\" (the .mtp file)");
    if (!has_key(t, "elements"))
        throw Error(cfg + ": [potential].elements is required for kind = \"mtp\" (element of MTP species 0, 1, ...)");
    const std::string path = resolve_path(get_string(t, "file", kWhere, cfg), cfg);
    const std::vector<std::string> elements = get_string_list(t, "elements", kWhere, cfg);
    for (const std::string& el : elements) require_element(el, "[potential].elements", cfg);
    MtpModel model = read_mtp(path);
    if (static_cast<int>(elements.size()) != model.species_count)
        throw Error(cfg + ": [potential].elements lists " + std::to_string(elements.size()) + " elements, but " + path +
                    " has species_count = " + std::to_string(model.species_count));
    std::vector<int> species_map;
    for (const std::string& el : sys.species) {
        int idx = -1;
        for (std::size_t k = 0; k < elements.size(); ++k)
            if (elements[k] == el) idx = static_cast<int>(k);
        if (idx < 0)
            throw Error(cfg + ": the structure contains " + el + ", which the potential lacks ([potential].elements = " +
                        toml::format(toml::find(t, "elements"), 0) + ")");
        species_map.push_back(idx);
    }
    auto pot = std::make_unique<MtpPotential>(std::move(model), std::move(species_map), arithmetic);
    pot->set_force_sum(force_sum);
    return pot;
}

}  // namespace

MtpArithmetic mtp_arithmetic_of(const toml::value& t, const std::string& cfg) {
    if (!t.is_table() || !has_key(t, "arithmetic")) return MtpArithmetic::Fma;
    return parse_mtp_arithmetic(get_string(t, "arithmetic", kWhere, cfg), cfg + ": [potential].arithmetic");
}

namespace {

int species_index(const System& sys, const std::string& el) {
    for (std::size_t k = 0; k < sys.species.size(); ++k)
        if (sys.species[k] == el) return static_cast<int>(k);
    return -1;
}

// [potential] kind = "born-coul-dsf": cutoff, alpha, coulomb, charges = {El = q}, pairs = [{a, b, A, rho, sigma, C, D}].
std::unique_ptr<Potential> make_born_coul_dsf(const toml::value& t, const System& sys, const std::string& cfg) {
    check_known_keys(t, {"kind", "cutoff", "alpha", "coulomb", "charges", "pairs", "neighbor_list", "arithmetic"}, kWhere,
                     cfg);
    BornCoulDsfParams p;
    // arithmetic = "vector" (default: libmvec's AVX2 exp/erfc) | "exact" (libm, as LAMMPS; bitwise as before).
    p.arithmetic = PairArithmetic::Vector;
    if (has_key(t, "arithmetic")) {
        const std::string a = get_string(t, "arithmetic", kWhere, cfg);
        if (a != "vector" && a != "exact")
            throw Error(cfg + ": [potential].arithmetic must be \"vector\" (libmvec's AVX2 exp/erfc, the default) or "
                        "\"exact\" (libm's, as LAMMPS) for kind = \"born-coul-dsf\", got \"" + a + "\"");
        p.arithmetic = a == "exact" ? PairArithmetic::Exact : PairArithmetic::Vector;
    }
    if (has_key(t, "neighbor_list")) {
        const std::string form = get_string(t, "neighbor_list", kWhere, cfg);
        if (form != "half" && form != "full")
            throw Error(cfg + ": [potential].neighbor_list must be \"half\" or \"full\", got \"" + form + "\"");
        p.half_list = form == "half";
    }
    if (!has_key(t, "cutoff")) throw Error(cfg + ": [potential].cutoff (Å) is required for kind = \"born-coul-dsf\"");
    // 50 Å: DSF cutoffs are 8-15 Å; beyond 50 Å the pair list of any solid no longer fits a machine.
    p.cutoff = get_double_in(t, "cutoff", kWhere, cfg, 0.0, 50.0, true, "Å");
    p.coulomb = has_key(t, "coulomb") ? get_bool(t, "coulomb", kWhere, cfg) : true;
    if (has_key(t, "alpha")) {
        p.alpha = get_double_in(t, "alpha", kWhere, cfg, 0.0, 10.0, false, "1/Å");
    } else if (p.coulomb) {
        throw Error(cfg + ": [potential].alpha (1/Å) is required when coulomb = true");
    }
    const int ns = static_cast<int>(sys.species.size());
    p.nspecies = ns;

    if (has_key(t, "charges")) {
        const toml::value& ch = toml::find(t, "charges");
        if (!ch.is_table()) throw Error(cfg + ": [potential].charges must be a table such as { Na = 1.0, Cl = -1.0 }");
        p.species_charge.assign(ns, 0.0);
        std::vector<bool> seen(ns, false);
        for (const auto& kv : ch.as_table()) {
            require_element(kv.first, "[potential].charges", cfg);
            const int s = species_index(sys, kv.first);
            const double q = get_double_in(ch, kv.first, "[potential].charges", cfg, -10.0, 10.0, false, "e");
            if (s >= 0) { p.species_charge[s] = q; seen[s] = true; }
        }
        if (p.coulomb)
            for (int s = 0; s < ns; ++s)
                if (!seen[s])
                    throw Error(cfg + ": [potential].charges has no charge for " + sys.species[s] +
                                ", which the structure contains");
    } else if (p.coulomb && sys.charge.size() != sys.size()) {
        throw Error(cfg + ": [potential].charges is required (the structure file supplies no charges)");
    }

    if (!has_key(t, "pairs")) throw Error(cfg + ": [potential].pairs is required for kind = \"born-coul-dsf\"");
    const toml::value& pairs = toml::find(t, "pairs");
    if (!pairs.is_array()) throw Error(cfg + ": [potential].pairs must be an array of tables {a, b, A, rho, sigma, C, D}");
    p.pair.assign(static_cast<std::size_t>(ns) * ns, BornPairParams{});
    std::vector<bool> have(static_cast<std::size_t>(ns) * ns, false);
    int k = 0;
    for (const auto& e : pairs.as_array()) {
        ++k;
        const std::string where = "[potential].pairs[" + std::to_string(k) + "]";
        check_known_keys(e, {"a", "b", "A", "rho", "sigma", "C", "D"}, where, cfg);
        for (const char* key : {"a", "b", "A", "rho"})
            if (!has_key(e, key)) throw Error(cfg + ": " + where + "." + key + " is required");
        const std::string a = get_string(e, "a", where, cfg), b = get_string(e, "b", where, cfg);
        require_element(a, where + ".a", cfg);
        require_element(b, where + ".b", cfg);
        BornPairParams bp;
        // Finite and bounded: exp((sigma - r)/rho) must not overflow for any r in the list.
        bp.A = get_double_in(e, "A", where, cfg, -1.0e8, 1.0e8, false, "eV");
        bp.rho = get_double_in(e, "rho", where, cfg, 0.0, 10.0, true, "Å");
        bp.sigma = has_key(e, "sigma") ? get_double_in(e, "sigma", where, cfg, 0.0, 20.0, false, "Å") : 0.0;
        bp.C = has_key(e, "C") ? get_double_in(e, "C", where, cfg, -1.0e8, 1.0e8, false, "eV·Å⁶") : 0.0;
        bp.D = has_key(e, "D") ? get_double_in(e, "D", where, cfg, -1.0e8, 1.0e8, false, "eV·Å⁸") : 0.0;
        const int sa = species_index(sys, a), sb = species_index(sys, b);
        if (sa < 0 || sb < 0) continue;  // a pair of elements the structure does not contain
        const std::size_t i1 = static_cast<std::size_t>(sa) * ns + sb, i2 = static_cast<std::size_t>(sb) * ns + sa;
        if (have[i1]) throw Error(cfg + ": " + where + ": parameters for " + a + "-" + b + " are given twice");
        p.pair[i1] = p.pair[i2] = bp;
        have[i1] = have[i2] = true;
    }
    for (int a = 0; a < ns; ++a)
        for (int b = a; b < ns; ++b)
            if (!have[static_cast<std::size_t>(a) * ns + b])
                throw Error(cfg + ": [potential].pairs has no parameters for " + sys.species[a] + "-" + sys.species[b] +
                            " (the structure contains both)");
    return std::make_unique<BornCoulDsfPotential>(p);
}

struct PotentialKind {
    const char* name;
    std::unique_ptr<Potential> (*factory)(const toml::value&, const System&, const std::string&);
};

// The registry: one line per potential kind.
const PotentialKind kKinds[] = {
    {"mtp", make_mtp},
    {"born-coul-dsf", make_born_coul_dsf},
};

}  // namespace

std::vector<std::string> potential_kinds() {
    std::vector<std::string> out;
    for (const auto& k : kKinds) out.push_back(k.name);
    return out;
}

std::unique_ptr<Potential> make_potential(const toml::value& t, const System& sys, const std::string& config_path) {
    if (!t.is_table()) throw Error(config_path + ": [potential] must be a table");
    if (!has_key(t, "kind")) throw Error(config_path + ": [potential].kind is required (one of: mtp, born-coul-dsf)");
    const std::string kind = get_string(t, "kind", kWhere, config_path);
    for (const auto& k : kKinds)
        if (kind == k.name) return k.factory(t, sys, config_path);
    std::string msg = config_path + ": [potential].kind = \"" + kind + "\" is not a known potential";
    const std::string near = closest_key(kind, potential_kinds());
    if (!near.empty()) msg += " (did you mean \"" + near + "\"?)";
    std::string list;
    for (const auto& n : potential_kinds()) list += (list.empty() ? "" : ", ") + n;
    throw Error(msg + "; known kinds: " + list);
}

}  // namespace mdrun
