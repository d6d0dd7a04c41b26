// The device-side analysis accumulators (kernels/device_analysis.hpp over kernels/analysis_bodies.hpp)
// driven by the HOST executor along a real batched MTP run (Na3PS4, tests/data), sampled in place from the
// engine's position/velocity buffers, against the host AnalysisSet sampled from downloaded copies of the
// same states. Every accumulator (unwrapped positions, drift, E1 rings and lag sums of MSD/MSCD/C1/C2, E2
// rings and sums of VACF/omega-ACF, rho histogram, counts) must be BIT-identical: each accumulator slot is
// summed by one thread in the host's item order and the host build does not contract FMAs. The comparison is
// of AnalysisSet::save() bytes (the checkpoint section), which covers every piece of state, plus the
// written result values.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "analysis/analysis_set.hpp"
#include "analysis/analysis_state.hpp"
#include "engine/md/backend.hpp"
#include "engine/md/dynamics.hpp"
#include "engine/run/checkpoint_format.hpp"
#include "engine/run/run_loop.hpp"
#include "kernels/batch_backend.hpp"
#include "engine/io/structure_io.hpp"
#include "kernels/batch_engine.hpp"
#include "kernels/device_analysis.hpp"
#include "kernels/host_exec.hpp"
#include "potentials/mtp_file.hpp"
#include "potentials/mtp_potential.hpp"
#include "tests/support/batch_fixture.hpp"

using namespace mdrun;

namespace {

using HostEngine = BatchEngine<HostExec, HostBuffer>;
using HostAnalysis = DeviceAnalysis<HostExec, HostBuffer>;

std::string data(const std::string& rel) { return std::string(MDRUN_TEST_DATA) + "/" + rel; }

std::string saved(const AnalysisSet& a) {
    std::ostringstream os;
    BinaryWriter w(os);
    a.save(w);
    return os.str();
}

AnalysisConfig all_ported(long sample_every) {
    AnalysisConfig c;
    c.enabled = true;
    c.sample_every = sample_every;
    c.msd = true;
    c.msd_elements = {"Na"};
    c.msd_block = 6;  // small blocks: 41 samples fill several levels
    c.msd_ratio = 2;
    c.reorientation = true;
    c.centers = {"P"};
    c.vacf = true;
    c.vacf_max_lag_fs = 100.0;
    c.angular_vacf = true;
    c.angular_vacf_max_lag_fs = 60.0;
    c.orientation_density = true;
    c.rho_bins_theta = 12;
    c.rho_bins_phi = 24;
    c.hops = true;  // hybrid: positions gathered on the device, detector on the host
    c.hop_elements = {"Na"};
    c.hop_a_A = 0.5;  // small a and windows: events within 200 steps
    c.hop_window_ps = 0.02;
    c.hop_ta_ps = 0.1;
    c.hop_tau_v_ps = 0.02;
    c.cna = true;  // hybrid: positions copied to a host tracker at each sample
    c.cna_elements = {"Na"};
    c.cna_tau_min_ps = 0.05;
    c.hop_rotation = true;  // host-only, after the host hop detector, on the copied positions
    c.hoprot_half_window_ps = 0.02;
    c.hoprot_max_hop_ps = 0.1;
    return c;
}

}  // namespace

