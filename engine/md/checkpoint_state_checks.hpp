// Range checks for the plain-data integrator states a checkpoint restores as raw bytes (NhcState, MtkState):
// a count inside them sizes loops over fixed arrays (a thermostat chain of 1000 once overflowed eta[16]),
// so each is checked against its bounds and against the value this run's config sets before it is used.
// Shared by the CPU backend (engine/md/dynamics.cpp) and the CUDA batch engine (kernels/batch_engine.hpp).
#pragma once
#include <cmath>
#include <string>

#include "engine/core/error.hpp"
#include "engine/md/barostat_math.hpp"
#include "engine/md/integrator_math.hpp"

namespace mdrun {

// `used`: the run has a thermostat (nvt, npt); then chain and tloop must be the configured ones. (Without a
// thermostat the state is carried but never read.)
inline void check_checkpoint_nhc(const NhcState& s, bool used, int chain, int tloop, const std::string& file) {
    const auto bad = [&](const std::string& what) {
        return input_error(file, 0, "checkpoint thermostat state is corrupt or from another config (" + what + ")");
    };
    if (!used) return;
    if (s.chain < 1 || s.chain > kNhcMaxChain)
        throw bad("chain length " + std::to_string(s.chain) + ", allowed 1.." + std::to_string(kNhcMaxChain));
    if (s.tloop < 1 || s.tloop > 1000000) throw bad("tloop " + std::to_string(s.tloop));
    if (s.chain != chain) throw bad("chain length " + std::to_string(s.chain) + ", [md].chain = " + std::to_string(chain));
    if (s.tloop != tloop) throw bad("tloop " + std::to_string(s.tloop) + ", [md].tloop = " + std::to_string(tloop));
}

inline void check_checkpoint_mtk(const MtkState& s, int pchain, int ploop, bool mtk, const std::string& file) {
    const auto bad = [&](const std::string& what) {
        return input_error(file, 0, "checkpoint barostat state is corrupt or from another config (" + what + ")");
    };
    if (s.style < kMtkIso || s.style > kMtkTri) throw bad("style " + std::to_string(s.style));
    if (s.couple < kCoupleNone || s.couple > kCoupleXz) throw bad("couple " + std::to_string(s.couple));
    for (int k = 0; k < 6; ++k)
        if (s.pflag[k] != 0 && s.pflag[k] != 1) throw bad("pflag " + std::to_string(s.pflag[k]));
    for (int k = 0; k < 3; ++k)
        if (s.scale_tilt[k] != 0 && s.scale_tilt[k] != 1) throw bad("scale_tilt " + std::to_string(s.scale_tilt[k]));
    if (s.pdim < 1 || s.pdim > 3) throw bad("pdim " + std::to_string(s.pdim));
    if (s.pchain != pchain) throw bad("pchain " + std::to_string(s.pchain) + ", [md].pchain = " + std::to_string(pchain));
    if (s.ploop != ploop) throw bad("ploop " + std::to_string(s.ploop) + ", [md].ploop = " + std::to_string(ploop));
    if (s.mtk != (mtk ? 1 : 0)) throw bad("mtk " + std::to_string(s.mtk));
    if (!(s.natoms >= 0) || !std::isfinite(s.natoms)) throw bad("atom count");
}

}  // namespace mdrun
