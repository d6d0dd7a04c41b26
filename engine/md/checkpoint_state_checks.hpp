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

// A plain function, not a local lambda: nvcc's host pass turns a lambda in this header (included by the CUDA
// batch engine) into unused local typedefs, an error under -Werror.
inline Error corrupt_checkpoint_state(const std::string& file, const char* state, const std::string& what) {
    return input_error(file, 0, std::string("checkpoint ") + state + " state is corrupt or from another config (" + what + ")");
}

// `used`: the run has a thermostat (nvt, npt); then chain and tloop must be the configured ones. (Without a
// thermostat the state is carried but never read.)
inline void check_checkpoint_nhc(const NhcState& s, bool used, int chain, int tloop, const std::string& file) {
    if (!used) return;
    if (s.chain < 1 || s.chain > kNhcMaxChain)
        throw corrupt_checkpoint_state(file, "thermostat", "chain length " + std::to_string(s.chain) + ", allowed 1.." + std::to_string(kNhcMaxChain));
    if (s.tloop < 1 || s.tloop > 1000000) throw corrupt_checkpoint_state(file, "thermostat", "tloop " + std::to_string(s.tloop));
    if (s.chain != chain) throw corrupt_checkpoint_state(file, "thermostat", "chain length " + std::to_string(s.chain) + ", [md].chain = " + std::to_string(chain));
    if (s.tloop != tloop) throw corrupt_checkpoint_state(file, "thermostat", "tloop " + std::to_string(s.tloop) + ", [md].tloop = " + std::to_string(tloop));
}

inline void check_checkpoint_mtk(const MtkState& s, int pchain, int ploop, bool mtk, const std::string& file) {
    if (s.style < kMtkIso || s.style > kMtkTri) throw corrupt_checkpoint_state(file, "barostat", "style " + std::to_string(s.style));
    if (s.couple < kCoupleNone || s.couple > kCoupleXz) throw corrupt_checkpoint_state(file, "barostat", "couple " + std::to_string(s.couple));
    for (int k = 0; k < 6; ++k)
        if (s.pflag[k] != 0 && s.pflag[k] != 1) throw corrupt_checkpoint_state(file, "barostat", "pflag " + std::to_string(s.pflag[k]));
    for (int k = 0; k < 3; ++k)
        if (s.scale_tilt[k] != 0 && s.scale_tilt[k] != 1) throw corrupt_checkpoint_state(file, "barostat", "scale_tilt " + std::to_string(s.scale_tilt[k]));
    if (s.pdim < 1 || s.pdim > 3) throw corrupt_checkpoint_state(file, "barostat", "pdim " + std::to_string(s.pdim));
    if (s.pchain != pchain) throw corrupt_checkpoint_state(file, "barostat", "pchain " + std::to_string(s.pchain) + ", [md].pchain = " + std::to_string(pchain));
    if (s.ploop != ploop) throw corrupt_checkpoint_state(file, "barostat", "ploop " + std::to_string(s.ploop) + ", [md].ploop = " + std::to_string(ploop));
    if (s.mtk != (mtk ? 1 : 0)) throw corrupt_checkpoint_state(file, "barostat", "mtk " + std::to_string(s.mtk));
    if (!(s.natoms >= 0) || !std::isfinite(s.natoms)) throw corrupt_checkpoint_state(file, "barostat", "atom count");
}

}  // namespace mdrun