TEST_CASE("device analysis: accumulators sampled in place equal the host AnalysisSet bit for bit (Na3PS4 MTP, 2 replicas)") {
    const MtpPotential pot(read_mtp(data("mtp/Na3PS4_tensornet/pot.mtp")), {0, 1, 2});
    const System base = read_structure(data("structures/Na3PS4_cNa3PS4_snapshot.POSCAR"), "poscar", {});
    REQUIRE(base.size() == 128);

    std::vector<System> sys(2, base);
    maxwell_boltzmann(sys[0], 900.0, 5);
    for (std::size_t a = 0; a < sys[1].size(); ++a) sys[1].frozen[a] = base.species[base.type[a]] == "P" ? 1 : 0;
    maxwell_boltzmann(sys[1], 1300.0, 6);
    std::vector<DynamicsParams> par(2);
    for (int r = 0; r < 2; ++r) {
        par[r].ensemble = "nvt";
        par[r].dt_ps = 0.002;
        par[r].temperature_K = r == 0 ? 900.0 : 1300.0;
        par[r].tdamp_ps = 0.05;
        par[r].skin = 0.6;
    }
    HostExec ex;
    std::vector<BatchReplicaSpec> specs = {mtp_batch_spec(sys[0], pot, par[0]), mtp_batch_spec(sys[1], pot, par[1])};
    HostEngine eng(ex, pot.tables(), specs);
    eng.setup();

    const long every = 5, steps = 200;
    std::vector<AnalysisSet> host, dev;
    std::vector<std::unique_ptr<HostAnalysis>> da;
    for (int r = 0; r < 2; ++r) {
        AnalysisRunInfo info;
        info.timestep_ps = par[r].dt_ps;
        info.temperature_K = par[r].temperature_K;
        info.total_steps = steps;
        host.emplace_back(all_ported(every), sys[r], info);
        dev.emplace_back(all_ported(every), sys[r], info);
        REQUIRE(HostAnalysis::supported(dev.back()));
        da.push_back(std::make_unique<HostAnalysis>(ex, dev.back()));
        da.back()->upload_from(dev.back());
    }
    REQUIRE(host[0].impl().groups.size() == 16);

    std::vector<System> snap = sys;
    for (long s = 0; s <= steps; s += every) {
        if (s > 0) eng.advance(every);
        for (int r = 0; r < 2; ++r) {
            eng.download(r, snap[r]);
            host[static_cast<std::size_t>(r)].sample(s, snap[r]);
            const std::size_t first = static_cast<std::size_t>(eng.first_atom(r));
            da[static_cast<std::size_t>(r)]->sample(s, eng.device_positions() + first, eng.device_velocities() + first,
                                                    sys[r].box);
        }
        if (s == 100) {
            // A checkpoint-style round trip in the middle: device -> host set -> a fresh device object.
            for (int r = 0; r < 2; ++r) {
                da[static_cast<std::size_t>(r)]->download_into(dev[static_cast<std::size_t>(r)]);
                CHECK(saved(dev[static_cast<std::size_t>(r)]) == saved(host[static_cast<std::size_t>(r)]));
                da[static_cast<std::size_t>(r)] = std::make_unique<HostAnalysis>(ex, dev[static_cast<std::size_t>(r)]);
                da[static_cast<std::size_t>(r)]->upload_from(dev[static_cast<std::size_t>(r)]);
            }
        }
    }
    std::size_t hoprot_samples = 0;
    for (int r = 0; r < 2; ++r) {
        AnalysisSet& d = dev[static_cast<std::size_t>(r)];
        const AnalysisSet& h = host[static_cast<std::size_t>(r)];
        da[static_cast<std::size_t>(r)]->download_into(d);
        CHECK(d.samples_taken() == steps / every + 1);
        // the whole state, byte for byte (unwrapping, drift, every correlator ring/sum/count, rho)
        CHECK(saved(d) == saved(h));
        // and, spelled out, a few of the accumulators (so that a failure says which)
        const auto& D = d.impl();
        const auto& H = h.impl();
        // the host-side collective series of the block Haven ratio, filled from the device's species sums
        REQUIRE(D.mscd_series.points() == H.mscd_series.points());
        CHECK(D.mscd_series.points() > 0);
        for (long p = 0; p < D.mscd_series.points(); ++p)
            for (int s = 0; s < D.mscd_series.n_items(); ++s)
                CHECK(std::memcmp(&D.mscd_series.at(p, s), &H.mscd_series.at(p, s), sizeof(Vec3)) == 0);
        // hop_rotation (host tracker on copied positions) saw hops and sampled both groups
        hoprot_samples += H.hoprot.hop_samples().size();
        CHECK(D.hoprot.hop_samples().size() == H.hoprot.hop_samples().size());
        CHECK(D.hoprot.baseline_samples().size() == H.hoprot.baseline_samples().size());
        CHECK(D.msd.levels() >= 3);
        const auto dm = D.msd.results(), hm = H.msd.results();
        REQUIRE(dm.size() == hm.size());
        double msd_sum = 0;
        for (std::size_t k = 0; k < dm.size(); ++k) {
            CHECK(dm[k].counts == hm[k].counts);
            for (std::size_t q = 0; q < dm[k].sums.size(); ++q) CHECK(dm[k].sums[q] == hm[k].sums[q]);
            msd_sum += dm[k].sums[0];
        }
        CHECK(msd_sum > 0);  // the run moved the Na atoms
        const auto dr = D.reor.results(), hr = H.reor.results();
        REQUIRE(dr.size() == hr.size());
        for (std::size_t k = 0; k < dr.size(); ++k)
            for (std::size_t q = 0; q < dr[k].sums.size(); ++q) CHECK(dr[k].sums[q] == hr[k].sums[q]);
        for (int g = 0; g < D.vacf.n_groups(); ++g) {
            const auto a = D.vacf.correlation(g), b = H.vacf.correlation(g);
            for (std::size_t l = 0; l < a.size(); ++l) CHECK(std::memcmp(&a[l], &b[l], sizeof(double)) == 0);
        }
        for (int g = 0; g < D.wacf.n_groups(); ++g) {
            const auto a = D.wacf.correlation(g), b = H.wacf.correlation(g);
            for (std::size_t l = 0; l < a.size(); ++l) CHECK(std::memcmp(&a[l], &b[l], sizeof(double)) == 0);
        }
        CHECK(D.rho_counts == H.rho_counts);
        CHECK(D.rho_total == H.rho_total);
        CHECK(D.rho_total[0] == static_cast<std::uint64_t>(64 * (steps / every + 1)));
        CHECK(D.max_framework_disp_A == H.max_framework_disp_A);
        CHECK(D.max_framework_disp_A > 0);
        CHECK(D.hops.samples() == H.hops.samples());
        CHECK(D.hops.events().size() == H.hops.events().size());
        if (r == 0) CHECK(H.hops.events().size() > 0);
    }
    CHECK(hoprot_samples > 0);  // (the saved-state comparison above covers the tracker's values)
}

