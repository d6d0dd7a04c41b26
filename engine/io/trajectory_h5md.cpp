// H5MD 1.1 trajectory writer (HDF5 C API).
// Layout (https://www.nongnu.org/h5md/h5md.html), as MDAnalysis' H5MDReader and h5py expect it:
//   /h5md                      version = [1, 1]; author/name, creator/name+version
//   /particles/all/box         dimension = 3, boundary = ["periodic"|"none", ...]
//       edges/{step,time,value}   value: [frame][3][3] lattice vectors as rows (Å), always a full matrix
//   /particles/all/position/{step,time,value}  value: [frame][N][3] Å, UNWRAPPED (as the MD holds them)
//   /particles/all/velocity/{step,time,value}  value: [frame][N][3] Å/ps
//   /particles/all/species     [N] int32 species index; attribute `names` lists the element symbols
//   /particles/all/id, /mass   [N] atom ids and masses (amu), time independent
// Units are attributes named `unit` ("Angstrom", "ps", "Angstrom ps-1", "amu"; H5MD units module, declared in
// /h5md/modules/units); MDAnalysis needs them. Element symbols are in the `names` attribute of species (an
// mdrun addition): mdrun.read_trajectory, the ASE plugin and the MDAnalysis topology parser of the Python
// package (python/mdrun) read them, so the file alone is a complete trajectory.
// Every dataset is chunked one frame per chunk and extendable; the file is flushed after each frame.
//
// Byte stability: HDF5 lays a file out by the sequence of calls that built it, so a file truncated and appended
// to differs in its bytes from one written straight through, although it holds the same data. A restart
// therefore rebuilds the trajectory: a new file is created by the same calls an uninterrupted run makes
// (create(), then one append_frame() + flush per frame), fed with the frames up to the checkpoint read back from
// the old file, and renamed over it (write_path_atomically: a kill during the rebuild leaves the old file, and
// the restart can be repeated). The run then appends to the open handle, so the whole file equals an
// uninterrupted run's byte for byte (tests/integration/test_run_kill.py). Object time stamps are off for the
// same reason. A restart costs one read and one write of the trajectory so far.
#include <hdf5.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/core/atomic_file.hpp"
#include "engine/core/error.hpp"
#include "engine/io/trajectory.hpp"
#include "engine/core/version.hpp"

namespace mdrun {

namespace {

class H5mdWriter final : public TrajectoryWriter {
public:
    H5mdWriter(const std::string& path, const System& initial, long resume_step);
    ~H5mdWriter() override;
    void write_frame(const System& sys, long step, double time_ps) override;
    void flush() override;

private:
    std::string path_;
    hid_t file_ = -1;
    std::size_t n_ = 0;
    // Time-dependent elements: box/edges, position, velocity.
    static constexpr const char* kElements[3] = {"/particles/all/box/edges", "/particles/all/position",
                                                 "/particles/all/velocity"};

