// analysis.h5 through the HDF5 C API: every curve with `units` and `description` attributes, and the run
// metadata (shared/docs/analysis.md). Kept apart from results_writer.cpp (the CSV/JSON files) so that only
// the HDF5 part of mdrun (libmdrun_h5.so, CMakeLists.txt) links HDF5.
#include "analysis/results_h5.hpp"

#include <hdf5.h>

#include <cmath>
#include <string>
#include <vector>

#include "analysis/analysis_state.hpp"
#include "engine/core/error.hpp"
#include "engine/core/units.hpp"
#include "engine/core/version.hpp"

namespace mdrun {

namespace {

// ---- HDF5 helpers ----------------------------------------------------------------------------------
struct H5Handle {
    hid_t id;
    herr_t (*close)(hid_t);
    ~H5Handle() {
        if (id >= 0) close(id);
    }
};
void check(bool ok, const std::string& path, const std::string& what) {
    if (!ok) throw Error(path + ": HDF5 error while writing " + what);
}
void attr_string(hid_t obj, const char* name, const std::string& value, const std::string& path) {
    H5Handle t{H5Tcopy(H5T_C_S1), H5Tclose};
    H5Tset_size(t.id, value.empty() ? 1 : value.size());
    H5Tset_cset(t.id, H5T_CSET_UTF8);
    H5Handle s{H5Screate(H5S_SCALAR), H5Sclose};
    H5Handle a{H5Acreate2(obj, name, t.id, s.id, H5P_DEFAULT, H5P_DEFAULT), H5Aclose};
    check(a.id >= 0, path, std::string("attribute ") + name);
    check(H5Awrite(a.id, t.id, value.empty() ? "" : value.c_str()) >= 0, path, name);
}
void attr_double(hid_t obj, const char* name, double v, const std::string& path) {
    H5Handle s{H5Screate(H5S_SCALAR), H5Sclose};
    H5Handle a{H5Acreate2(obj, name, H5T_NATIVE_DOUBLE, s.id, H5P_DEFAULT, H5P_DEFAULT), H5Aclose};
    check(a.id >= 0 && H5Awrite(a.id, H5T_NATIVE_DOUBLE, &v) >= 0, path, name);
}
void attr_long(hid_t obj, const char* name, long v, const std::string& path) {
    H5Handle s{H5Screate(H5S_SCALAR), H5Sclose};
    H5Handle a{H5Acreate2(obj, name, H5T_NATIVE_LONG, s.id, H5P_DEFAULT, H5P_DEFAULT), H5Aclose};
    check(a.id >= 0 && H5Awrite(a.id, H5T_NATIVE_LONG, &v) >= 0, path, name);
}
// HDF5 stamps every object header with its creation time unless told not to; without the stamps the file is
// a function of the results alone, so a restarted run's analysis.h5 equals an uninterrupted run's byte for byte.
hid_t untimed(hid_t class_id) {
    const hid_t p = H5Pcreate(class_id);
    H5Pset_obj_track_times(p, 0);
    return p;
}
hid_t group(hid_t parent, const std::string& name, const std::string& path) {
    H5Handle gcpl{untimed(H5P_GROUP_CREATE), H5Pclose};
    hid_t g = H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, gcpl.id, H5P_DEFAULT);
    check(g >= 0, path, "group " + name);
    return g;
}
void dataset(hid_t parent, const std::string& name, const std::vector<double>& v, const std::string& units,
             const std::string& description, const std::string& path, hsize_t rows = 0, hsize_t cols = 0) {
    const int rank = rows ? 2 : 1;
    hsize_t dims[2] = {rows ? rows : v.size(), cols};
    H5Handle s{H5Screate_simple(rank, dims, nullptr), H5Sclose};
    H5Handle dcpl{untimed(H5P_DATASET_CREATE), H5Pclose};
    H5Handle d{H5Dcreate2(parent, name.c_str(), H5T_NATIVE_DOUBLE, s.id, H5P_DEFAULT, dcpl.id, H5P_DEFAULT), H5Dclose};
    check(d.id >= 0, path, "dataset " + name);
    if (!v.empty()) check(H5Dwrite(d.id, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) >= 0, path, name);
    attr_string(d.id, "units", units, path);
    attr_string(d.id, "description", description, path);
}
std::vector<double> to_double(const std::vector<int>& v) { return std::vector<double>(v.begin(), v.end()); }

}  // namespace