TEST_CASE("device analysis: the E1 lane split (used for groups above 4096 items) agrees with the host to 1e-12") {
    const MtpPotential pot(read_mtp(data("mtp/Na3PS4_tensornet/pot.mtp")), {0, 1, 2});
    System sys = read_structure(data("structures/Na3PS4_cNa3PS4_snapshot.POSCAR"), "poscar", {});
    maxwell_boltzmann(sys, 1000.0, 9);
    DynamicsParams par;
    par.ensemble = "nvt";
    par.dt_ps = 0.002;
    par.temperature_K = 1000.0;
    par.tdamp_ps = 0.05;
    par.skin = 0.6;
    HostExec ex;
    std::vector<BatchReplicaSpec> specs = {mtp_batch_spec(sys, pot, par)};
    HostEngine eng(ex, pot.tables(), specs);
    eng.setup();
    AnalysisRunInfo info;
    info.timestep_ps = par.dt_ps;
    AnalysisSet host(all_ported(5), sys, info), dev(all_ported(5), sys, info);
    HostAnalysis da(ex, dev);
    da.force_lanes(3);  // uneven lanes: 48 Na over 3 lanes, 16 bonds of one kind over 3 lanes
    da.upload_from(dev);
    System snap = sys;
    for (long s = 0; s <= 150; s += 5) {
        if (s > 0) eng.advance(5);
        eng.download(0, snap);
        host.sample(s, snap);
        da.sample(s, eng.device_positions(), eng.device_velocities(), sys.box);
    }
    da.download_into(dev);
    double worst = 0;
    bool any_not_bitwise = false;
    for (int which = 0; which < 3; ++which) {
        const MultiLevelCorrelator& a = which == 0 ? dev.impl().msd : which == 1 ? dev.impl().mscd : dev.impl().reor;
        const MultiLevelCorrelator& b = which == 0 ? host.impl().msd : which == 1 ? host.impl().mscd : host.impl().reor;
        const auto ra = a.results(), rb = b.results();
        REQUIRE(ra.size() == rb.size());
        for (std::size_t k = 0; k < ra.size(); ++k) {
            CHECK(ra[k].counts == rb[k].counts);
            for (std::size_t q = 0; q < ra[k].sums.size(); ++q) {
                const double x = ra[k].sums[q], y = rb[k].sums[q];
                any_not_bitwise = any_not_bitwise || x != y;
                if (x != y) worst = std::max(worst, std::fabs(x - y) / std::max(std::fabs(x), std::fabs(y)));
            }
        }
    }
    MESSAGE("lane split: largest relative difference of the E1 sums " << worst);
    CHECK(worst <= 1e-12);
    CHECK(any_not_bitwise);  // the lanes really took a different order (else this test tests nothing)
    CHECK(dev.impl().rho_counts == host.impl().rho_counts);
}

