// Block estimate of the collective diffusion coefficient D_sigma and of the Haven ratio H_R = D* / D_sigma
// (docs/analysis-estimators.md, "Collective D_sigma and the Haven ratio").
//
// Why blocks: the collective MSD has one item per species, so its fluctuations cannot be averaged over atoms,
// and the kinisi covariance model (fitted to the spread of |dX|^2 over origins that overlap) under-covers it
// (measured: 79 % coverage of a nominal 95 % interval). Here the run is cut into n_b consecutive blocks of
// equal length L (adjacent blocks share only their boundary point, so their increments are disjoint in time);
// in each block the collective MSD is computed over all origins inside the block at the lags of the series
// grid in [tau_lo, tau_hi] (tau_lo = the tracer fit window's start, tau_hi = min(its end, L/4)), and its
// ordinary-least-squares slope gives D_sigma,b = slope / (6 N). For blocks much longer than the correlation
// time of the collective velocity the D_sigma,b are independent and identically distributed, so their mean
// is D_sigma, its standard error s / sqrt(n_b) (s: sample standard deviation) and the 95 % interval is
// mean +- t_{n_b - 1, 0.975} SE (Student t: the error is estimated from the n_b values themselves).
#pragma once
#include <string>
#include <vector>

#include "engine/core/vec3.hpp"

namespace mdrun {

struct BlockDsigma {
    bool ok = false;
    std::string reason;            // why not ok
    int n_blocks = 0;
    double block_length_ps = 0;
    double lag_min_ps = 0, lag_max_ps = 0;
    int n_lags = 0;                // lags fitted in every block
    std::vector<double> D_block;   // D_sigma of each block, A^2/ps
    double mean = 0, sd = 0, se = 0;  // A^2/ps
    double level = 0.95, t_quantile = 0;
    double lo = 0, hi = 0;         // mean -/+ t SE, A^2/ps
};

// x: the collective coordinate (sum of positions of the species' n_atoms mobile atoms) at equally spaced
// times, dt_ps apart. tau_lo/tau_hi: the tracer fit window. n_blocks: >= 3, or 0 for automatic (the largest
// n_b <= 16 whose blocks are >= 8 tau_lo long, at least 4).
BlockDsigma block_collective_diffusion(const std::vector<Vec3>& x, double dt_ps, int n_atoms, double tau_lo_ps,
                                       double tau_hi_ps, int n_blocks = 0, double level = 0.95);

}  // namespace mdrun
