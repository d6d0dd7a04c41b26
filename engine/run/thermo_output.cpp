#include "engine/run/thermo_output.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "engine/core/atomic_file.hpp"
#include "engine/core/error.hpp"

namespace mdrun {

const char* ThermoWriter::header() {
    return "step,time_ps,temperature_K,kinetic_eV,potential_eV,total_eV,conserved_eV,pressure_bar,close_pairs,"
           "neighbor_rebuilds";
}

std::string ThermoWriter::header_npt() {
    return std::string(header()) +
           ",volume_A3,lx_A,ly_A,lz_A,xy_A,xz_A,yz_A,pxx_bar,pyy_bar,pzz_bar,pxy_bar,pxz_bar,pyz_bar,ecouple_eV";
}

std::string ThermoWriter::format_row(const ReplicaObservables& o, double time_ps, bool cell_columns) {
    char buf[1024];
    int len = std::snprintf(buf, sizeof buf, "%ld,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%ld,%ld", o.step, time_ps,
                            o.temperature_K, o.kinetic_eV, o.potential_eV, o.total_eV, o.conserved_eV, o.pressure_bar,
                            o.close_pairs, o.neighbor_rebuilds);
    if (cell_columns) {
        const double* c = o.cell;
        const double* p = o.pressure_tensor_bar;
        std::snprintf(buf + len, sizeof buf - static_cast<std::size_t>(len),
                      ",%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g", o.volume_A3,
                      c[0], c[1], c[2], c[3], c[4], c[5], p[0], p[1], p[2], p[3], p[4], p[5], o.ecouple_eV);
    }
    return buf;
}

ThermoWriter::ThermoWriter(const std::string& path, long resume_step, bool with_grade, bool cell_columns,
                           bool stage_column)
    : path_(path), cell_(cell_columns), stage_(stage_column), with_grade_(with_grade) {
    const std::string head = (cell_columns ? header_npt() : std::string(header())) + (with_grade ? ",max_grade" : "") +
                             (stage_column ? ",stage" : "");
    if (resume_step >= 0) {
        // Keep the rows up to the checkpoint step; rewrite atomically so a crash here loses nothing. Rows
        // after the checkpoint step are dropped, and so is a last line without its newline: a run killed (or
        // out of disk space) while writing a row leaves it torn, and even a torn row with a small step
        // ("1" of "120,...") is not a row the checkpoint has seen.
        std::ifstream in(path, std::ios::binary);
        if (!in) throw Error(path + ": cannot read thermo.csv to continue it (restart needs the run's output directory)");
        std::ostringstream all;
        all << in.rdbuf();
        const std::string text = all.str();
        std::string line, kept;
        bool first = true;
        long lineno = 0;
        for (std::size_t pos = 0; pos < text.size();) {
            const std::size_t nl = text.find('\n', pos);
            if (nl == std::string::npos) break;  // torn last line
            line = text.substr(pos, nl - pos);
            pos = nl + 1;
            ++lineno;
            if (first) {
                if (line != head)
                    throw input_error(path, lineno,
                                      "unexpected thermo.csv header (expected '" + head +
                                          "'; adding or removing [extrapolation] on a restart changes the columns)");
                kept += line + "\n";
                first = false;
                continue;
            }
            if (line.empty()) continue;
            char* end = nullptr;
            const long step = std::strtol(line.c_str(), &end, 10);
            if (end == line.c_str() || *end != ',') throw input_error(path, lineno, "malformed thermo.csv row");
            if (step > resume_step) break;
            kept += line + "\n";
        }
        if (first) throw input_error(path, 0, "thermo.csv is empty");
        write_file_atomically(path, [&](std::ostream& os) { os << kept; });
        f_ = std::fopen(path.c_str(), "a");
    } else {
        write_file_atomically(path, [&](std::ostream& os) { os << head << "\n"; });
        f_ = std::fopen(path.c_str(), "a");
    }
    if (!f_) throw Error(path + ": cannot open for writing: " + std::strerror(errno));
}

ThermoWriter::~ThermoWriter() {
    if (f_) std::fclose(f_);
}

void ThermoWriter::write(const ReplicaObservables& o, double time_ps, double grade) {
    if (cell_ && !o.has_cell) throw Error(path_ + ": internal error: this backend gives no cell for the thermo row");
    std::string row = format_row(o, time_ps, cell_);
    if (with_grade_) {
        char buf[40];
        std::snprintf(buf, sizeof buf, ",%.17g", grade);
        row += buf;
    }
    if (stage_) row += "," + std::to_string(o.stage);
    if (std::fprintf(f_, "%s\n", row.c_str()) < 0) throw Error(path_ + ": write failed: " + std::strerror(errno));
}

void ThermoWriter::flush() {
    if (std::fflush(f_) != 0) throw Error(path_ + ": write failed: " + std::strerror(errno));
}

}  // namespace mdrun