TEST_CASE("device analysis: every analysis is supported; a disabled [analysis] is not") {
    const System base = read_structure(data("structures/Na3PS4_cNa3PS4_snapshot.POSCAR"), "poscar", {});
    AnalysisRunInfo info;
    AnalysisConfig c = all_ported(10);
    const AnalysisSet with_hops(c, base, info);
    CHECK(DeviceAnalysis<HostExec, HostBuffer>::supported(with_hops));
    c.cna = true;
    const AnalysisSet with_cna(c, base, info);
    CHECK(DeviceAnalysis<HostExec, HostBuffer>::supported(with_cna));
    AnalysisConfig off;
    const AnalysisSet disabled(off, base, info);
    CHECK_FALSE(DeviceAnalysis<HostExec, HostBuffer>::supported(disabled));
}

namespace {

namespace fs = std::filesystem;

std::unique_ptr<Backend> make_host_batched(std::vector<std::unique_ptr<Replica>>& replicas) {
    return std::make_unique<BatchBackend<HostExec, HostBuffer>>(replicas, "cuda", "host-driven kernel bodies");
}
bool always(std::string&) { return true; }

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Na3PS4 MTP, 2 replicas (one with frozen P), every analysis with device kernels (+ hops when asked).
std::string run_config(const fs::path& out, long steps, long checkpoint_every, bool hops) {
    const std::string sh = MDRUN_TEST_DATA;
    return "[structure]\nfile = \"" + sh + "/structures/Na3PS4_cNa3PS4_snapshot.POSCAR\"\n"
           "[potential]\nkind = \"mtp\"\nfile = \"" + sh + "/mtp/Na3PS4_tensornet/pot.mtp\"\n"
           "elements = [\"Na\", \"P\", \"S\"]\n"
           // exact: the kernel bodies are compiled without contraction, so only the exact CPU mode is bitwise theirs
           "arithmetic = \"exact\"\nforce_sum = \"slots\"\n"
           "[md]\nensemble = \"nvt\"\ntimestep_fs = 2.0\nsteps = " + std::to_string(steps) + "\n"
           "temperature_K = 900.0\nvelocities = \"maxwell\"\nseed = 3\nneighbor_skin = 0.6\n"
           "[[replica]]\nname = \"T900\"\n"
           "[[replica]]\nname = \"T1300_frozenP\"\ntemperature_K = 1300.0\nfreeze = [\"P\"]\n"
           "[output]\ndirectory = \"" + out.string() + "\"\nthermo_every = 20\ntrajectory_every = 0\n"
           "checkpoint_every = " + std::to_string(checkpoint_every) + "\nwrite_final = false\n"
           "[analysis]\nsample_every = 5\nmsd = { elements = [\"Na\"], block = 6, ratio = 2 }\n"
           "reorientation = { centers = [\"P\"] }\nvacf = { elements = [\"Na\"], max_lag_fs = 100 }\n"
           "angular_vacf = { centers = [\"P\"], max_lag_fs = 60 }\norientation_density = { centers = [\"P\"], bins = [12, 24] }\n" +
           (hops ? std::string("hops = { elements = [\"Na\"], a_A = 0.5, window_ps = 0.02, ta_ps = 0.1, tau_v_ps = 0.02 }\n"
                          "cna_correlation = { elements = [\"Na\"], centers = [\"P\"], tau_min_ps = 0.05 }\n") : std::string());
}

void run(const fs::path& dir, const std::string& name, const std::string& device, long steps, long ckpt, bool hops,
         const std::string& restart = "") {
    const fs::path cfg = dir / (name + ".toml");
    std::ofstream(cfg) << run_config(dir / name, steps, ckpt, hops);
    RunOptions opt;
    opt.config_path = cfg.string();
    opt.device = device;
    opt.quiet = true;
    opt.restart_file = restart;
    CHECK(run_md(opt) == 0);
}

// The analysis result files of every replica (relative path -> contents).
std::map<std::string, std::string> analysis_files(const fs::path& root) {
    std::map<std::string, std::string> m;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
        if (!e.is_regular_file()) continue;
        const std::string rel = fs::relative(e.path(), root).string();
        const std::string f = e.path().filename().string();
        // (analysis.h5 included: it is written without HDF5 object time stamps, so equal results give equal bytes)
        if (f == "summary.json" || f == "checkpoint.mdrun" || f == "analysis.h5" ||
            (f.size() > 4 && f.substr(f.size() - 4) == ".csv" && f != "thermo.csv"))
            m[rel] = slurp(e.path());
    }
    return m;
}

