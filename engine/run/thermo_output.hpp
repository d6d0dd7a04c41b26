// thermo.csv of one replica (../shared/docs/config.md): header
// `step,time_ps,temperature_K,kinetic_eV,potential_eV,total_eV,conserved_eV,pressure_bar` followed by the
// extra columns `close_pairs,neighbor_rebuilds`, for NPT runs the cell and pressure-tensor columns
// `volume_A3,lx_A,ly_A,lz_A,xy_A,xz_A,yz_A,pxx_bar,pyy_bar,pzz_bar,pxy_bar,pxz_bar,pyz_bar,ecouple_eV`, then
// `max_grade` with [extrapolation] and `stage` for staged protocols; numbers with 17 significant digits
// (%.17g, round-trips).
// On a restart the rows after the checkpoint step are dropped and the run appends, so the final file
// equals an uninterrupted run's byte for byte.
#pragma once
#include <cstdio>
#include <string>

#include "engine/md/backend.hpp"

namespace mdrun {

class ThermoWriter {
public:
    // resume_step < 0: create a new file (replacing any old one). resume_step >= 0: keep the header and
    // rows with step <= resume_step of the existing file (error if it is missing) and append after them.
    // cell_columns: the NPT columns (header_npt()); with_grade: `max_grade` (the latest extrapolation grade,
    // engine/run/extrapolation.hpp); stage_column: a last column `stage` (1-based [[stage]] of the row).
    ThermoWriter(const std::string& path, long resume_step, bool with_grade = false, bool cell_columns = false,
                 bool stage_column = false);
    ~ThermoWriter();
    ThermoWriter(const ThermoWriter&) = delete;
    ThermoWriter& operator=(const ThermoWriter&) = delete;

    void write(const ReplicaObservables& o, double time_ps, double grade = 0.0);
    void flush();
    const std::string& path() const { return path_; }

    static const char* header();
    static std::string header_npt();
    // One formatted row (no newline); shared with tests.
    static std::string format_row(const ReplicaObservables& o, double time_ps, bool cell_columns = false);

private:
    std::string path_;
    std::FILE* f_ = nullptr;
    bool cell_ = false;
    bool stage_ = false;
    bool with_grade_ = false;
};

}  // namespace mdrun
