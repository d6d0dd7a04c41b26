// Extended XYZ trajectory: one frame after another in one file (ASE reads it with index=":").
// Each comment line carries `step=<n> time_ps=<t>`; positions are written unwrapped (as the MD holds them),
// velocities as ASE momenta with a masses column (see write_extxyz.cpp). Each frame is flushed.
// Continuing after a checkpoint truncates the file before the first frame with step > resume_step.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/core/error.hpp"
#include "engine/core/line_reader.hpp"
#include "engine/io/structure_io.hpp"
#include "engine/io/trajectory.hpp"

namespace mdrun {

namespace {

// Byte offset of the first frame whose comment line has step > resume_step (the file size if none).
std::uintmax_t offset_after_step(const std::string& path, long resume_step) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path + ": cannot open the trajectory to continue it");
    std::string line;
    std::uintmax_t offset = 0;
    long lineno = 0;
    while (true) {
        const std::uintmax_t frame_start = offset;
        if (!std::getline(in, line)) return frame_start;
        ++lineno;
        offset += line.size() + 1;
        long n;
        const auto t = split_whitespace(line);
        if (t.empty()) continue;  // trailing blank line
        if (t.size() != 1 || !parse_long(t[0], n) || n < 0)
            throw input_error(path, lineno, "expected the atom count of a frame while looking for the restart step");
        // cut inside the first two lines of the last frame: a frame being written when the run was killed,
        // which is after the checkpoint (frames up to it were flushed before it was written)
        if (!std::getline(in, line) || in.eof()) return frame_start;
        ++lineno;
        offset += line.size() + 1;
        std::size_t p = line.rfind(" step=");
        p = p == std::string::npos ? (line.rfind("step=", 0) == 0 ? 0 : p) : p + 1;
        long step = -1;
        const auto st = p == std::string::npos ? std::vector<std::string>{} : split_whitespace(line.substr(p + 5));
        if (st.empty() || !parse_long(st[0], step))
            throw input_error(path, lineno, "frame without 'step=' in its comment line; cannot continue it");
        if (step > resume_step) return frame_start;
        // A frame at or before the checkpoint step was complete when the checkpoint was written (the writer
        // flushes first), so a short one is damage: refuse rather than drop frames the checkpoint vouches for.
        const auto damaged = [&] {
            return input_error(path, lineno, "the frame at step " + std::to_string(step) + " (at or before the checkpoint step " +
                                                 std::to_string(resume_step) + ") is incomplete: the trajectory was damaged "
                                                 "after it was written; restore it, or move it away to start a new one");
        };
        for (long i = 0; i < n; ++i) {
            if (!std::getline(in, line)) throw damaged();
            ++lineno;
            offset += line.size() + 1;
        }
        if (in.eof()) throw damaged();  // last line without its newline
    }
}

class ExtxyzWriter final : public TrajectoryWriter {
public:
    ExtxyzWriter(const std::string& path, long resume_step) : path_(path) {
        std::error_code ec;
        if (resume_step >= 0 && std::filesystem::exists(path, ec)) {
            const std::uintmax_t keep = offset_after_step(path, resume_step);
            std::filesystem::resize_file(path, keep, ec);
            if (ec) throw Error(path + ": cannot truncate the trajectory to continue it: " + ec.message());
            out_.open(path, std::ios::binary | std::ios::app);
        } else {
            out_.open(path, std::ios::binary | std::ios::trunc);
        }
        if (!out_) throw Error(path + ": cannot open the trajectory for writing (does the directory exist?)");
    }
    void write_frame(const System& sys, long step, double time_ps) override {
        char info[96];
        std::snprintf(info, sizeof info, "step=%ld time_ps=%.17g", step, time_ps);
        std::ostringstream frame;  // a frame goes out in one write, so a kill rarely leaves half a frame
        write_extxyz_frame(frame, sys, info, false);
        out_ << frame.str();
        flush();
    }
    void flush() override {
        out_.flush();
        if (!out_) throw Error(path_ + ": writing the trajectory failed (disk full?)");
    }

private:
    std::string path_;
    std::ofstream out_;
};

}  // namespace

std::unique_ptr<TrajectoryWriter> open_extxyz_trajectory(const std::string& path, const System&, long resume_step) {
    return std::make_unique<ExtxyzWriter>(path, resume_step);
}

}  // namespace mdrun
