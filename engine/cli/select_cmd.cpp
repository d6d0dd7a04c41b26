// `mdrun select POT.mtp TRAIN.cfg NEW.cfg OUT.cfg [options]` (like MLIP-2's `mlp select-add`): the
// configurations of NEW.cfg (e.g. an MD run's preselected.cfg) that enlarge the MaxVol active set of
// TRAIN.cfg, i.e. the ones worth labelling with DFT, written to OUT.cfg with their MV_grade. Also writes
// the enlarged active set as a state file (--als-filename, default state.als).
// `mdrun select STATE.als NEW.cfg OUT.cfg` starts from an existing state file instead of TRAIN.cfg.
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "engine/io/cfg_io.hpp"
#include "engine/core/error.hpp"
#include "engine/cli/subcommands.hpp"
#include "potentials/als_file.hpp"
#include "potentials/cfg_system.hpp"
#include "engine/cli/grade_cli.hpp"
#include "potentials/mtp_file.hpp"
#include "potentials/mtp_selection.hpp"

namespace mdrun {

namespace {

const char* const kUsage =
    "usage: mdrun select POT.mtp TRAIN.cfg NEW.cfg OUT.cfg [--als-filename=F] [--nbh-weight=w] [--energy-weight=w] "
    "[--select-threshold=t] [--swap-threshold=t] [--init-threshold=t] [--swap-limit=n]\n"
    "   or: mdrun select STATE.als NEW.cfg OUT.cfg [--als-filename=F] [--select-threshold=t] [--swap-threshold=t] "
    "[--swap-limit=n]";

}  // namespace

int cmd_select(const std::vector<std::string>& args) {
    const GradeCliArgs a = parse_grade_cli(args,
                                           {"als-filename", "nbh-weight", "energy-weight", "force-weight",
                                            "stress-weight", "init-threshold", "select-threshold", "swap-threshold",
                                            "swap-limit"},
                                           "select", kUsage);
    if (a.help) {
        std::printf("%s\n", kUsage);
        return 0;
    }
    const auto& pos = a.positional;
    MaxVolThresholds thr = thresholds_from_cli(a, "select");
    const double limit = option_number(a, "swap-limit", -1, "select");
    std::string als = "state.als";
    if (a.opts.count("als-filename")) als = a.opts.at("als-filename");

    std::string pot_text, new_file, out_file;
    MtpModel model;
    GradeWeights w;
    MaxVol mv;
    std::vector<CfgConfig> owners;  // configurations of the owner ids: the old active set, then NEW.cfg
    if (pos.size() == 3) {
        if (a.opts.count("nbh-weight") || a.opts.count("energy-weight") || a.opts.count("init-threshold"))
            throw Error("select: with a state file the weights and the initial threshold come from it");
        AlsState st = read_als(pos[0]);
        pot_text = st.potential_text;
        model = st.model;
        w = st.weights;
        mv = std::move(st.maxvol);
        owners = std::move(st.configs);  // owner ids of the state file index its configurations
        new_file = pos[1];
        out_file = pos[2];
    } else if (pos.size() == 4) {
        w = weights_from_cli(a, "select");
        model = read_mtp(pos[0]);
        pot_text = read_text_file(pos[0]);
        owners = read_cfg(pos[1]);
        new_file = pos[2];
        out_file = pos[3];
    } else {
        throw Error(std::string("select: expected 4 file arguments (or 3 with a state file); ") + kUsage);
    }
    std::vector<int> id(model.species_count);
    for (int k = 0; k < model.species_count; ++k) id[k] = k;
    const MtpPotential pot(model, id);
    if (pos.size() == 4) {
        // As mlp select-add: the training set is selected from unconditionally (select threshold = swap).
        MaxVolThresholds t0 = thr;
        t0.select = thr.swap;
        mv = select_active_set(pot, owners, w, t0, pos[1]);
    }
    check_grade_weights(w, "select");
    const std::vector<CfgConfig> fresh = read_cfg(new_file);
    const long first = static_cast<long>(owners.size());
    std::vector<double> grades(fresh.size());
    for (size_t k = 0; k < fresh.size(); ++k)
        grades[k] = configuration_grade(pot, mv, w, fresh[k], new_file, static_cast<int>(k));
    std::vector<double> rows;
    std::vector<long> row_owner;
    const long swaps = [&] {
        for (size_t k = 0; k < fresh.size(); ++k) {
            const System sys = system_from_cfg(fresh[k], model.species_count, new_file, static_cast<int>(k));
            const int added = append_grade_rows(pot, sys, w, rows);
            row_owner.insert(row_owner.end(), added, first + static_cast<long>(k));
        }
        return mv.select(rows, row_owner, thr, limit < 0 ? -1 : static_cast<long>(limit));
    }();
    owners.insert(owners.end(), fresh.begin(), fresh.end());
    std::set<long> chosen;
    for (long o : mv.owner)
        if (o >= first) chosen.insert(o);
    std::vector<CfgConfig> out;
    for (long o : chosen) {
        CfgConfig c = owners[o];
        set_grade_feature(c, grades[o - first]);
        out.push_back(std::move(c));
    }
    write_cfg_file(out_file, out);
    write_als(als, pot_text, w, mv, owners);
    std::fprintf(stderr,
                 "select: %zu of %zu configurations of %s enlarge the active set (%ld swaps); written to %s; state "
                 "written to %s\n",
                 out.size(), fresh.size(), new_file.c_str(), swaps, out_file.c_str(), als.c_str());
    return 0;
}

}  // namespace mdrun