void compare_with_cpu(bool hops) {
    register_backend(BackendEntry{"cuda", always, make_host_batched});
    const fs::path dir = fs::temp_directory_path() /
                         ("mdrun_device_analysis_" + std::string(hops ? "hops_" : "") + std::to_string(::getpid()));
    fs::create_directories(dir);
    run(dir, "cpu", "cpu", 80, 0, hops);
    run(dir, "gpu", "cuda", 80, 0, hops);
    // restart halfway on the batched backend: the device accumulators are re-uploaded from the checkpoint
    // (folder names of equal length: the checkpoint stores the paths length-prefixed)
    run(dir, "hlf", "cuda", 40, 40, hops);
    run(dir, "hlf", "cuda", 80, 0, hops, (dir / "hlf" / "checkpoint.mdrun").string());
    const auto a = analysis_files(dir / "cpu"), b = analysis_files(dir / "gpu"), c = analysis_files(dir / "hlf");
    CHECK(a.count("checkpoint.mdrun") == 1);
    CHECK(a.size() >= 2 * 5);  // msd, reorientation, vacf, spectra, orientation_density CSVs + h5 + json per replica
    CHECK(a.count("T900/reorientation.csv") == 1);
    CHECK(a.count("T1300_frozenP/orientation_density.csv") == 1);
    if (hops) CHECK(a.count("T900/hops.csv") == 1);
    for (const auto& [rel, text] : a) {
        CAPTURE(rel);
        REQUIRE(b.count(rel) == 1);
        REQUIRE(c.count(rel) == 1);
        if (rel.find("summary.json") != std::string::npos || rel == "checkpoint.mdrun") {
            // these name the output directory / config file; compare with the names swapped. The checkpoint
            // holds every analysis accumulator (AnalysisSet::save) of both replicas: equal bit for bit.
            const auto swapped = [&](std::string s2) {
                for (const std::string from : {(dir / "gpu").string(), (dir / "hlf").string(), std::string("gpu.toml"),
                                               std::string("hlf.toml")}) {
                    const std::string to = from.find(".toml") != std::string::npos ? "cpu.toml" : (dir / "cpu").string();
                    for (std::size_t at = s2.find(from); at != std::string::npos; at = s2.find(from, at + 1))
                        s2.replace(at, from.size(), to);
                }
                return s2;
            };
            if (rel == "checkpoint.mdrun") {
                // section by section: each section's CRC covers the paths in it
                const auto sa = decode_checkpoint_sections(text, "cpu"), sb = decode_checkpoint_sections(b.at(rel), "gpu"),
                           sc = decode_checkpoint_sections(c.at(rel), "hlf");
                REQUIRE(sa.size() == sb.size());
                REQUIRE(sa.size() == sc.size());
                for (std::size_t k = 0; k < sa.size(); ++k) {
                    CAPTURE(sa[k].name);
                    CHECK(sa[k].payload == swapped(sb[k].payload));
                    CHECK(sa[k].payload == swapped(sc[k].payload));
                }
                continue;
            }
            CHECK(text == swapped(b.at(rel)));
            CHECK(text == swapped(c.at(rel)));
        } else {
            CHECK(text == b.at(rel));
            CHECK(text == c.at(rel));
        }
    }
    if (!getenv("MDRUN_KEEP_TEST_DIR")) fs::remove_all(dir);
}

}  // namespace

