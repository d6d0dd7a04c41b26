// analysis.h5 written at `tmp` (error messages name `path`, the file it becomes); write_analysis_h5 in
// results_writer.hpp is the caller that makes the file appear atomically.
#pragma once
#include <string>

#include "analysis/results_writer.hpp"

namespace mdrun {

// The diffusion estimator, named in summary.json and analysis.h5 alike.
inline constexpr const char* kDEstimator =
    "kinisi-style Bayesian GLS (McCluskey et al.): MSD covariance Cov_ij = Var_i n_o,i/n_o,j with "
    "n_o,i = N t_run/tau_i and Var_i = a tau_i^2/n_o,i (a fitted to the observed Var|dr|^2); flat prior slope >= 0; "
    "D = posterior median of slope/6, interval = central 95 % credible interval";

void write_analysis_h5_file(const std::string& tmp, const std::string& path, const AnalysisResults& r,
                            const ResultsMetadata& meta);

}  // namespace mdrun