void write_analysis_h5_file(const std::string& tmp, const std::string& path, const AnalysisResults& r,
                            const ResultsMetadata& meta) {
    H5Handle fcpl{untimed(H5P_FILE_CREATE), H5Pclose};  // the root group too
    H5Handle f{H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, fcpl.id, H5P_DEFAULT), H5Fclose};
    check(f.id >= 0, path, "the file");
    attr_string(f.id, "program", std::string("mdrun ") + MDRUN_VERSION_STRING, path);
    attr_string(f.id, "specification", "shared/docs/analysis.md", path);
    attr_string(f.id, "replica", meta.replica_name, path);
    attr_long(f.id, "sample_every_steps", meta.sample_every, path);
    attr_double(f.id, "timestep_ps", meta.timestep_ps, path);
    attr_double(f.id, "sample_interval_ps", r.sample_dt_ps, path);
    attr_double(f.id, "temperature_K", meta.temperature_K, path);
    attr_long(f.id, "samples", r.samples, path);
    attr_long(f.id, "first_step", meta.first_step, path);
    attr_long(f.id, "last_step", meta.last_step, path);
    attr_double(f.id, "t_run_ps", r.t_run_ps, path);
    attr_double(f.id, "mean_volume_A3", r.mean_volume_A3, path);
    attr_long(f.id, "msd_block", meta.msd_block, path);
    attr_long(f.id, "msd_ratio", meta.msd_ratio, path);
    attr_string(f.id, "drift_correction", meta.drift, path);
    if (!r.msd.empty()) {
        H5Handle g{group(f.id, "msd", path), H5Gclose};
        for (const auto& m : r.msd) {
            H5Handle s{group(g.id, m.species, path), H5Gclose};
            attr_long(s.id, "n_atoms", m.n_atoms, path);
            attr_long(s.id, "frozen", m.frozen, path);
            attr_long(s.id, "diffusing", m.diffusing, path);
            dataset(s.id, "lag", m.curve.tau_ps, "ps", "lag time tau", path);
            dataset(s.id, "level", to_double(m.level), "1", "E1 level (origins spaced ratio^level samples)", path);
            dataset(s.id, "origins", m.curve.origins, "1", "time origins averaged", path);
            dataset(s.id, "msd_x", m.curve.msd_xyz_A2[0], "angstrom^2", "per-atom MSD along x", path);
            dataset(s.id, "msd_y", m.curve.msd_xyz_A2[1], "angstrom^2", "per-atom MSD along y", path);
            dataset(s.id, "msd_z", m.curve.msd_xyz_A2[2], "angstrom^2", "per-atom MSD along z", path);
            dataset(s.id, "tmsd", m.curve.tmsd_A2, "angstrom^2", "per-atom total MSD (x+y+z)", path);
            dataset(s.id, "var_sq", m.curve.var_sq_A4, "angstrom^4", "<|dr|^4> - <|dr|^2>^2", path);
            dataset(s.id, "mscd", m.mscd_A2, "angstrom^2", "collective MSD <|sum_i dr_i|^2>", path);
        }
    }
    if (!r.reorientation.empty()) {
        H5Handle g{group(f.id, "reorientation", path), H5Gclose};
        for (const auto& c : r.reorientation) {
            H5Handle s{group(g.id, c.centre, path), H5Gclose};
            attr_long(s.id, "bonds", c.bonds, path);
            dataset(s.id, "lag", c.tau_ps, "ps", "lag time tau", path);
            dataset(s.id, "level", to_double(c.level), "1", "E1 level", path);
            dataset(s.id, "C1", c.c1, "1", "<u(0).u(tau)> (l = 1)", path);
            dataset(s.id, "C2", c.c2, "1", "<P2(u(0).u(tau))> (l = 2)", path);
            dataset(s.id, "pairs", c.pairs, "1", "(bond, origin) pairs averaged", path);
        }
    }
    if (!r.polyanion_rotation.polyanions.empty()) {
        const PolyanionRotationSet& P = r.polyanion_rotation;
        H5Handle g{group(f.id, "reorientation_per_polyanion", path), H5Gclose};
        attr_long(g.id, "format", 1, path);
        dataset(g.id, "lag", P.tau_ps, "ps", "lag time tau (common to every polyanion)", path);
        std::vector<double> id, kind, c1, c2, min_c1, rot, tau;
        for (const auto& p : P.polyanions) {
            id.push_back(static_cast<double>(p.centre_id));
            min_c1.push_back(p.min_c1);
            rot.push_back(p.rotating ? 1.0 : 0.0);
            tau.push_back(p.tau_rot_ps);
            c1.insert(c1.end(), p.c1.begin(), p.c1.end());
            c2.insert(c2.end(), p.c2.begin(), p.c2.end());
        }
        dataset(g.id, "centre_id", id, "1", "1-based id of each polyanion's centre atom", path);
        dataset(g.id, "C1", c1, "1", "per polyanion (row-major [polyanion][lag]) <u(0).u(tau)>", path);
        dataset(g.id, "C2", c2, "1", "per polyanion (row-major [polyanion][lag]) <P2(u(0).u(tau))>", path);
        dataset(g.id, "min_C1", min_c1, "1", "min C1 over tau <= min(0.5 t_run, rotation_tmax_ps)", path);
        dataset(g.id, "rotating", rot, "1", "1 when min_C1 < 0.9", path);
        dataset(g.id, "tau_rot", tau, "ps", "integral of C1 to its first zero (a lower bound when C1 stays > 0)", path);
    }
    const auto corr = [&](const char* name, const std::vector<CorrelationCurve>& cs, const char* cu) {
        if (cs.empty()) return;
        H5Handle g{group(f.id, name, path), H5Gclose};
        for (const auto& c : cs) {
            H5Handle s{group(g.id, c.name, path), H5Gclose};
            attr_long(s.id, "items", c.items, path);
            dataset(s.id, "lag", c.lag_ps, "ps", "lag time", path);
            dataset(s.id, "C", c.c, cu, "autocorrelation, all origins", path);
            dataset(s.id, "nu", c.spectrum.nu_THz, "THz", "frequency (1/ps)", path);
            dataset(s.id, "g", c.spectrum.g, "1/THz", "normalised Hann-windowed power spectrum", path);
        }
    };
    corr("vacf", r.vacf, "angstrom^2/ps^2");
    corr("angular_vacf", r.angular_vacf, "rad^2/ps^2");
    if (!r.orientation.empty()) {
        H5Handle g{group(f.id, "orientation_density", path), H5Gclose};
        for (const auto& o : r.orientation) {
            H5Handle s{group(g.id, o.centre, path), H5Gclose};
            attr_double(s.id, "vectors", static_cast<double>(o.vectors), path);
            dataset(s.id, "rho", o.rho_per_sr, "1/sr",
                    "rho[cos-theta bin][phi bin], equal-area bins, integral over the sphere = 1", path,
                    static_cast<hsize_t>(o.n_cos), static_cast<hsize_t>(o.n_phi));
            std::vector<double> ce(o.n_cos + 1), pe(o.n_phi + 1);
            for (int i = 0; i <= o.n_cos; ++i) ce[i] = -1.0 + 2.0 * i / o.n_cos;
            for (int i = 0; i <= o.n_phi; ++i) pe[i] = -M_PI + 2.0 * M_PI * i / o.n_phi;
            dataset(s.id, "cos_theta_edges", ce, "1", "bin edges in cos(theta)", path);
            dataset(s.id, "phi_edges", pe, "rad", "bin edges in phi = atan2(u_y, u_x)", path);
        }
    }
    if (r.hops_enabled) {
        H5Handle g{group(f.id, "hops", path), H5Gclose};
        std::vector<double> id, t0, tm, t1, vec;
        for (const auto& h : r.hops) {
            id.push_back(static_cast<double>(h.atom_id));
            t0.push_back(h.t_start_ps);
            tm.push_back(h.t_mid_ps);
            t1.push_back(h.t_end_ps);
            vec.insert(vec.end(), {h.vector.x, h.vector.y, h.vector.z});
        }
        dataset(g.id, "atom_id", id, "1", "1-based atom id of each event", path);
        dataset(g.id, "t_start", t0, "ps", "first time with h = 1", path);
        dataset(g.id, "t_mid", tm, "ps", "middle of the h = 1 run", path);
        dataset(g.id, "t_end", t1, "ps", "last time with h = 1", path);
        dataset(g.id, "vector", vec, "angstrom", "hop vector rbar(t_end + t_a/2) - rbar(t_start - t_a/2)", path,
                 static_cast<hsize_t>(r.hops.size()), 3);
    }
    if (r.cna_enabled) {
        H5Handle g{group(f.id, "cna_correlation", path), H5Gclose};
        for (const auto& kv : r.cna_r_shell_A)
            attr_double(g.id, ("r_shell_A_" + kv.first).c_str(), kv.second, path);
        attr_double(g.id, "tau_min_ps", r.cna_tau_min_ps, path);
        attr_double(g.id, "pearson_r", r.cna_r, path);
        attr_long(g.id, "n", r.cna_n, path);
        std::vector<double> a, b, t0, t1;
        for (const auto& e : r.cna_events) {
            a.push_back(e.dtheta_cna_rad);
            b.push_back(e.dtheta_ca_rad);
            t0.push_back(e.t_start_ps);
            t1.push_back(e.t_end_ps);
        }
        dataset(g.id, "dtheta_CNa", a, "rad", "angle of centre->ion to its initial direction over each event", path);
        dataset(g.id, "dtheta_CA", b, "rad", "angle of centre->ligand to its initial direction over each event", path);
        dataset(g.id, "t_start", t0, "ps", "event start", path);
        dataset(g.id, "t_end", t1, "ps", "event end", path);
    }
    if (r.hop_rotation.enabled) {
        const HopRotationResult& h = r.hop_rotation;
        H5Handle g{group(f.id, "hop_rotation", path), H5Gclose};
        for (const auto& kv : h.r_shell_A) attr_double(g.id, ("r_shell_A_" + kv.first).c_str(), kv.second, path);
        attr_double(g.id, "half_window_ps", h.half_window_ps, path);
        attr_long(g.id, "n_hops_used", h.hops_used, path);
        attr_long(g.id, "n_hop", h.n_hop, path);
        attr_long(g.id, "n_baseline", h.n_baseline, path);
        attr_double(g.id, "mean_hop_deg", h.mean_hop_deg, path);
        attr_double(g.id, "mean_baseline_deg", h.mean_baseline_deg, path);
        attr_double(g.id, "U", h.u, path);
        attr_double(g.id, "p_value", h.p_value, path);
        std::vector<double> a, ta, b, tb;
        for (const auto& s : h.samples) {
            (s.hop ? a : b).push_back(s.dtheta_rad);
            (s.hop ? ta : tb).push_back(s.t_centre_ps);
        }
        dataset(g.id, "dtheta_hop", a, "rad", "mean bond-turn angle of each polyanion next to a hop over [t_hop - Delta, t_hop + Delta]", path);
        dataset(g.id, "t_hop", ta, "ps", "window centre of each hop sample", path);
        dataset(g.id, "dtheta_baseline", b, "rad", "the same angle for every polyanion at random window centres", path);
        dataset(g.id, "t_baseline", tb, "ps", "window centre of each baseline sample", path);
    }
    if (!r.diffusion.empty()) {
        H5Handle g{group(f.id, "diffusion", path), H5Gclose};
        for (const auto& d : r.diffusion) {
            H5Handle s{group(g.id, d.species, path), H5Gclose};
            attr_string(s.id, "status", d.tracer.status, path);
            attr_string(s.id, "estimator", kDEstimator, path);
            attr_double(s.id, "D_cm2_s", d.tracer.D_cm2_s, path);
            attr_double(s.id, "D_lo95_cm2_s", d.tracer.D_lo_cm2_s, path);
            attr_double(s.id, "D_hi95_cm2_s", d.tracer.D_hi_cm2_s, path);
            attr_double(s.id, "sigma_D_cm2_s", d.tracer.sigma_D_cm2_s, path);
            attr_double(s.id, "fit_tau_min_ps", d.tracer.fit_tau_min_ps, path);
            attr_double(s.id, "fit_tau_max_ps", d.tracer.fit_tau_max_ps, path);
            attr_double(s.id, "conductivity_mS_cm", d.sigma_mS_cm, path);
            attr_double(s.id, "haven_ratio", d.haven_ratio, path);
            attr_double(s.id, "haven_ratio_lo95", d.haven_ratio_lo, path);
            attr_double(s.id, "haven_ratio_hi95", d.haven_ratio_hi, path);
            attr_string(s.id, "haven_estimator", "blocks (summary.json D_sigma_blocks), Student t", path);
        }
    }
    check(H5Fflush(f.id, H5F_SCOPE_GLOBAL) >= 0, path, "the file");
}

}  // namespace mdrun