TEST_CASE("device analysis through run_md: all analysis files equal the CPU backend's byte for byte, across a restart") {
    compare_with_cpu(false);
}

TEST_CASE("device analysis through run_md: with hops and cna_correlation (host-side parts) the files are the same") {
    compare_with_cpu(true);
}

namespace {

// R replicas of Na3PS4 sampled as kernels/batch_backend.hpp does: each DeviceAnalysis records its sample,
// AnaBatcher runs the records of all replicas together. Returns the kernel launches of each sample; every
// replica's state must equal its host AnalysisSet byte for byte. break_at >= 0: at that step a ligand
// atom of replica R - 1 is moved half a cell away (its polyanion "falls apart") before the sample.
std::vector<long> batched_launches(int R, long steps, long break_at = -1, std::string* error = nullptr,
                                   long* unbatched = nullptr, long* stage_allocations = nullptr) {
    const MtpPotential pot(read_mtp(data("mtp/Na3PS4_tensornet/pot.mtp")), {0, 1, 2});
    const System base = read_structure(data("structures/Na3PS4_cNa3PS4_snapshot.POSCAR"), "poscar", {});
    std::vector<System> sys(static_cast<std::size_t>(R), base);
    std::vector<DynamicsParams> par(static_cast<std::size_t>(R));
    for (int r = 0; r < R; ++r) {
        maxwell_boltzmann(sys[static_cast<std::size_t>(r)], 900.0 + 50.0 * r, 20 + r);
        DynamicsParams& p = par[static_cast<std::size_t>(r)];
        p.ensemble = "nvt";
        p.dt_ps = 0.002;
        p.temperature_K = 900.0 + 50.0 * r;
        p.tdamp_ps = 0.05;
        p.skin = 0.6;
    }
    HostExec ex;
    std::vector<BatchReplicaSpec> specs;
    for (int r = 0; r < R; ++r) specs.push_back(mtp_batch_spec(sys[static_cast<std::size_t>(r)], pot, par[static_cast<std::size_t>(r)]));
    HostEngine eng(ex, pot.tables(), specs);
    eng.setup();
    const long every = 5;
    std::vector<AnalysisSet> host, dev;
    std::vector<std::unique_ptr<HostAnalysis>> da;
    for (int r = 0; r < R; ++r) {
        AnalysisRunInfo info;
        info.timestep_ps = 0.002;
        info.temperature_K = par[static_cast<std::size_t>(r)].temperature_K;
        info.total_steps = steps;
        host.emplace_back(all_ported(every), sys[static_cast<std::size_t>(r)], info);
        dev.emplace_back(all_ported(every), sys[static_cast<std::size_t>(r)], info);
    }
    for (int r = 0; r < R; ++r) {
        da.push_back(std::make_unique<HostAnalysis>(ex, dev[static_cast<std::size_t>(r)]));
        da.back()->upload_from(dev[static_cast<std::size_t>(r)]);
    }
    std::vector<std::vector<AnaLaunchRec>> recs(static_cast<std::size_t>(R));
    AnaBatcher<HostExec, HostBuffer> batcher;
    std::vector<long> per_sample;
    std::vector<System> snap = sys;
    std::vector<char> host_failed(static_cast<std::size_t>(R), 0);
    for (long s = 0; s <= steps; s += every) {
        if (s > 0) eng.advance(every);
        if (s == break_at) {
            const int r = R - 1;
            const auto& G = host[static_cast<std::size_t>(r)].impl().groups;
            const std::size_t lig = static_cast<std::size_t>(eng.first_atom(r) + G.ligand[0]);
            Vec3* pos = const_cast<Vec3*>(eng.device_positions());
            const Box& b = sys[static_cast<std::size_t>(r)].box;
            pos[lig] += 0.5 * Vec3{b.h.m[0][0], b.h.m[0][1], b.h.m[0][2]} + 0.5 * Vec3{b.h.m[1][0], b.h.m[1][1], b.h.m[1][2]};
        }
        for (int r = 0; r < R; ++r) {
            const std::size_t k = static_cast<std::size_t>(r);
            eng.download(r, snap[k]);
            if (!host_failed[k]) {
                try {
                    host[k].sample(s, snap[k]);
                } catch (const Error& e) {
                    host_failed[k] = 1;
                    if (error) *error = std::string("host: ") + e.what();
                }
            }
            const std::size_t first = static_cast<std::size_t>(eng.first_atom(r));
            da[k]->record_into(&recs[k]);
            da[k]->sample(s, eng.device_positions() + first, eng.device_velocities() + first, sys[k].box);
            da[k]->record_into(nullptr);
        }
        std::vector<const std::vector<AnaLaunchRec>*> ptrs;
        long recorded = 0;
        for (const auto& rec : recs) {
            ptrs.push_back(&rec);
            recorded += static_cast<long>(rec.size());
        }
        if (unbatched) *unbatched = recorded;  // what R unbatched samples would launch
        const long before = ex.launches;
        batcher.run(ex, ptrs);
        per_sample.push_back(ex.launches - before);
        for (auto& rec : recs) rec.clear();
        for (auto& d : da)
            if (d->host_pending()) d->finish_host();
    }
    if (stage_allocations) *stage_allocations = batcher.stage_allocations();
    for (int r = 0; r < R; ++r) {
        const std::size_t k = static_cast<std::size_t>(r);
        const auto f = da[k]->bond_failure();
        if (f.first >= 0) {
            if (error) *error += std::string("; device: ") + da[k]->bond_error(f.first, f.second).what();
            continue;
        }
        da[k]->download_into(dev[k]);
        CHECK(dev[k].samples_taken() == steps / every + 1);
        CHECK(saved(dev[k]) == saved(host[k]));
    }
    return per_sample;
}

}  // namespace

