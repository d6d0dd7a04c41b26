// mdrun._core: the C++ engine as a Python extension (pybind11). Everything numerical is the engine's own
// code (MtpPotential, the neighbour list, run_md); this file only converts arrays and releases the GIL.
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <csignal>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/core/box.hpp"
#include "engine/core/error.hpp"
#include "engine/md/neighbor_list.hpp"
#include "engine/run/run_loop.hpp"
#include "engine/core/system.hpp"
#include "engine/core/version.hpp"
#include "potentials/mtp_file.hpp"
#include "potentials/mtp_potential.hpp"
#ifdef MDRUN_HAVE_CUDA
#include "kernels/backend_cuda.hpp"
#endif

namespace py = pybind11;
using namespace mdrun;

namespace {

using Array = py::array_t<double, py::array::c_style | py::array::forcecast>;
using IntArray = py::array_t<int, py::array::c_style | py::array::forcecast>;

// One MTP evaluator with a neighbour list kept between calls. The list is built with cutoff
// max_dist + skin and reused while no atom moved more than skin/2 and the cell, pbc and atom count are
// unchanged. The list's slots are sorted by (j, integer image) for unwrapped positions, so a reused list
// visits the contributing pairs in exactly the order a fresh one does: results are bit-identical to a
// fresh evaluation (and to `mdrun calc-efs`), only faster.
class MtpEvaluator {
public:
    // arithmetic: "fma" (default, as mdrun's calc-efs and runs) or "exact" (potentials/mtp_arithmetic.hpp).
    MtpEvaluator(const std::string& path, int species_count_expected, double skin, const std::string& arithmetic)
        : model_(read_mtp(path)), skin_(skin) {
        const MtpArithmetic mode = parse_mtp_arithmetic(arithmetic, "MTP: arithmetic");
        if (skin < 0) throw Error("MTP: skin must be >= 0, got " + std::to_string(skin));
        if (species_count_expected >= 0 && species_count_expected != model_.species_count)
            throw Error(path + ": the potential has " + std::to_string(model_.species_count) +
                        " species but " + std::to_string(species_count_expected) +
                        " elements were given (one element per MTP species index, in order)");
        std::vector<int> identity(model_.species_count);
        for (int k = 0; k < model_.species_count; ++k) identity[k] = k;
        pot_ = std::make_unique<MtpPotential>(model_, identity, mode);
        pot_->set_force_sum(MtpForceSum::Chunks);  // as mdrun and calc-efs (bit-identical to them)
    }

    int species_count() const { return model_.species_count; }
    double cutoff() const { return model_.max_dist; }
    double min_dist() const { return model_.min_dist; }
    long builds() const { return builds_; }

