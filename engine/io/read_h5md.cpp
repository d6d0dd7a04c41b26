// H5MD trajectory reader (HDF5 C API): every frame of /particles/<group> (the group "all" when present,
// else the only one), as mdrun writes it and as H5MD 1.1 allows it:
//   position/value [F][N][3]; velocity/value [F][N][3] (optional); position/step, position/time;
//   box: attribute boundary ("periodic" | "none" per direction); edges/value [F][3][3] or [F][3] (diagonal),
//   or a time-independent edges dataset [3][3] / [3];
//   species [N] integer indices, with the element symbols in its attribute `names` (mdrun), or given by
//   the caller (`elements`: species index k -> elements[k]); mass [N] and id [N] optional.
// Units are taken as written by mdrun (Å, Å/ps, ps); a `unit` attribute naming anything else is an error.
#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "engine/core/error.hpp"
#include "engine/io/structure_io.hpp"

namespace mdrun {

namespace {

struct H {
    hid_t id;
    herr_t (*close)(hid_t);
    ~H() {
        if (id >= 0) close(id);
    }
};

bool exists(hid_t loc, const std::string& path) {
    // Checks each component, as H5Lexists requires.
    std::size_t a = 0;
    while (true) {
        const std::size_t b = path.find('/', a);
        const std::string prefix = path.substr(0, b);
        if (!prefix.empty() && H5Lexists(loc, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
        if (b == std::string::npos) return true;
        a = b + 1;
    }
}

std::vector<hsize_t> dims_of(hid_t dset) {
    H space{H5Dget_space(dset), H5Sclose};
    const int rank = H5Sget_simple_extent_ndims(space.id);
    std::vector<hsize_t> d(rank > 0 ? rank : 0);
    if (rank > 0) H5Sget_simple_extent_dims(space.id, d.data(), nullptr);
    return d;
}

std::vector<double> read_doubles(hid_t loc, const std::string& path, const std::string& file, std::vector<hsize_t>* dims) {
    H d{H5Dopen2(loc, path.c_str(), H5P_DEFAULT), H5Dclose};
    if (d.id < 0) throw Error(file + ": cannot open dataset " + path);
    *dims = dims_of(d.id);
    hsize_t n = 1;
    for (hsize_t x : *dims) n *= x;
    std::vector<double> v(n);
    if (n && H5Dread(d.id, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0)
        throw Error(file + ": cannot read dataset " + path + " as numbers");
    return v;
}

std::vector<long long> read_ints(hid_t loc, const std::string& path, const std::string& file) {
    H d{H5Dopen2(loc, path.c_str(), H5P_DEFAULT), H5Dclose};
    if (d.id < 0) throw Error(file + ": cannot open dataset " + path);
    hsize_t n = 1;
    for (hsize_t x : dims_of(d.id)) n *= x;
    std::vector<long long> v(n);
    if (n && H5Dread(d.id, H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0)
        throw Error(file + ": cannot read dataset " + path + " as integers");
    return v;
}

// String attribute(s) (variable or fixed length) of an object; empty when absent.
std::vector<std::string> read_string_attr(hid_t obj, const char* name) {
    std::vector<std::string> out;
    if (H5Aexists(obj, name) <= 0) return out;
    H a{H5Aopen(obj, name, H5P_DEFAULT), H5Aclose};
    H ftype{H5Aget_type(a.id), H5Tclose};
    if (H5Tget_class(ftype.id) != H5T_STRING) return out;
    H space{H5Aget_space(a.id), H5Sclose};
    const hssize_t n = H5Sget_simple_extent_npoints(space.id);
    if (n <= 0) return out;
    if (H5Tis_variable_str(ftype.id) > 0) {
        H mtype{H5Tcopy(H5T_C_S1), H5Tclose};
        H5Tset_size(mtype.id, H5T_VARIABLE);
        H5Tset_cset(mtype.id, H5Tget_cset(ftype.id));
        std::vector<char*> p(static_cast<std::size_t>(n), nullptr);
        if (H5Aread(a.id, mtype.id, p.data()) >= 0) {
            for (char* s : p) out.emplace_back(s ? s : "");
            H5Dvlen_reclaim(mtype.id, space.id, H5P_DEFAULT, p.data());
        }
    } else {
        const std::size_t len = H5Tget_size(ftype.id);
        std::vector<char> buf(len * static_cast<std::size_t>(n));
        H mtype{H5Tcopy(ftype.id), H5Tclose};
        if (H5Aread(a.id, mtype.id, buf.data()) >= 0)
            for (hssize_t k = 0; k < n; ++k) {
                std::string s(buf.data() + k * len, len);
                s = s.substr(0, s.find('\0'));
                while (!s.empty() && s.back() == ' ') s.pop_back();
                out.push_back(s);
            }
    }
    return out;
}

void check_unit(hid_t loc, const std::string& dset, const std::vector<std::string>& accepted, const std::string& file) {
    H d{H5Dopen2(loc, dset.c_str(), H5P_DEFAULT), H5Dclose};
    if (d.id < 0) return;
    const auto u = read_string_attr(d.id, "unit");
    if (u.empty()) return;
    for (const auto& ok : accepted)
        if (u[0] == ok) return;
    throw Error(file + ": " + dset + " has unit '" + u[0] + "'; mdrun reads " + accepted[0] + " only");
}

}  // namespace

std::vector<StructureFrame> read_h5md_frames(const std::string& path, const std::vector<std::string>& elements) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    if (H5Fis_hdf5(path.c_str()) <= 0) throw Error(path + ": not an HDF5 file");
    H f{H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
    if (f.id < 0) throw Error(path + ": cannot open the HDF5 file");
    if (!exists(f.id, "particles")) throw Error(path + ": not an H5MD trajectory (no /particles group)");
    std::string group = "particles/all";
    if (!exists(f.id, group)) {
        H g{H5Gopen2(f.id, "particles", H5P_DEFAULT), H5Gclose};
        H5G_info_t info{};
        H5Gget_info(g.id, &info);
        if (info.nlinks != 1)
            throw Error(path + ": /particles has no group 'all' and " + std::to_string(info.nlinks) + " others");
        char name[256] = {0};
        H5Lget_name_by_idx(g.id, ".", H5_INDEX_NAME, H5_ITER_INC, 0, name, sizeof name, H5P_DEFAULT);
        group = std::string("particles/") + name;
    }
    const std::string P = group + "/position/value";
    if (!exists(f.id, P)) throw Error(path + ": no " + P + " (positions)");
    check_unit(f.id, P, {"Angstrom", "angstrom", "A"}, path);
    std::vector<hsize_t> pd;
    const std::vector<double> pos = read_doubles(f.id, P, path, &pd);
    if (pd.size() != 3 || pd[2] != 3) throw Error(path + ": " + P + " must be [frames][atoms][3]");
    const std::size_t nf = pd[0], n = pd[1];

    std::vector<double> vel;
    const std::string V = group + "/velocity/value";
    if (exists(f.id, V)) {
        check_unit(f.id, V, {"Angstrom ps-1", "angstrom ps-1", "A ps-1", "Angstrom/ps"}, path);
        std::vector<hsize_t> vd;
        vel = read_doubles(f.id, V, path, &vd);
        if (vd != pd) throw Error(path + ": " + V + " does not have the shape of the positions");
    }
    std::vector<long long> steps;
    std::vector<double> times;
    if (exists(f.id, group + "/position/step")) steps = read_ints(f.id, group + "/position/step", path);
    if (exists(f.id, group + "/position/time")) {
        std::vector<hsize_t> td;
        times = read_doubles(f.id, group + "/position/time", path, &td);
    }

    // Box.
    bool periodic[3] = {true, true, true};
    {
        const std::string B = group + "/box";
        if (!exists(f.id, B)) throw Error(path + ": no " + B + " group");
        H box{H5Gopen2(f.id, B.c_str(), H5P_DEFAULT), H5Gclose};
        const auto boundary = read_string_attr(box.id, "boundary");
        if (boundary.size() == 3)
            for (int k = 0; k < 3; ++k) periodic[k] = boundary[k] == "periodic";
    }
    std::vector<double> edges;
    std::vector<hsize_t> ed;
    bool edges_per_frame = false;
    const std::string E = group + "/box/edges";
    if (exists(f.id, E + "/value")) {
        edges = read_doubles(f.id, E + "/value", path, &ed);
        edges_per_frame = true;
        if (ed.empty() || ed[0] != nf) throw Error(path + ": " + E + "/value has " + std::to_string(ed.empty() ? 0 : ed[0]) +
                                                   " frames, the positions " + std::to_string(nf));
    } else if (exists(f.id, E)) {
        edges = read_doubles(f.id, E, path, &ed);
    }
    auto cell = [&](std::size_t fr) {
        Mat3 h = mat3_zero();
        if (edges.empty()) return h;
        const std::size_t per = edges.size() / (edges_per_frame ? nf : 1);
        const double* e = edges.data() + (edges_per_frame ? fr * per : 0);
        if (per == 9)
            for (int k = 0; k < 9; ++k) h.m[k / 3][k % 3] = e[k];
        else if (per == 3)
            for (int k = 0; k < 3; ++k) h.m[k][k] = e[k];
        else
            throw Error(path + ": box edges must be 3 or 3x3 numbers per frame");
        for (int k = 0; k < 3; ++k)
            if (!periodic[k]) h.m[k][0] = h.m[k][1] = h.m[k][2] = 0.0;
        return h;
    };

    // Species and per-atom constants.
    System base;
    std::vector<std::string> names;
    std::vector<long long> species(n, 0);
    if (exists(f.id, group + "/species")) {
        species = read_ints(f.id, group + "/species", path);
        if (species.size() != n) throw Error(path + ": " + group + "/species must be [atoms] (time-independent)");
        H sp{H5Dopen2(f.id, (group + "/species").c_str(), H5P_DEFAULT), H5Dclose};
        names = read_string_attr(sp.id, "names");
    }
    if (!elements.empty()) names = elements;  // the caller's list wins (files of other programs)
    long long smax = 0;
    for (long long s : species) {
        if (s < 0) throw Error(path + ": negative species index " + std::to_string(s));
        smax = std::max(smax, s);
    }
    if (names.empty() || static_cast<long long>(names.size()) <= smax)
        throw Error(path + ": the species have no element names (attribute `names` of " + group +
                    "/species); give them with --elements");
    base.species = names;
    base.type.resize(n);
    for (std::size_t i = 0; i < n; ++i) base.type[i] = static_cast<int>(species[i]);
    if (exists(f.id, group + "/id")) {
        const auto ids = read_ints(f.id, group + "/id", path);
        if (ids.size() == n) base.id.assign(ids.begin(), ids.end());
    }
    if (exists(f.id, group + "/mass")) {
        std::vector<hsize_t> md;
        const auto m = read_doubles(f.id, group + "/mass", path, &md);
        if (m.size() == n) base.mass = m;
    }

    std::vector<StructureFrame> out(nf);
    for (std::size_t fr = 0; fr < nf; ++fr) {
        StructureFrame& F = out[fr];
        F.sys = base;
        F.sys.box = make_box(cell(fr));
        F.sys.pos.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            const double* p = pos.data() + (fr * n + i) * 3;
            F.sys.pos[i] = Vec3{p[0], p[1], p[2]};
        }
        if (!vel.empty()) {
            F.sys.vel.resize(n);
            for (std::size_t i = 0; i < n; ++i) {
                const double* v = vel.data() + (fr * n + i) * 3;
                F.sys.vel[i] = Vec3{v[0], v[1], v[2]};
            }
            F.sys.has_velocities = true;
        }
        F.step = fr < steps.size() ? static_cast<long>(steps[fr]) : static_cast<long>(fr);
        F.time_ps = fr < times.size() ? times[fr] : std::nan("");
    }
    return out;
}

}  // namespace mdrun
