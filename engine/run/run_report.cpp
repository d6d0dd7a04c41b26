#include "engine/run/run_report.hpp"

#include <cstdio>

#include "potentials/born_coul_dsf.hpp"
#include "potentials/mtp_potential.hpp"

namespace mdrun {

namespace {

std::string g(double v, const char* f = "%.10g") {
    char b[64];
    std::snprintf(b, sizeof b, f, v);
    return b;
}

std::string who(const Replica& r) { return r.name.empty() ? std::string("replica") : "replica " + r.name; }

}  // namespace

void log_start_state(RunLog& log, Backend& backend, const std::vector<std::unique_ptr<Replica>>& reps, long step) {
    for (std::size_t r = 0; r < reps.size(); ++r) {
        const Replica& rep = *reps[r];
        // Potentials with types of their own (the MTP's species index) map the structure's elements onto them.
        const auto* mtp = dynamic_cast<const MtpPotential*>(rep.potential.get());
        const std::vector<int> types = mtp ? mtp->species_map() : std::vector<int>{};
        if (!types.empty() && types.size() == rep.sys.species.size()) {
            std::string line = who(rep) + ": element -> MTP type:";
            for (std::size_t k = 0; k < types.size(); ++k)
                line += (k ? ", " : " ") + rep.sys.species[k] + " -> " + std::to_string(types[k]);
            log.line(line + " ([potential].elements)");
        }
        // Which arithmetic the MTP runs with ([potential].arithmetic; docs/mtp.md). The CUDA kernels keep the
        // arithmetic of their build (MDRUN_CUDA_FMAD), whatever the key says.
        if (mtp)
            log.line(who(rep) + ": MTP arithmetic: " +
                     (backend.name() == "cpu" ? describe_mtp_arithmetic(mtp->requested_arithmetic())
                                              : std::string("the ") + backend.name() +
                                                    " kernels' own (the build's; [potential].arithmetic is for the CPU)"));
        // born/coul/dsf's exp/erfc ([potential].arithmetic; docs/dynamics.md).
        const auto* born = dynamic_cast<const BornCoulDsfPotential*>(rep.potential.get());
        if (born && backend.name() == "cpu" && born->params().half_list)
            log.line(who(rep) + ": " + born->name() + " arithmetic: " +
                     describe_pair_arithmetic(born->params().arithmetic));
        const ReplicaObservables o = backend.observables(static_cast<int>(r));
        const double n = static_cast<double>(rep.sys.size());
        log.line(who(rep) + ": potential energy at step " + std::to_string(step) + ": " + g(o.potential_eV) +
                 " eV = " + g(n > 0 ? o.potential_eV / n : 0.0, "%.6g") + " eV/atom, temperature " +
                 g(o.temperature_K, "%.6g") + " K");
    }
}

void log_checkpoint(RunLog& log, Backend& backend, const std::vector<std::unique_ptr<Replica>>& reps, long step,
                    const std::string& path) {
    std::string line = "checkpoint at step " + std::to_string(step) + " (" + utc_now() + "): " + path;
    for (std::size_t r = 0; r < reps.size(); ++r) {
        const Replica& rep = *reps[r];
        const ReplicaObservables o = backend.observables(static_cast<int>(r));
        line += "\n  " + who(rep) + ": T " + g(o.temperature_K, "%.6g") + " K, PE " + g(o.potential_eV) +
                " eV, neighbour-list rebuilds " + std::to_string(o.neighbor_rebuilds) + ", close-pair steps " +
                std::to_string(rep.counters.close_pair_steps);
    }
    log.line(line);
}

void log_new_warnings(RunLog& log, const std::vector<std::unique_ptr<Replica>>& reps, long step,
                      std::vector<bool>& reported) {
    reported.resize(reps.size(), false);
    for (std::size_t r = 0; r < reps.size(); ++r) {
        const Replica& rep = *reps[r];
        if (reported[r] || rep.counters.close_pair_steps == 0) continue;
        reported[r] = true;
        log.line("WARNING (" + utc_now() + ", by step " + std::to_string(step) + "): " + who(rep) +
                 ": pairs closer than the potential's min_dist (" +
                 g(rep.potential ? rep.potential->min_trusted_distance() : 0.0, "%.4g") + " Å), closest " +
                 g(rep.counters.min_close_r, "%.4g") + " Å: the potential extrapolates there (counted at each checkpoint)");
    }
}

}  // namespace mdrun
