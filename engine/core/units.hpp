// LAMMPS `units metal` (Å, eV, ps, amu, K, bar): the conversion constants of the LAMMPS version the
// references were made with (force.cpp / update.cpp of 29 Sep 2021). One value of each for the whole
// program: the integrators, the potentials and the analyses (k_B in D, σ and Arrhenius fits) use these.
#pragma once

namespace mdrun {

constexpr double kBoltz = 8.617343e-5;            // eV/K
constexpr double kMvv2e = 1.0364269e-4;           // amu·Å²/ps² -> eV
constexpr double kFtm2v = 1.0 / 1.0364269e-4;     // (eV/Å)/amu -> Å/ps²
constexpr double kNktv2p = 1.6021765e6;           // eV/Å³ -> bar
constexpr double kQqr2e = 14.399645;              // e²/Å -> eV

}  // namespace mdrun
