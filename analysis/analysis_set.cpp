#include "analysis/analysis_set.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

#include "analysis/analysis_signature.hpp"
#include "analysis/analysis_state.hpp"
#include "analysis/angular_velocity_math.hpp"
#include "analysis/orientation_math.hpp"
#include "analysis/unwrap_math.hpp"
#include "engine/core/box.hpp"
#include "engine/core/error.hpp"

namespace mdrun {

int AnalysisSet::Impl::species_index(const std::string& s) const {
    for (std::size_t k = 0; k < species.size(); ++k)
        if (species[k] == s) return static_cast<int>(k);
    return -1;
}

namespace {
constexpr int kMaxGroupAtoms = 16;

// The polyanion groups of a checkpoint are adopted on restart, so a CRC-correct but edited checkpoint must not
// make sample() index outside the atoms, the per-kind ρ(θ,φ) arrays or the fixed per-group scratch: the groups
// must have the shape of those found in this structure at set-up (same kinds, number of groups and bonds — the
// correlators were sized by them) and valid CSR offsets and atom indices (found by fuzz_restore).
void check_loaded_groups(const PolyanionGroups& g, const PolyanionGroups& built, int n_atoms,
                         const std::string& file) {
    const auto bad = [&](const std::string& what) {
        return input_error(file, 0, "checkpoint polyanion groups: " + what + "; analyses cannot continue from it");
    };
    if (g.centre_species != built.centre_species) throw bad("the centre species differ from the configuration's");
    if (g.size() != built.size() || g.bonds() != built.bonds())
        throw bad("the number of polyanions or bonds differs from this structure's");
    const std::size_t ng = g.centre.size();
    // No polyanion analysis: the groups were never searched and stay empty (no CSR sentinel either).
    if (ng == 0 && g.kind.empty() && g.ligand.empty() && (g.offset.empty() || (g.offset.size() == 1 && g.offset[0] == 0)))
        return;
    if (g.kind.size() != ng || g.offset.size() != ng + 1 || g.cutoff_A.size() != g.centre_species.size())
        throw bad("array sizes are inconsistent");
    if (g.offset[0] != 0 || g.offset[ng] != g.bonds()) throw bad("ligand offsets do not span the bonds");
    const int nk = static_cast<int>(g.centre_species.size());
    for (std::size_t k = 0; k < ng; ++k) {
        const int len = g.offset[k + 1] - g.offset[k];
        if (len < 0 || len + 1 > kMaxGroupAtoms) throw bad("group " + std::to_string(k) + " has an invalid size");
        if (g.centre[k] < 0 || g.centre[k] >= n_atoms) throw bad("centre of group " + std::to_string(k) + " out of range");
        if (g.kind[k] < 0 || g.kind[k] >= nk) throw bad("kind of group " + std::to_string(k) + " out of range");
    }
    for (std::size_t b = 0; b < g.ligand.size(); ++b)
        if (g.ligand[b] < 0 || g.ligand[b] >= n_atoms) throw bad("ligand " + std::to_string(b) + " out of range");
    for (double c : g.cutoff_A)
        if (!(c > 0) || !std::isfinite(c)) throw bad("a bond cutoff is not a positive finite length");
}

// Centre-ion shell radius per centre species: configured (one radius, or one per centre species), else the
// first minimum of the centre-ion g(r) of the initial structure (the largest over the ion species).
std::vector<double> shell_radii(const AnalysisSet::Impl& I, const System& sys, const std::vector<std::string>& ions,
                                double r_all, const std::map<std::string, double>& r_by_centre, const std::string& key) {
    const int nk = static_cast<int>(I.groups.centre_species.size());
    std::vector<double> rs(nk, 0.0);
    for (const auto& e : ions) {
        const int s = I.species_index(e);
        for (int k = 0; k < nk; ++k) {
            const std::string& cs = I.groups.centre_species[k];
            double r = r_all;
            const auto it = r_by_centre.find(cs);
            if (it != r_by_centre.end()) r = it->second;
            if (!(r > 0)) {
                r = first_shell_minimum(sys, I.species_index(cs), s);
                if (!(r > 0))
                    throw Error("[analysis]." + key + ": no first minimum of the " + cs + "-" + e +
                                " g(r) within 7 A of the initial structure; set r_shell_A = { " + cs + " = ... }");
            }
            rs[k] = std::max(rs[k], r);
        }
    }
    return rs;
}

long lag_samples_for(double max_lag_fs, double sample_dt_ps, const std::string& key) {
    const long m = std::lround(max_lag_fs * 1e-3 / sample_dt_ps);
    if (m < 2)
        throw Error("[analysis]." + key + " = " + std::to_string(max_lag_fs) +
                    " fs is shorter than two sampling intervals (" + std::to_string(sample_dt_ps * 1e3) + " fs)");
    return m;
}
}  // namespace

AnalysisSet::AnalysisSet(const AnalysisConfig& config, const System& sys, const AnalysisRunInfo& info)
    : impl_(new Impl) {
    Impl& I = *impl_;
    I.cfg = config;
    I.info = info;
    if (!config.enabled) return;
    if (!(info.timestep_ps > 0)) throw Error("analysis: the timestep must be > 0");
    const int n = static_cast<int>(sys.size());
    const int ns = static_cast<int>(sys.species.size());
    I.species = sys.species;
    I.type = sys.type;
    I.mass = sys.mass;
    I.frozen = sys.frozen.empty() ? std::vector<std::uint8_t>(n, 0) : sys.frozen;
    I.id = sys.id;
    if (I.id.size() != static_cast<std::size_t>(n)) {
        I.id.resize(n);
        for (int i = 0; i < n; ++i) I.id[i] = i + 1;
    }
    I.half_width_A = std::numeric_limits<double>::infinity();
    for (int k = 0; k < 3; ++k)
        if (sys.box.periodic[k]) I.half_width_A = std::min(I.half_width_A, 0.5 * perpendicular_width(sys.box, k));

    // Diffusing species: msd.elements (default: Na when present).
    std::vector<std::string> mobile_el = I.cfg.msd_elements;
    if (mobile_el.empty())
        for (const auto& s : I.species)
            if (s == "Na") mobile_el.push_back(s);
    I.cfg.msd_elements = mobile_el;
    I.diffusing.assign(ns, 0);
    for (const auto& e : mobile_el) {
        const int s = I.species_index(e);
        if (s < 0) throw Error("[analysis].msd.elements: species '" + e + "' is not in the structure");
        I.diffusing[s] = 1;
    }
    I.mobile_count.assign(ns, 0);
    for (int i = 0; i < n; ++i) {
        if (!I.frozen[i]) ++I.mobile_count[I.type[i]];
        if (!I.frozen[i] && !I.diffusing[I.type[i]]) I.drift_atoms.push_back(i);
    }
    if (I.cfg.drift == "none") I.drift_atoms.clear();
    I.drift_now.assign(1, Vec3{0, 0, 0});

    if (I.cfg.msd) {
        std::vector<int> grp(n);
        for (int i = 0; i < n; ++i) grp[i] = I.frozen[i] ? ns + I.type[i] : I.type[i];
        I.msd = MultiLevelCorrelator(PairMode::displacement, grp, 2 * ns, I.cfg.msd_block, I.cfg.msd_ratio);
        std::vector<int> sg(ns);
        for (int s = 0; s < ns; ++s) sg[s] = s;
        I.mscd = MultiLevelCorrelator(PairMode::displacement, sg, ns, I.cfg.msd_block, I.cfg.msd_ratio);
        // Planned samples from start_step to total_steps (the series' initial stride; any count works).
        const long start = I.cfg.start_ps > 0
                               ? static_cast<long>(std::ceil(I.cfg.start_ps / I.info.timestep_ps * (1 - 1e-12)))
                               : 0;
        I.mscd_series = CollectiveSeries(ns, std::max(0L, I.info.total_steps - start) / I.cfg.sample_every + 1);
    }
    const bool need_groups =
        I.cfg.reorientation || I.cfg.angular_vacf || I.cfg.orientation_density || I.cfg.cna || I.cfg.hop_rotation;
    if (need_groups) {
        I.groups = find_polyanion_groups(sys, I.cfg.centers, I.cfg.ligands, I.cfg.bond_cutoff_A, "config");
        const int nk = static_cast<int>(I.groups.centre_species.size());
        for (int g = 0; g < I.groups.size(); ++g)
            if (I.groups.offset[g + 1] - I.groups.offset[g] + 1 > kMaxGroupAtoms)
                throw Error("[analysis] polyanion group too large");
        if (I.cfg.reorientation) {
            // One correlator group per polyanion: per-polyanion C1/C2 (polyanion_rotation.hpp); the species
            // curves are the sums over the polyanions of a kind.
            std::vector<int> bg(I.groups.bonds());
            for (int g = 0; g < I.groups.size(); ++g)
                for (int b = I.groups.offset[g]; b < I.groups.offset[g + 1]; ++b) bg[b] = g;
            I.reor = MultiLevelCorrelator(PairMode::dot, bg, I.groups.size(), I.cfg.msd_block, I.cfg.msd_ratio);
        }
        if (I.cfg.angular_vacf) {
            const long M = lag_samples_for(I.cfg.angular_vacf_max_lag_fs, I.sample_dt_ps(), "angular_vacf.max_lag_fs");
            I.wacf = LinearCorrelator(I.groups.kind, nk, static_cast<int>(M));
        }
        if (I.cfg.orientation_density) {
            I.rho_counts.assign(static_cast<std::size_t>(nk) * I.cfg.rho_bins_theta * I.cfg.rho_bins_phi, 0);
            I.rho_total.assign(nk, 0);
        }
    }
    if (I.cfg.vacf) {
        std::vector<std::string> els = I.cfg.vacf_elements.empty() ? mobile_el : I.cfg.vacf_elements;
        I.cfg.vacf_elements = els;
        std::vector<int> grp;
        for (std::size_t e = 0; e < els.size(); ++e) {
            const int s = I.species_index(els[e]);
            if (s < 0) throw Error("[analysis].vacf.elements: species '" + els[e] + "' is not in the structure");
            I.vacf_species.push_back(s);
            for (int i = 0; i < n; ++i)
                if (I.type[i] == s && !I.frozen[i]) {
                    I.vacf_atoms.push_back(i);
                    grp.push_back(static_cast<int>(e));
                }
        }
        const long M = lag_samples_for(I.cfg.vacf_max_lag_fs, I.sample_dt_ps(), "vacf.max_lag_fs");
        I.vacf = LinearCorrelator(grp, static_cast<int>(els.size()), static_cast<int>(M));
    }
    if (I.cfg.cna) {
        if (I.cfg.cna_elements.empty()) I.cfg.cna_elements = mobile_el;
        std::vector<int> ions;
        for (const auto& e : I.cfg.cna_elements) {
            const int s = I.species_index(e);
            if (s < 0) throw Error("[analysis].cna_correlation.elements: species '" + e + "' is not in the structure");
            for (int i = 0; i < n; ++i)
                if (I.type[i] == s && !I.frozen[i]) ions.push_back(i);
        }
        I.cna_r_shell_kind = shell_radii(I, sys, I.cfg.cna_elements, I.cfg.cna_r_shell_A, I.cfg.cna_r_shell_by_centre,
                                         "cna_correlation");
        std::vector<double> rs(I.groups.size());
        for (int g = 0; g < I.groups.size(); ++g) rs[g] = I.cna_r_shell_kind[I.groups.kind[g]];
        I.cna = CnaTracker(ions, I.groups.centre, I.groups.offset, I.groups.ligand, rs, I.cfg.cna_tau_min_ps,
                           I.sample_dt_ps());
    }
    if (I.cfg.hops) {
        if (I.cfg.hop_elements.empty()) I.cfg.hop_elements = mobile_el;
        for (const auto& e : I.cfg.hop_elements) {
            const int s = I.species_index(e);
            if (s < 0) throw Error("[analysis].hops.elements: species '" + e + "' is not in the structure");
            for (int i = 0; i < n; ++i)
                if (I.type[i] == s && !I.frozen[i]) I.hop_atoms.push_back(i);
        }
        I.hops = HopDetector(static_cast<int>(I.hop_atoms.size()), I.sample_dt_ps(), I.cfg.hop_a_A,
                             I.cfg.hop_window_ps, I.cfg.hop_ta_ps, I.cfg.hop_tau_v_ps);
    }
    if (I.cfg.hop_rotation) {
        if (!I.cfg.hops) throw Error("[analysis].hop_rotation needs [analysis].hops (the hop events)");
        const double dts = I.sample_dt_ps();
        const long d = std::lround(I.cfg.hoprot_half_window_ps / dts);
        if (d < 1 || d > 1000000)
            throw Error("[analysis].hop_rotation.half_window_ps = " + std::to_string(I.cfg.hoprot_half_window_ps) +
                        " ps must be between one and 1e6 sampling intervals (" + std::to_string(dts) + " ps)");
        // The ring must reach back from the sample where a run closes to s_hop - d (hop_rotation.hpp): at most
        // t_a/2 + n_v/2 + (run length + 1)/2 samples before the close, plus the window half d.
        const long run = static_cast<long>(std::ceil(I.cfg.hoprot_max_hop_ps / dts * (1 - 1e-12)));
        const long back = I.hops.half_window_samples() + (I.hops.average_samples() + 1) / 2 + (run + 2) / 2 + 1;
        const long frames = std::max(2 * d + 1, d + 1 + back);
        const double bytes = static_cast<double>(frames) *
                             (24.0 * (I.groups.bonds() + I.groups.size() + I.hop_atoms.size()) + 168.0);
        if (frames > 100000000L || bytes > 4.0e9)
            throw Error("[analysis].hop_rotation: the orientation ring would hold " + std::to_string(frames) +
                        " samples (" + std::to_string(bytes / 1e9) +
                        " GB); lower half_window_ps or max_hop_duration_ps, or raise sample_every");
        I.hoprot_r_shell_kind = shell_radii(I, sys, I.cfg.hop_elements, I.cfg.hoprot_r_shell_A,
                                            I.cfg.hoprot_r_shell_by_centre, "hop_rotation");
        std::vector<double> rs(I.groups.size());
        for (int g = 0; g < I.groups.size(); ++g) rs[g] = I.hoprot_r_shell_kind[I.groups.kind[g]];
        I.hoprot = HopRotationTracker(I.hop_atoms, I.groups.centre, I.groups.offset, I.groups.ligand, rs,
                                      static_cast<int>(d), static_cast<int>(frames), I.cfg.hoprot_baseline_per_hop,
                                      static_cast<std::uint64_t>(I.cfg.hoprot_seed));
    }
}

AnalysisSet::~AnalysisSet() = default;

AnalysisSet::AnalysisSet(AnalysisSet&&) noexcept = default;
AnalysisSet& AnalysisSet::operator=(AnalysisSet&&) noexcept = default;

int AnalysisSet::sample_every() const { return static_cast<int>(impl_->cfg.sample_every); }
long AnalysisSet::start_step() const {
    const Impl& I = *impl_;
    if (!(I.cfg.start_ps > 0)) return 0;
    // The first step at or after start_ps (1e-9 relative slack so that e.g. 50 ps / 0.001 ps is step 50000).
    return static_cast<long>(std::ceil(I.cfg.start_ps / I.info.timestep_ps * (1 - 1e-12)));
}
bool AnalysisSet::due(long step) const {
    return impl_->cfg.enabled && step % impl_->cfg.sample_every == 0 && step >= start_step();
}
void AnalysisSet::observe_temperature(long step, double T) {
    if (!impl_->cfg.enabled || step < start_step() || !std::isfinite(T)) return;
    impl_->temperature_sum_K += T;
    ++impl_->temperature_count;
}
long AnalysisSet::samples_taken() const { return impl_->n_samples; }

void AnalysisSet::sample(long step, const System& sys) {
    Impl& I = *impl_;
    if (!I.cfg.enabled) return;
    const int n = static_cast<int>(sys.size());
    if (n != static_cast<int>(I.type.size())) throw Error("analysis: the number of atoms changed during the run");
    if (I.n_samples > 0 && step != I.last_step + I.cfg.sample_every)
        throw Error("analysis: samples must be taken every " + std::to_string(I.cfg.sample_every) +
                    " steps; got step " + std::to_string(step) + " after " + std::to_string(I.last_step));
    // §0: incremental unwrapping with the current cell, then drift correction.
    if (I.n_samples == 0) {
        I.prev_wrapped = sys.pos;
        I.unwrapped = sys.pos;
        I.unwrapped0 = sys.pos;
        I.first_step = step;
    } else {
        const Box box = sys.box;
        Vec3* u = I.unwrapped.data();
        Vec3* prev = I.prev_wrapped.data();
        const Vec3* p = sys.pos.data();
#pragma omp parallel for schedule(static) if (n > 20000)
        for (int i = 0; i < n; ++i) {
            u[i] += unwrap_increment(box, prev[i], p[i]);
            prev[i] = p[i];
        }
    }
    I.last_step = step;
    I.volume_sum_A3 += volume(sys.box);
    Vec3 R{0, 0, 0};
    if (!I.drift_atoms.empty()) {
        for (int i : I.drift_atoms) R += I.unwrapped[i] - I.unwrapped0[i];
        R = (1.0 / static_cast<double>(I.drift_atoms.size())) * R;
    }
    I.drift_now[0] = R;
    I.scratch_x.resize(n);
    for (int i = 0; i < n; ++i) I.scratch_x[i] = drift_corrected(I.unwrapped[i], R, I.frozen[i] != 0);
    for (int i : I.drift_atoms) {
        const double d = norm(I.scratch_x[i] - I.unwrapped0[i]);
        if (d > I.max_framework_disp_A) I.max_framework_disp_A = d;
    }

    if (I.cfg.msd) {
        I.msd.add(I.scratch_x.data());
        const int ns = static_cast<int>(I.species.size());
        I.scratch_items.assign(ns, Vec3{0, 0, 0});
        for (int i = 0; i < n; ++i)
            if (!I.frozen[i]) I.scratch_items[I.type[i]] += I.scratch_x[i];
        I.mscd.add(I.scratch_items.data());
        I.mscd_series.add(I.n_samples, I.scratch_items.data());
    }
    const PolyanionGroups& G = I.groups;
    if (I.cfg.reorientation || I.cfg.orientation_density) {
        I.scratch_items.resize(G.bonds());
        for (int g = 0; g < G.size(); ++g) {
            for (int b = G.offset[g]; b < G.offset[g + 1]; ++b) {
                double len = 0;
                I.scratch_items[b] = bond_unit_vector(sys.box, sys.pos[G.centre[g]], sys.pos[G.ligand[b]], &len);
                if (!(len < I.half_width_A) || !(len > 0))
                    throw Error("analysis: at step " + std::to_string(step) + " the bond of ligand atom " +
                                std::to_string(sys.id.empty() ? G.ligand[b] + 1 : sys.id[G.ligand[b]]) +
                                " to its centre is " + std::to_string(len) +
                                " A, not below half the smallest cell width; the polyanion fell apart");
            }
        }
        if (I.cfg.reorientation) I.reor.add(I.scratch_items.data());
        if (I.cfg.orientation_density) {
            const int nt = I.cfg.rho_bins_theta, np = I.cfg.rho_bins_phi;
            for (int g = 0; g < G.size(); ++g) {
                const int k = G.kind[g];
                for (int b = G.offset[g]; b < G.offset[g + 1]; ++b) {
                    ++I.rho_counts[static_cast<std::size_t>(k) * nt * np + orientation_bin(I.scratch_items[b], nt, np)];
                    ++I.rho_total[k];
                }
            }
        }
    }
    if (I.cfg.angular_vacf) {
        I.scratch_items.resize(G.size());
        Vec3 rel[kMaxGroupAtoms], vel[kMaxGroupAtoms];
        double m[kMaxGroupAtoms];
        for (int g = 0; g < G.size(); ++g) {
            const int c = G.centre[g];
            int k = 0;
            rel[k] = Vec3{0, 0, 0};
            vel[k] = sys.vel[c];
            m[k++] = sys.mass[c];
            for (int b = G.offset[g]; b < G.offset[g + 1]; ++b) {
                rel[k] = minimum_image(sys.box, sys.pos[G.ligand[b]] - sys.pos[c]);
                vel[k] = sys.vel[G.ligand[b]];
                m[k++] = sys.mass[G.ligand[b]];
            }
            I.scratch_items[g] = group_angular_velocity(rel, vel, m, k);
        }
        I.wacf.add(I.scratch_items.data());
    }
    if (I.cfg.cna) I.cna.add(sys.box, sys.pos.data());
    if (I.cfg.hops) {
        I.scratch_items.resize(I.hop_atoms.size());
        for (std::size_t a = 0; a < I.hop_atoms.size(); ++a) I.scratch_items[a] = I.scratch_x[I.hop_atoms[a]];
        I.hops.add(I.scratch_items.data());
    }
    if (I.cfg.hop_rotation) I.hoprot.add(sys.box, sys.pos.data(), I.hops.closed_events(), I.sample_dt_ps());
    if (I.cfg.vacf) {
        I.scratch_items.resize(I.vacf_atoms.size());
        for (std::size_t a = 0; a < I.vacf_atoms.size(); ++a) I.scratch_items[a] = sys.vel[I.vacf_atoms[a]];
        I.vacf.add(I.scratch_items.data());
    }
    ++I.n_samples;
}

namespace {
// Everything in [analysis] that shapes the accumulators: a checkpoint whose signature differs cannot be
// continued, and (analysis.md §11: "a change restarts accumulators") the analyses start afresh instead.
std::string signature(const AnalysisConfig& c) {
    std::ostringstream o;
    o.precision(17);
    const auto list = [&](const std::vector<std::string>& v) {
        o << '[';
        for (const auto& x : v) o << x << ',';
        o << ']';
    };
    o << "sample_every=" << c.sample_every << ";start_ps=" << c.start_ps << ";drift=" << c.drift << ";msd=" << c.msd;
    list(c.msd_elements);
    o << c.msd_block << '/' << c.msd_ratio << ";reorientation=" << c.reorientation << ";centers=";
    list(c.centers);
    list(c.ligands);
    o << c.bond_cutoff_A << ";vacf=" << c.vacf;
    list(c.vacf_elements);
    o << c.vacf_max_lag_fs << ";angular_vacf=" << c.angular_vacf << c.angular_vacf_max_lag_fs
      << ";rho=" << c.orientation_density << c.rho_bins_theta << 'x' << c.rho_bins_phi << ";hops=" << c.hops;
    list(c.hop_elements);
    o << c.hop_a_A << ',' << c.hop_window_ps << ',' << c.hop_ta_ps << ',' << c.hop_tau_v_ps << ";cna=" << c.cna;
    list(c.cna_elements);
    o << c.cna_r_shell_A << ',' << c.cna_tau_min_ps;
    for (const auto& kv : c.cna_r_shell_by_centre) o << ',' << kv.first << '=' << kv.second;
    // Appended only when on, so checkpoints written before hop_rotation existed keep their signature.
    if (c.hop_rotation) {
        o << ";hop_rotation=" << c.hoprot_half_window_ps << ',' << c.hoprot_r_shell_A << ',' << c.hoprot_baseline_per_hop
          << ',' << c.hoprot_seed << ',' << c.hoprot_max_hop_ps;
        for (const auto& kv : c.hoprot_r_shell_by_centre) o << ',' << kv.first << '=' << kv.second;
    }
    return o.str();
}
}  // namespace

std::string analysis_signature(const AnalysisSet& set) { return signature(set.impl().cfg); }

namespace {
// The name of the accumulators' section; save, load and stored_analysis_signature use it.
const char* const kAnalysisSection = "analysis_v4";
}  // namespace

std::string stored_analysis_signature(const std::string& blob, const std::string& file) {
    std::istringstream is(blob, std::ios::binary);
    BinaryReader r(is, file, blob.size());
    r.section(kAnalysisSection);
    if (!r.flag()) return "";
    return r.str();
}

void AnalysisSet::save(BinaryWriter& w) const {
    const Impl& I = *impl_;
    w.section(kAnalysisSection);  // v2: carries the [analysis] signature; v3: + measured temperature sums;
                               // v4: + the collective series of the block Haven ratio
    w.pod(static_cast<std::uint8_t>(I.cfg.enabled));
    if (!I.cfg.enabled) return;
    w.str(signature(I.cfg));
    w.pod(I.cfg.sample_every);
    w.pod(I.n_samples);
    w.pod(I.first_step);
    w.pod(I.last_step);
    w.pod(I.volume_sum_A3);
    w.vec(I.prev_wrapped);
    w.vec(I.unwrapped);
    w.vec(I.unwrapped0);
    w.vec(I.drift_now);
    w.pod(I.max_framework_disp_A);
    w.pod(I.temperature_sum_K);
    w.pod(I.temperature_count);
    w.pod(static_cast<std::uint8_t>(I.cfg.msd));
    if (I.cfg.msd) { I.msd.save(w); I.mscd.save(w); I.mscd_series.save(w); }
    save_groups(w, I.groups);
    w.pod(static_cast<std::uint8_t>(I.cfg.reorientation));
    if (I.cfg.reorientation) I.reor.save(w);
    w.pod(static_cast<std::uint8_t>(I.cfg.vacf));
    if (I.cfg.vacf) I.vacf.save(w);
    w.pod(static_cast<std::uint8_t>(I.cfg.angular_vacf));
    if (I.cfg.angular_vacf) I.wacf.save(w);
    w.vec(I.rho_counts);
    w.vec(I.rho_total);
    w.pod(static_cast<std::uint8_t>(I.cfg.hops));
    if (I.cfg.hops) I.hops.save(w);
    w.pod(static_cast<std::uint8_t>(I.cfg.cna));
    if (I.cfg.cna) I.cna.save(w);
    if (I.cfg.hop_rotation) I.hoprot.save(w);  // no flag: the signature says whether it is there
}

void AnalysisSet::load(BinaryReader& r) {
    Impl& I = *impl_;
    r.section(kAnalysisSection);
    const bool enabled = r.pod<std::uint8_t>() != 0;
    const auto mismatch = [&](const std::string& what) {
        return input_error(r.file(), 0, "checkpoint analysis state does not match the configuration (" + what +
                                            "); analyses cannot continue from it");
    };
    if (enabled != I.cfg.enabled) throw mismatch("[analysis] present in one and not the other");
    if (!enabled) return;
    const std::string saved = r.str();
    if (saved != signature(I.cfg)) {
        // Nothing has been modified yet: this set stays fresh and starts with the next due step.
        std::fprintf(stderr,
                     "mdrun: warning: [analysis] differs from the checkpoint's (%s -> %s); the streaming analyses "
                     "restart at the next sample and cover only the rest of the run\n",
                     saved.c_str(), signature(I.cfg).c_str());
        return;
    }
    if (r.pod<long>() != I.cfg.sample_every) throw mismatch("sample_every");
    r.pod(I.n_samples);
    r.pod(I.first_step);
    r.pod(I.last_step);
    r.pod(I.volume_sum_A3);
    r.vec(I.prev_wrapped);
    r.vec(I.unwrapped);
    r.vec(I.unwrapped0);
    r.vec(I.drift_now);
    r.pod(I.max_framework_disp_A);
    r.pod(I.temperature_sum_K);
    r.pod(I.temperature_count);
    if (I.n_samples > 0 && (I.unwrapped.size() != I.type.size() || I.prev_wrapped.size() != I.type.size()))
        throw mismatch("number of atoms");
    if ((r.pod<std::uint8_t>() != 0) != I.cfg.msd) throw mismatch("msd");
    if (I.cfg.msd) { I.msd.load(r); I.mscd.load(r); I.mscd_series.load(r); }
    // Groups are identified once at the original step 0 and kept: adopt the checkpointed ones.
    PolyanionGroups loaded;
    load_groups(r, loaded);
    check_loaded_groups(loaded, I.groups, static_cast<int>(I.type.size()), r.file());
    I.groups = std::move(loaded);
    if ((r.pod<std::uint8_t>() != 0) != I.cfg.reorientation) throw mismatch("reorientation");
    if (I.cfg.reorientation) I.reor.load(r);
    if ((r.pod<std::uint8_t>() != 0) != I.cfg.vacf) throw mismatch("vacf");
    if (I.cfg.vacf) I.vacf.load(r, I.vacf_atoms.size());
    if ((r.pod<std::uint8_t>() != 0) != I.cfg.angular_vacf) throw mismatch("angular_vacf");
    if (I.cfg.angular_vacf) I.wacf.load(r, static_cast<std::size_t>(I.groups.size()));
    std::vector<std::uint64_t> rc, rt;
    r.vec(rc);
    r.vec(rt);
    if (rc.size() != I.rho_counts.size() || rt.size() != I.rho_total.size()) throw mismatch("orientation_density bins");
    I.rho_counts = rc;
    I.rho_total = rt;
    if ((r.pod<std::uint8_t>() != 0) != I.cfg.hops) throw mismatch("hops");
    if (I.cfg.hops) I.hops.load(r);
    if ((r.pod<std::uint8_t>() != 0) != I.cfg.cna) throw mismatch("cna_correlation");
    if (I.cfg.cna) I.cna.load(r);
    if (I.cfg.hop_rotation) {
        I.hoprot.load(r);
        if (I.hoprot.samples() != I.n_samples || I.hops.samples() != I.n_samples ||
            I.hoprot.counts().hops_seen > static_cast<long>(I.hops.closed_events().size()))
            throw mismatch("hop_rotation samples or hop count");
    }
}

}  // namespace mdrun
