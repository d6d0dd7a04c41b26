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
#include <hdf5.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

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
    void truncate_after(long resume_step);
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
        file_ = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
        if (file_ < 0) throw damaged("cannot be opened as HDF5 (damaged)");
        if (H5Lexists(file_, "/particles", H5P_DEFAULT) <= 0) {
            H5Fclose(file_);
            file_ = -1;
            throw damaged("has no /particles group (not an mdrun H5MD trajectory, or damaged)");
        }
    } else {
        const hid_t fcpl = untimed_plist(H5P_FILE_CREATE);  // the root group too
        file_ = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
        H5Pclose(fcpl);
        check(file_, "creating the trajectory file (does the directory exist?)");
    }
    try {
        if (resume)
            truncate_after(resume_step);
        else
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

void H5mdWriter::truncate_after(long resume_step) {
    // Frames with step > resume_step were written after the checkpoint: drop them from every element.
    for (const char* e : kElements) {
        const std::string base(e);
        Hid step{H5Dopen2(file_, (base + "/step").c_str(), H5P_DEFAULT), H5Dclose};
        check(step.id, "opening " + base + "/step of the trajectory to continue (is it an mdrun H5MD file?)");
        Hid space{H5Dget_space(step.id), H5Sclose};
        hsize_t nframes = 0;
        H5Sget_simple_extent_dims(space.id, &nframes, nullptr);
        std::vector<long long> steps(nframes);
        if (nframes) check(H5Dread(step.id, H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, steps.data()), "reading steps");
        hsize_t keep = 0;
        while (keep < nframes && steps[keep] <= resume_step) ++keep;
        for (const char* name : {"/step", "/time", "/value"}) {
            Hid d{H5Dopen2(file_, (base + name).c_str(), H5P_DEFAULT), H5Dclose};
            check(d.id, "opening " + base + name);
            Hid sp{H5Dget_space(d.id), H5Sclose};
            const int rank = H5Sget_simple_extent_ndims(sp.id);
            std::vector<hsize_t> dims(rank);
            H5Sget_simple_extent_dims(sp.id, dims.data(), nullptr);
            if (std::string(name) == "/value" && rank == 3 && base != kElements[0] && dims[1] != n_)
                throw Error(path_ + ": the trajectory to continue has " + std::to_string(dims[1]) + " atoms, the run has " +
                            std::to_string(n_));
            dims[0] = keep;
            check(H5Dset_extent(d.id, dims.data()), "truncating " + base + name);
        }
    }
    check(H5Fflush(file_, H5F_SCOPE_GLOBAL), "flushing");
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
    for (int e = 0; e < 3; ++e) {
        const std::string base(kElements[e]);
        check(append(file_, base + "/step", H5T_NATIVE_LLONG, &st), "writing " + base + "/step");
        check(append(file_, base + "/time", H5T_NATIVE_DOUBLE, &time_ps), "writing " + base + "/time");
        check(append(file_, base + "/value", H5T_NATIVE_DOUBLE, values[e]), "writing " + base + "/value");
    }
    flush();
}

void H5mdWriter::flush() { check(H5Fflush(file_, H5F_SCOPE_GLOBAL), "flushing the trajectory"); }

}  // namespace

std::unique_ptr<TrajectoryWriter> open_h5md_trajectory(const std::string& path, const System& initial,
                                                       long resume_step) {
    return std::make_unique<H5mdWriter>(path, initial, resume_step);
}

}  // namespace mdrun