TEST_CASE("device analysis: a batched sample of 8 replicas takes the launches of 1, with the host's results") {
    long unbatched1 = 0, unbatched8 = 0;
    long allocs1 = 0, allocs8 = 0;
    const std::vector<long> one = batched_launches(1, 60, -1, nullptr, &unbatched1, &allocs1);
    const std::vector<long> eight = batched_launches(8, 60, -1, nullptr, &unbatched8, &allocs8);
    // The staging buffer of the batched bodies grows geometrically and is kept: a reallocation on the GPU
    // is a cudaFree + cudaMalloc (a device-wide sync), so 13 samples must not reallocate at every one.
    CHECK(allocs1 >= 1);
    CHECK(allocs1 <= 3);
    CHECK(allocs8 <= 3);
    MESSAGE("staging-buffer allocations over " << one.size() << " samples: " << allocs1 << " (1 replica), " << allocs8
                                               << " (8 replicas)");
    REQUIRE(one.size() == eight.size());
    for (std::size_t i = 0; i < one.size(); ++i) CHECK(one[i] == eight[i]);
    CHECK(unbatched8 == 8 * unbatched1);  // one DeviceAnalysis per replica unbatched: 8x the launches
    CHECK(one.back() <= unbatched1);
    MESSAGE("launches per sample (last sample): 1 replica " << one.back() << ", 8 replicas " << eight.back()
                                                          << "; unbatched 8 replicas " << unbatched8);
}

TEST_CASE("device analysis: a broken polyanion bond is latched on the device and reported at its step") {
    std::string error;
    batched_launches(3, 40, 25, &error);
    // the host set raised it at step 25; the device latch (read after the run) reports the same step and
    // ligand, not a later sample's; the other replicas' results are unaffected (checked in batched_launches)
    const std::size_t cut = error.find("; device: ");
    REQUIRE(cut != std::string::npos);
    const std::string host = error.substr(6, cut - 6), device = error.substr(cut + 10);
    const std::string what = "analysis: at step 25 the bond of ligand atom ";
    REQUIRE(host.rfind(what, 0) == 0);
    const std::string who = host.substr(0, host.find(" to its centre"));
    CHECK(device.rfind(who + " to its centre", 0) == 0);
    CHECK(device.find("the polyanion fell apart") != std::string::npos);
}
