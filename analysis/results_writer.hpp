// Result files of the streaming analyses (documented column by column in README.md, "Streaming analysis"):
// analysis.h5 (every curve, with `units` and `description` attributes and run metadata), msd.csv,
// reorientation.csv, vacf.csv, spectra.csv, orientation_density.csv (each with '#' header lines that
// state units) and summary.json. Every file is written to a temporary name and renamed when complete.
#pragma once
#include <string>

#include "analysis/results.hpp"

namespace mdrun {

struct ResultsMetadata {
    std::string replica_name;
    long sample_every = 0;
    double timestep_ps = 0, temperature_K = 0;
    long first_step = 0, last_step = 0, total_steps = 0;
    int msd_block = 0, msd_ratio = 0;
    std::string drift;
    long stopped_at_step = -1;   // >= 0: the run loop stopped this replica early ("run.stop" in summary.json)
    std::string stop_reason;
    double fit_min_tmsd_A2 = 4.5, fit_min_time_ps = 1.0;
};

void write_analysis_files(const std::string& dir, const AnalysisResults& r, const ResultsMetadata& meta);

// The individual writers (also used by tests).
void write_summary_json(const std::string& path, const AnalysisResults& r, const ResultsMetadata& meta);
void write_analysis_h5(const std::string& path, const AnalysisResults& r, const ResultsMetadata& meta);

}  // namespace mdrun