    // positions (N,3) Å, types (N) MTP species indices, cell (3,3) rows, pbc (3). Non-periodic directions
    // get a zero lattice row (the MLIP convention the engine uses).
    py::dict compute(Array positions, IntArray types, Array cell, std::vector<bool> pbc, bool site_energies) {
        if (positions.ndim() != 2 || positions.shape(1) != 3) throw Error("positions must have shape (N, 3)");
        const std::size_t n = static_cast<std::size_t>(positions.shape(0));
        if (types.ndim() != 1 || static_cast<std::size_t>(types.shape(0)) != n)
            throw Error("types must have shape (N,)");
        if (cell.ndim() != 2 || cell.shape(0) != 3 || cell.shape(1) != 3) throw Error("cell must have shape (3, 3)");
        if (pbc.size() != 3) throw Error("pbc must have 3 entries");
        System sys;
        Mat3 h = mat3_zero();
        const double* c = cell.data();
        for (int a = 0; a < 3; ++a)
            for (int b = 0; b < 3; ++b) h.m[a][b] = pbc[a] ? c[3 * a + b] : 0.0;
        for (int a = 0; a < 3; ++a)
            if (pbc[a] && h.m[a][0] == 0.0 && h.m[a][1] == 0.0 && h.m[a][2] == 0.0)
                throw Error("the cell vector " + std::to_string(a) + " is zero but pbc is true along it");
        sys.box = make_box(h);
        if (sys.box.periodic[0] && sys.box.periodic[1] && sys.box.periodic[2] && !(std::fabs(det(h)) > 0))
            throw Error("the periodic cell has zero volume");
        sys.species.resize(model_.species_count);
        for (int k = 0; k < model_.species_count; ++k) sys.species[k] = std::to_string(k);
        sys.pos.resize(n);
        std::memcpy(sys.pos.data(), positions.data(), n * sizeof(Vec3));
        sys.type.assign(types.data(), types.data() + n);
        for (std::size_t i = 0; i < n; ++i)
            if (sys.type[i] < 0 || sys.type[i] >= model_.species_count)
                throw Error("atom " + std::to_string(i) + " has MTP type " + std::to_string(sys.type[i]) +
                            " outside 0.." + std::to_string(model_.species_count - 1));
        sys.id.resize(n);
        for (std::size_t i = 0; i < n; ++i) sys.id[i] = static_cast<long>(i) + 1;

        ForceResult r;
        std::vector<Vec3> force;
        {
            py::gil_scoped_release unlocked;
            std::lock_guard<std::mutex> one_at_a_time(mutex_);  // the kept list is per evaluator
            const bool same_cell = have_list_ && std::memcmp(&list_h_, &h, sizeof(Mat3)) == 0;
            if (!same_cell || nl_.size() != n || needs_rebuild(nl_, sys.pos, skin_)) {
                build_neighbor_list(sys.box, sys.pos, pot_->list_cutoff() + skin_, nl_);
                list_h_ = h;
                have_list_ = true;
                ++builds_;
            }
            pot_->compute(sys, nl_, force, r, site_energies);
        }
        py::dict out;
        out["energy"] = r.energy;
        py::array_t<double> f({static_cast<py::ssize_t>(n), static_cast<py::ssize_t>(3)});
        std::memcpy(f.mutable_data(), force.data(), n * sizeof(Vec3));
        out["forces"] = f;
        py::array_t<double> w({3, 3});
        for (int a = 0; a < 3; ++a)
            for (int b = 0; b < 3; ++b) w.mutable_at(a, b) = r.virial.m[a][b];
        out["virial"] = w;
        if (site_energies) {
            py::array_t<double> e(static_cast<py::ssize_t>(n));
            std::memcpy(e.mutable_data(), r.site_energy.data(), n * sizeof(double));
            out["energies"] = e;
        }
        out["close_pairs"] = r.close_pairs;
        out["close_r"] = r.close_r;
        out["close_i"] = r.close_i;
        out["close_j"] = r.close_j;
        return out;
    }

private:
    MtpModel model_;
    double skin_;
    std::unique_ptr<MtpPotential> pot_;
    NeighborList nl_;
    Mat3 list_h_ = mat3_zero();
    bool have_list_ = false;
    long builds_ = 0;
    std::mutex mutex_;
};

// run_md in-process. SIGINT/SIGTERM handlers are the engine's for the duration of the run (Ctrl-C then
// finishes the current chunk and writes a checkpoint, as on the command line) and Python's afterwards.
int run(const std::string& config_path, const std::string& config_text, const std::string& restart,
        const std::string& device, long steps, bool quiet, std::function<void(long, long)> progress) {
    RunOptions opt;
    opt.config_path = config_path;
    opt.config_text = config_text;
    opt.restart_file = restart;
    opt.device = device;
    opt.steps_override = steps;
    opt.quiet = quiet;
    if (progress) {
        opt.on_progress = [progress](long step, long total) {
            py::gil_scoped_acquire locked;
            progress(step, total);
        };
    }
    struct sigaction old_int {}, old_term {};
    sigaction(SIGINT, nullptr, &old_int);
    sigaction(SIGTERM, nullptr, &old_term);
    struct Restore {
        struct sigaction *i, *t;
        ~Restore() {
            sigaction(SIGINT, i, nullptr);
            sigaction(SIGTERM, t, nullptr);
        }
    } restore{&old_int, &old_term};
    py::gil_scoped_release unlocked;
    return run_md(opt);
}

}  // namespace

PYBIND11_MODULE(_core, m) {
    m.doc() = "mdrun C++ engine (MTP evaluation, MD runs)";
#ifdef MDRUN_HAVE_CUDA
    register_cuda_backend();
    m.attr("has_cuda") = true;
#else
    m.attr("has_cuda") = false;
#endif
    m.attr("version") = MDRUN_VERSION_STRING;
    static py::exception<Error> error(m, "MdrunError", PyExc_RuntimeError);
    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const Error& e) {
            PyErr_SetString(error.ptr(), e.what());
        }
    });

    py::class_<MtpEvaluator>(m, "MtpEvaluator")
        .def(py::init<const std::string&, int, double, const std::string&>(), py::arg("path"),
             py::arg("species_count") = -1, py::arg("skin") = 1.0, py::arg("arithmetic") = "fma")
        .def_property_readonly("species_count", &MtpEvaluator::species_count)
        .def_property_readonly("cutoff", &MtpEvaluator::cutoff)
        .def_property_readonly("min_dist", &MtpEvaluator::min_dist)
        .def_property_readonly("neighbor_list_builds", &MtpEvaluator::builds)
        .def("compute", &MtpEvaluator::compute, py::arg("positions"), py::arg("types"), py::arg("cell"),
             py::arg("pbc"), py::arg("site_energies") = false);

    m.def("run", &run, py::arg("config_path"), py::arg("config_text") = "", py::arg("restart") = "",
          py::arg("device") = "auto", py::arg("steps") = -1, py::arg("quiet") = false,
          py::arg("progress") = nullptr,
          "Runs `mdrun CONFIG` in this process; returns the exit status (130 after Ctrl-C, checkpoint written).");
}
