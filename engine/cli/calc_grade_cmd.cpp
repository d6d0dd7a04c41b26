// `mdrun calc-grade POT.mtp TRAIN.cfg IN.cfg OUT.cfg [options]`: the semantics of MLIP-2's
// `mlp calc-grade`. Selects the MaxVol active set from TRAIN.cfg, writes it as an MLIP state file
// (--als-filename, default state.als), and writes IN.cfg's configurations to OUT.cfg with
// `Feature MV_grade` (docs/grades.md).
// `mdrun calc-grade STATE.als IN.cfg OUT.cfg` grades against an existing state file instead.
#include <cstdio>
#include <string>
#include <vector>

#include "engine/io/cfg_io.hpp"
#include "engine/core/error.hpp"
#include "engine/cli/subcommands.hpp"
#include "potentials/als_file.hpp"
#include "engine/cli/grade_cli.hpp"
#include "potentials/mtp_file.hpp"
#include "potentials/mtp_selection.hpp"

namespace mdrun {

namespace {

const char* const kUsage =
    "usage: mdrun calc-grade POT.mtp TRAIN.cfg IN.cfg OUT.cfg [--als-filename=F] [--nbh-weight=w] "
    "[--energy-weight=w] [--init-threshold=t] [--select-threshold=t] [--swap-threshold=t]\n"
    "   or: mdrun calc-grade STATE.als IN.cfg OUT.cfg";

MtpPotential identity_potential(const MtpModel& m) {
    std::vector<int> id(m.species_count);
    for (int k = 0; k < m.species_count; ++k) id[k] = k;
    return MtpPotential(m, id);
}

}  // namespace

int cmd_calc_grade(const std::vector<std::string>& args) {
    const GradeCliArgs a =
        parse_grade_cli(args,
                        {"als-filename", "mvs-filename", "nbh-weight", "energy-weight", "force-weight", "stress-weight",
                         "init-threshold", "select-threshold", "swap-threshold"},
                        "calc-grade", kUsage);
    if (a.help) {
        std::printf("%s\n", kUsage);
        return 0;
    }
    const auto& pos = a.positional;
    MaxVol mv;
    GradeWeights w;
    MtpModel model;
    std::string in_file, out_file;
    if (pos.size() == 3) {
        if (!a.opts.empty())
            throw Error("calc-grade: with a state file (3 arguments) the weights and thresholds come from it; "
                        "options are not accepted");
        AlsState st = read_als(pos[0]);
        model = st.model;
        w = st.weights;
        check_grade_weights(w, (pos[0] + " (selection weights)").c_str());
        mv = std::move(st.maxvol);
        in_file = pos[1];
        out_file = pos[2];
    } else if (pos.size() == 4) {
        w = weights_from_cli(a, "calc-grade");
        const MaxVolThresholds thr = thresholds_from_cli(a, "calc-grade");
        std::string als = "state.als";
        if (a.opts.count("mvs-filename")) als = a.opts.at("mvs-filename");
        if (a.opts.count("als-filename")) als = a.opts.at("als-filename");
        model = read_mtp(pos[0]);
        const std::string pot_text = read_text_file(pos[0]);
        const std::vector<CfgConfig> train = read_cfg(pos[1]);
        const MtpPotential pot = identity_potential(model);
        std::fprintf(stderr, "calc-grade: selecting the active set from %zu configurations of %s\n", train.size(),
                     pos[1].c_str());
        mv = select_active_set(pot, train, w, thr, pos[1]);
        write_als(als, pot_text, w, mv, train);
        std::fprintf(stderr, "calc-grade: active-learning state written to %s\n", als.c_str());
        in_file = pos[2];
        out_file = pos[3];
    } else {
        throw Error(std::string("calc-grade: expected 4 file arguments (or 3 with a state file); ") + kUsage);
    }
    const MtpPotential pot = identity_potential(model);
    std::vector<CfgConfig> cfgs = read_cfg(in_file);
    double worst = 0.0;
    for (size_t k = 0; k < cfgs.size(); ++k) {
        const double g = configuration_grade(pot, mv, w, cfgs[k], in_file, static_cast<int>(k));
        set_grade_feature(cfgs[k], g);
        worst = std::max(worst, g);
    }
    write_cfg_file(out_file, cfgs);
    std::fprintf(stderr, "calc-grade: %zu configurations graded (largest grade %s), written to %s\n", cfgs.size(),
                 format_grade(worst).c_str(), out_file.c_str());
    return 0;
}

}  // namespace mdrun