    void check(long status, const std::string& what) const {
        if (status < 0) throw Error(path_ + ": HDF5 error while " + what);
    }
    void create(const System& initial);
    void append_element(int e, long long step, double time_ps, const void* value);
    void rebuild(hid_t old, long resume_step, const System& initial);
};

constexpr const char* H5mdWriter::kElements[3];

// RAII closers for HDF5 ids.
struct Hid {
    hid_t id;
    herr_t (*close)(hid_t);
    ~Hid() {
        if (id >= 0) close(id);
    }
};

// Strings are variable-length UTF-8, as h5py writes them: h5py then returns `str` (fixed-length strings come
// back as bytes, and MDAnalysis does not recognise b'ps' as a unit).
hid_t vlen_string_type() {
    const hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

void write_string_attr(hid_t obj, const char* name, const std::string& value) {
    Hid type{vlen_string_type(), H5Tclose};
    Hid space{H5Screate(H5S_SCALAR), H5Sclose};
    Hid attr{H5Acreate2(obj, name, type.id, space.id, H5P_DEFAULT, H5P_DEFAULT), H5Aclose};
    const char* p = value.c_str();
    H5Awrite(attr.id, type.id, &p);
}

void write_string_array_attr(hid_t obj, const char* name, const std::vector<std::string>& values) {
    std::vector<const char*> ptrs;
    for (const auto& v : values) ptrs.push_back(v.c_str());
    Hid type{vlen_string_type(), H5Tclose};
    const hsize_t dim = values.size();
    Hid space{H5Screate_simple(1, &dim, nullptr), H5Sclose};
    Hid attr{H5Acreate2(obj, name, type.id, space.id, H5P_DEFAULT, H5P_DEFAULT), H5Aclose};
    H5Awrite(attr.id, type.id, ptrs.data());
}

void write_int_attr(hid_t obj, const char* name, const std::vector<int>& values) {
    const hsize_t dim = values.size();
    Hid space{values.size() == 1 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dim, nullptr), H5Sclose};
    Hid attr{H5Acreate2(obj, name, H5T_STD_I32LE, space.id, H5P_DEFAULT, H5P_DEFAULT), H5Aclose};
    H5Awrite(attr.id, H5T_NATIVE_INT, values.data());
}

// Object-creation property lists without time stamps: HDF5 otherwise writes the creation/modification time
// into every object header, and a restarted run's trajectory could not equal an uninterrupted run's byte for
// byte. Created once per process and kept (HDF5 closes them at exit).
hid_t untimed_plist(hid_t class_id) {
    const hid_t p = H5Pcreate(class_id);
    H5Pset_obj_track_times(p, 0);
    return p;
}
hid_t untimed_gcpl() {
    static const hid_t p = untimed_plist(H5P_GROUP_CREATE);
    return p;
}
hid_t untimed_dcpl() {
    static const hid_t p = untimed_plist(H5P_DATASET_CREATE);
    return p;
}

// Extendable dataset [0 x tail...], chunked one frame per chunk.
hid_t create_extendable(hid_t group, const char* name, hid_t file_type, const std::vector<hsize_t>& tail) {
    std::vector<hsize_t> dims{0}, maxdims{H5S_UNLIMITED}, chunk{1};
    for (hsize_t t : tail) {
        dims.push_back(t);
        maxdims.push_back(t);
        chunk.push_back(t);
    }
    // Scalar-per-frame series (step, time) get larger chunks: one frame per chunk would waste space.
    if (tail.empty()) chunk[0] = 1024;
    Hid space{H5Screate_simple((int)dims.size(), dims.data(), maxdims.data()), H5Sclose};
    Hid plist{untimed_plist(H5P_DATASET_CREATE), H5Pclose};
    H5Pset_chunk(plist.id, (int)chunk.size(), chunk.data());
    return H5Dcreate2(group, name, file_type, space.id, H5P_DEFAULT, plist.id, H5P_DEFAULT);
}

// Appends one frame `data` (native type `mem_type`) to an extendable dataset.
herr_t append(hid_t file, const std::string& dset_path, hid_t mem_type, const void* data) {
    Hid dset{H5Dopen2(file, dset_path.c_str(), H5P_DEFAULT), H5Dclose};
    if (dset.id < 0) return -1;
    Hid fspace0{H5Dget_space(dset.id), H5Sclose};
    const int rank = H5Sget_simple_extent_ndims(fspace0.id);
    std::vector<hsize_t> dims(rank);
    H5Sget_simple_extent_dims(fspace0.id, dims.data(), nullptr);
    std::vector<hsize_t> start(rank, 0), count = dims;
    start[0] = dims[0];
    count[0] = 1;
    dims[0] += 1;
    if (H5Dset_extent(dset.id, dims.data()) < 0) return -1;
    Hid fspace{H5Dget_space(dset.id), H5Sclose};
    H5Sselect_hyperslab(fspace.id, H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr);
    Hid mspace{H5Screate_simple(rank, count.data(), nullptr), H5Sclose};
    return H5Dwrite(dset.id, mem_type, mspace.id, fspace.id, H5P_DEFAULT, data);
}

void write_fixed(hid_t group, const char* name, hid_t file_type, hid_t mem_type, hsize_t n, const void* data) {
    Hid space{H5Screate_simple(1, &n, nullptr), H5Sclose};
    Hid dset{H5Dcreate2(group, name, file_type, space.id, H5P_DEFAULT, untimed_dcpl(), H5P_DEFAULT), H5Dclose};
    H5Dwrite(dset.id, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
}

H5mdWriter::H5mdWriter(const std::string& path, const System& initial, long resume_step)
    : path_(path), n_(initial.size()) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors are reported as mdrun::Error instead
    std::error_code ec;
    const bool resume = resume_step >= 0 && std::filesystem::exists(path, ec);
    // On a restart an existing trajectory holds the frames up to the checkpoint: a damaged one is an error,
    // never silently recreated (that once lost frames 0-20 without a word).
    const auto damaged = [&](const std::string& what) {
        return Error(path + ": the trajectory to continue from step " + std::to_string(resume_step) + " " + what +
                     "; restore it, or move it away to start a new trajectory at the checkpoint step");
    };
    if (resume) {
        if (H5Fis_hdf5(path.c_str()) <= 0) throw damaged("is not a readable HDF5 file (damaged or truncated)");
        const hid_t old = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
        if (old < 0) throw damaged("cannot be opened as HDF5 (damaged)");
        Hid old_file{old, H5Fclose};
        if (H5Lexists(old, "/particles", H5P_DEFAULT) <= 0)
            throw damaged("has no /particles group (not an mdrun H5MD trajectory, or damaged)");
        try {
            rebuild(old, resume_step, initial);
        } catch (...) {
            if (file_ >= 0) H5Fclose(file_);
            file_ = -1;
            throw;
        }
        return;
    }
    const hid_t fcpl = untimed_plist(H5P_FILE_CREATE);  // the root group too
    file_ = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
    H5Pclose(fcpl);
    check(file_, "creating the trajectory file (does the directory exist?)");
    try {
        create(initial);
    } catch (...) {
        H5Fclose(file_);
        file_ = -1;
        throw;
    }
}

H5mdWriter::~H5mdWriter() {
    if (file_ >= 0) H5Fclose(file_);
}

void H5mdWriter::create(const System& initial) {
    {
        Hid h5md{H5Gcreate2(file_, "/h5md", H5P_DEFAULT, untimed_gcpl(), H5P_DEFAULT), H5Gclose};
        check(h5md.id, "creating /h5md");
        write_int_attr(h5md.id, "version", {1, 1});
        Hid author{H5Gcreate2(h5md.id, "author", H5P_DEFAULT, untimed_gcpl(), H5P_DEFAULT), H5Gclose};
        write_string_attr(author.id, "name", "mdrun user");
        Hid creator{H5Gcreate2(h5md.id, "creator", H5P_DEFAULT, untimed_gcpl(), H5P_DEFAULT), H5Gclose};
        write_string_attr(creator.id, "name", "mdrun");
        write_string_attr(creator.id, "version", MDRUN_VERSION_STRING);
        // The `unit` attributes below belong to H5MD's units module, which a file declares here.
        Hid modules{H5Gcreate2(h5md.id, "modules", H5P_DEFAULT, untimed_gcpl(), H5P_DEFAULT), H5Gclose};
        Hid units{H5Gcreate2(modules.id, "units", H5P_DEFAULT, untimed_gcpl(), H5P_DEFAULT), H5Gclose};
        write_int_attr(units.id, "version", {1, 0});
    }
    Hid particles{H5Gcreate2(file_, "/particles", H5P_DEFAULT, untimed_gcpl(), H5P_DEFAULT), H5Gclose};
    Hid all{H5Gcreate2(particles.id, "all", H5P_DEFAULT, untimed_gcpl(), H5P_DEFAULT), H5Gclose};
    check(all.id, "creating /particles/all");
    {
        Hid box{H5Gcreate2(all.id, "box", H5P_DEFAULT, untimed_gcpl(), H5P_DEFAULT), H5Gclose};
        write_int_attr(box.id, "dimension", {3});
        std::vector<std::string> boundary;
        for (int k = 0; k < 3; ++k) boundary.push_back(initial.box.periodic[k] ? "periodic" : "none");
        write_string_array_attr(box.id, "boundary", boundary);
    }
    const hsize_t n = n_;
    struct Elem {
        const char* path;
        std::vector<hsize_t> tail;
        const char* unit;
    };
    const Elem elems[3] = {{kElements[0], {3, 3}, "Angstrom"},
                           {kElements[1], {n, 3}, "Angstrom"},
                           {kElements[2], {n, 3}, "Angstrom ps-1"}};
    for (const Elem& e : elems) {
        Hid g{H5Gcreate2(file_, e.path, H5P_DEFAULT, untimed_gcpl(), H5P_DEFAULT), H5Gclose};
        check(g.id, std::string("creating ") + e.path);
        Hid step{create_extendable(g.id, "step", H5T_STD_I64LE, {}), H5Dclose};
        Hid time{create_extendable(g.id, "time", H5T_IEEE_F64LE, {}), H5Dclose};
        write_string_attr(time.id, "unit", "ps");
        Hid value{create_extendable(g.id, "value", H5T_IEEE_F64LE, e.tail), H5Dclose};
        check(value.id, std::string("creating ") + e.path + "/value");
        write_string_attr(value.id, "unit", e.unit);
    }
    std::vector<int> species(initial.type.begin(), initial.type.end());
    write_fixed(all.id, "species", H5T_STD_I32LE, H5T_NATIVE_INT, n, species.data());
    {
        Hid sp{H5Dopen2(all.id, "species", H5P_DEFAULT), H5Dclose};
        write_string_array_attr(sp.id, "names", initial.species);
    }
    std::vector<long long> ids(initial.id.begin(), initial.id.end());
    if (ids.size() != n_) {
        ids.resize(n_);
        for (std::size_t i = 0; i < n_; ++i) ids[i] = (long long)i + 1;
    }
    write_fixed(all.id, "id", H5T_STD_I64LE, H5T_NATIVE_LLONG, n, ids.data());
    if (initial.mass.size() == n_) {
        write_fixed(all.id, "mass", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, n, initial.mass.data());
        Hid m{H5Dopen2(all.id, "mass", H5P_DEFAULT), H5Dclose};
        write_string_attr(m.id, "unit", "amu");
    }
    check(H5Fflush(file_, H5F_SCOPE_GLOBAL), "flushing");
}

// One dataset of the old file, opened for reading frames back.
struct OldSeries {
    Hid d{-1, H5Dclose};
    std::vector<hsize_t> dims;
};

void H5mdWriter::rebuild(hid_t old, long resume_step, const System& initial) {
    const auto damaged = [&](const std::string& what) {
        return Error(path_ + ": the trajectory to continue from step " + std::to_string(resume_step) + " " + what +
                     "; restore it, or move it away to start a new trajectory at the checkpoint step");
    };
    // Per element: step, time, value datasets, and the frames to keep (step <= resume_step; frames after the
    // checkpoint, a torn one included, are dropped).
    OldSeries series[3][3];
    hsize_t keep[3] = {0, 0, 0};
    std::vector<long long> steps[3];
    const char* names[3] = {"/step", "/time", "/value"};
    for (int e = 0; e < 3; ++e) {
        const std::string base(kElements[e]);
        for (int k = 0; k < 3; ++k) {
            OldSeries& o = series[e][k];
            o.d.id = H5Dopen2(old, (base + names[k]).c_str(), H5P_DEFAULT);
            if (o.d.id < 0) throw damaged("has no " + base + names[k] + " (not an mdrun H5MD trajectory, or damaged)");
            Hid sp{H5Dget_space(o.d.id), H5Sclose};
            const int rank = H5Sget_simple_extent_ndims(sp.id);
            const int want = k == 2 ? 3 : 1;
            if (rank != want) throw damaged("has " + base + names[k] + " of rank " + std::to_string(rank));
            o.dims.resize(rank);
            H5Sget_simple_extent_dims(sp.id, o.dims.data(), nullptr);
        }
        const std::vector<hsize_t>& vd = series[e][2].dims;
        if (e > 0 && vd[1] != n_)
            throw Error(path_ + ": the trajectory to continue has " + std::to_string(vd[1]) + " atoms, the run has " +
                        std::to_string(n_));
        if (vd[1] != (e == 0 ? 3 : n_) || vd[2] != 3) throw damaged("has " + base + "/value of the wrong shape");
        const hsize_t nframes = series[e][0].dims[0];
        steps[e].resize(nframes);
        if (nframes)
            check(H5Dread(series[e][0].d.id, H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, steps[e].data()),
                  "reading " + base + "/step");
        while (keep[e] < nframes && steps[e][keep[e]] <= resume_step) ++keep[e];
        if (series[e][1].dims[0] < keep[e] || vd[0] < keep[e])
            throw damaged("is incomplete: " + base + " has fewer times or values than steps up to the checkpoint");
    }
    // Every frame is written to the three elements in turn, so the kept frames are the same in each.
    for (int e = 1; e < 3; ++e)
        if (keep[e] != keep[0] || !std::equal(steps[0].begin(), steps[0].begin() + (long)keep[0], steps[e].begin()))
            throw damaged(std::string("is inconsistent: ") + kElements[e] + " and " + kElements[0] +
                          " hold different steps up to the checkpoint");
    write_path_atomically(path_, [&](const std::string& tmp) {
        const hid_t fcpl = untimed_plist(H5P_FILE_CREATE);
        file_ = H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
        H5Pclose(fcpl);
        check(file_, "creating the rebuilt trajectory " + tmp);
        create(initial);
        std::vector<double> value;
        for (hsize_t f = 0; f < keep[0]; ++f) {
            for (int e = 0; e < 3; ++e) {
                const std::string base(kElements[e]);
                double time_ps = 0;
                {
                    Hid fs{H5Dget_space(series[e][1].d.id), H5Sclose};
                    const hsize_t start = f, count = 1;
                    H5Sselect_hyperslab(fs.id, H5S_SELECT_SET, &start, nullptr, &count, nullptr);
                    Hid ms{H5Screate_simple(1, &count, nullptr), H5Sclose};
                    check(H5Dread(series[e][1].d.id, H5T_NATIVE_DOUBLE, ms.id, fs.id, H5P_DEFAULT, &time_ps),
                          "reading " + base + "/time");
                }
                const std::vector<hsize_t>& vd = series[e][2].dims;
                value.assign(vd[1] * vd[2], 0.0);
                {
                    Hid fs{H5Dget_space(series[e][2].d.id), H5Sclose};
                    const hsize_t start[3] = {f, 0, 0}, count[3] = {1, vd[1], vd[2]};
                    H5Sselect_hyperslab(fs.id, H5S_SELECT_SET, start, nullptr, count, nullptr);
                    Hid ms{H5Screate_simple(3, count, nullptr), H5Sclose};
                    check(H5Dread(series[e][2].d.id, H5T_NATIVE_DOUBLE, ms.id, fs.id, H5P_DEFAULT, value.data()),
                          "reading " + base + "/value");
                }
                append_element(e, steps[e][f], time_ps, value.data());
            }
            flush();
        }
    });
}

void H5mdWriter::append_element(int e, long long step, double time_ps, const void* value) {
    const std::string base(kElements[e]);
    check(append(file_, base + "/step", H5T_NATIVE_LLONG, &step), "writing " + base + "/step");
    check(append(file_, base + "/time", H5T_NATIVE_DOUBLE, &time_ps), "writing " + base + "/time");
    check(append(file_, base + "/value", H5T_NATIVE_DOUBLE, value), "writing " + base + "/value");
}

void H5mdWriter::write_frame(const System& sys, long step, double time_ps) {
    if (sys.size() != n_)
        throw Error(path_ + ": trajectory frame has " + std::to_string(sys.size()) + " atoms, expected " +
                    std::to_string(n_));
    const long long st = step;
    double edges[9];
    for (int k = 0; k < 9; ++k) edges[k] = sys.box.h.m[k / 3][k % 3];
    std::vector<Vec3> zero;
    if (sys.vel.size() != n_) zero.assign(n_, Vec3{0, 0, 0});  // no velocities yet: write zeros
    const void* values[3] = {edges, sys.pos.data(), zero.empty() ? sys.vel.data() : zero.data()};  // packed x y z
    // The same calls, in the same order, as rebuild() makes for each kept frame (byte stability).
    for (int e = 0; e < 3; ++e) append_element(e, st, time_ps, values[e]);
    flush();
}

void H5mdWriter::flush() { check(H5Fflush(file_, H5F_SCOPE_GLOBAL), "flushing the trajectory"); }

}  // namespace

std::unique_ptr<TrajectoryWriter> open_h5md_trajectory(const std::string& path, const System& initial,
                                                       long resume_step) {
    return std::make_unique<H5mdWriter>(path, initial, resume_step);
}

}  // namespace mdrun
