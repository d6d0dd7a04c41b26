// `mdrun calc-efs POT.mtp IN.cfg OUT.cfg [--site-energies] [--arithmetic fma|exact]`: the semantics of
// MLIP-2's `mlp calc-efs`. --arithmetic picks the CPU evaluation mode (potentials/mtp_arithmetic.hpp; fma by
// default where the CPU has it, exact = no contraction, bitwise reproducible).
// Every configuration of IN.cfg is written to OUT.cfg with the MTP energy, forces and PlusStress
// (virial, eV) at 16 digits after the decimal point; Feature lines are copied unchanged.
#include <CLI/CLI.hpp>

#include <cmath>
#include <memory>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "engine/core/box.hpp"
#include "engine/io/cfg_io.hpp"
#include "engine/core/error.hpp"
#include "engine/md/neighbor_list.hpp"
#include "engine/cli/subcommands.hpp"
#include "engine/core/system.hpp"
#include "potentials/cfg_system.hpp"
#include "potentials/mtp_file.hpp"
#include "potentials/mtp_potential.hpp"

namespace mdrun {

namespace {

int calc_efs(const std::vector<std::string>& pos, bool site_energies, MtpArithmetic arithmetic) {
    // With 2+ OpenMP threads the two files are read concurrently (both readers are serial).
    // Errors are reported in argument order, whichever reader finished first.
    MtpModel model;
    std::vector<CfgConfig> configs;
    std::exception_ptr failed[2];
#pragma omp parallel sections
    {
#pragma omp section
        {
            try {
                model = read_mtp(pos[0]);
            } catch (...) {
                failed[0] = std::current_exception();
            }
        }
#pragma omp section
        {
            try {
                configs = read_cfg(pos[1]);
            } catch (...) {
                failed[1] = std::current_exception();
            }
        }
    }
    for (const auto& f : failed)
        if (f) std::rethrow_exception(f);
    std::vector<int> identity(model.species_count);
    for (int k = 0; k < model.species_count; ++k) identity[k] = k;
    MtpPotential pot(model, identity, arithmetic);
    pot.set_force_sum(MtpForceSum::Chunks);  // mdrun's default (potentials/mtp_potential.hpp): less memory

    NeighborList nl;
    std::vector<Vec3> force;
    for (size_t k = 0; k < configs.size(); ++k) {
        CfgConfig& c = configs[k];
        const System sys = system_from_cfg(c, model.species_count, pos[1], static_cast<int>(k));
        build_neighbor_list(sys.box, sys.pos, pot.list_cutoff(), nl);
        ForceResult r;
        pot.compute(sys, nl, force, r, site_energies);
        c.has_energy = true;
        c.energy = r.energy;
        c.has_forces = true;
        c.force = force;
        c.has_plus_stress = true;
        const Mat3& W = r.virial;
        const double ps[6] = {W.m[0][0], W.m[1][1], W.m[2][2], W.m[1][2], W.m[0][2], W.m[0][1]};
        for (int q = 0; q < 6; ++q) c.plus_stress[q] = ps[q];
        c.has_site_energies = site_energies;
        if (site_energies) c.site_energy = r.site_energy;
    }
    write_cfg_file(pos[2], configs);
    return 0;
}

}  // namespace

cli::Action setup_calc_efs(CLI::App& app) {
    auto files = std::make_shared<std::vector<std::string>>(3);
    auto site = std::make_shared<bool>(false);
    auto arith = std::make_shared<std::string>("fma");
    app.add_option("potential", (*files)[0], "the MTP (MLIP-2 .mtp file)")->type_name("POT.mtp");
    app.add_option("input", (*files)[1], "configurations to evaluate (MLIP .cfg; type = MTP species index)")
        ->type_name("IN.cfg");
    app.add_option("output", (*files)[2], "where to write them with energy, forces and PlusStress")->type_name("OUT.cfg");
    app.add_flag("--site-energies", *site, "also write each atom's site energy (column site_en)");
    app.add_option("--arithmetic", *arith,
                   "CPU arithmetic: fma (fused multiply-add, default; exact on CPUs without AVX2+FMA) or exact "
                   "(no contraction, bitwise reproducible)")
        ->type_name("fma|exact");
    return [files, site, arith] {
        for (const std::string& f : *files)
            if (f.empty())
                throw UsageError("calc-efs: expected 3 file arguments; usage: mdrun calc-efs POT.mtp IN.cfg OUT.cfg [--site-energies]");
        MtpArithmetic mode;
        try {
            mode = parse_mtp_arithmetic(*arith, "calc-efs: --arithmetic");
        } catch (const Error& e) {
            throw UsageError(e.what());
        }
        return calc_efs(*files, *site, mode);
    };
}

}  // namespace mdrun
