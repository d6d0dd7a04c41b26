// LAMMPS text dump trajectory (`trajectory_format = "lammps-dump"`), the format OVITO, VMD and ASE
// (format "lammps-dump-text") read as LAMMPS users know it. Per frame:
//   ITEM: TIMESTEP / ITEM: NUMBER OF ATOMS / ITEM: BOX BOUNDS [xy xz yz] pp pp pp / ITEM: ATOMS id type
//   element xu yu zu vx vy vz
// Units "metal": Å and Å/ps. Positions are unwrapped (as the MD holds them: xu yu zu), in the LAMMPS frame
// (the cell rotated to a = (lx,0,0), b = (xy,ly,0), c = (xz,yz,lz), see lammps_cell.hpp); `type` is the
// species index + 1 and `element` names it. Each frame is written in one piece and flushed. Continuing
// after a checkpoint truncates the file before the first frame with TIMESTEP > resume_step.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

#include "engine/core/error.hpp"
#include "engine/core/lammps_cell.hpp"
#include "engine/core/line_reader.hpp"
#include "engine/io/number_format.hpp"
#include "engine/io/trajectory.hpp"

namespace mdrun {

namespace {

// Byte offset of the first frame with TIMESTEP > resume_step (the file size if none). Frames up to the checkpoint
// step must be complete (the writer flushed them before the checkpoint): anything else there is damage and an
// error naming the line; only frames after the checkpoint step are cut.
std::uintmax_t dump_offset_after_step(const std::string& path, long resume_step) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path + ": cannot open the trajectory to continue it");
    std::string line;
    std::uintmax_t offset = 0;
    long lineno = 0;
    const auto next = [&](std::uintmax_t* start) {
        if (start) *start = offset;
        if (!std::getline(in, line)) return false;
        ++lineno;
        offset += line.size() + 1;
        return !in.eof();  // a last line without its newline is incomplete
    };
    const auto damaged = [&](const std::string& what) {
        return input_error(path, lineno, what + ": the trajectory was damaged after it was written (frames up to the "
                                             "checkpoint step " + std::to_string(resume_step) + " must be intact); "
                                             "restore it, or move it away to start a new one");
    };
    while (true) {
        std::uintmax_t frame_start = 0;
        if (!next(&frame_start)) {
            if (line.empty() && in.eof()) return frame_start;  // end of file
            throw damaged("incomplete last line");
        }
        if (line.empty()) continue;
        if (line.rfind("ITEM: TIMESTEP", 0) != 0) throw damaged("expected 'ITEM: TIMESTEP'");
        long step = 0, n = 0;
        if (!next(nullptr)) {
            if (in.eof() && line.empty()) return frame_start;  // cut right after the item line: past the checkpoint
            throw damaged("incomplete TIMESTEP");
        }
        auto t = split_whitespace(line);
        if (t.size() != 1 || !parse_long(t[0], step)) throw damaged("expected the TIMESTEP value");
        if (step > resume_step) return frame_start;
        if (!next(nullptr) || line.rfind("ITEM: NUMBER OF ATOMS", 0) != 0) throw damaged("expected 'ITEM: NUMBER OF ATOMS'");
        if (!next(nullptr)) throw damaged("incomplete atom count");
        t = split_whitespace(line);
        if (t.size() != 1 || !parse_long(t[0], n) || n < 0) throw damaged("expected the number of atoms");
        if (!next(nullptr) || line.rfind("ITEM: BOX BOUNDS", 0) != 0) throw damaged("expected 'ITEM: BOX BOUNDS'");
        for (int k = 0; k < 3; ++k)
            if (!next(nullptr)) throw damaged("incomplete box bounds");
        if (!next(nullptr) || line.rfind("ITEM: ATOMS", 0) != 0) throw damaged("expected 'ITEM: ATOMS'");
        for (long i = 0; i < n; ++i)
            if (!next(nullptr)) throw damaged("incomplete frame at step " + std::to_string(step));
    }
}

class LammpsDumpWriter final : public TrajectoryWriter {
public:
    LammpsDumpWriter(const std::string& path, const System& initial, long resume_step) : path_(path) {
        (void)lammps_cell(initial.box, path);  // reject non-periodic or left-handed cells before the run
        std::error_code ec;
        if (resume_step >= 0 && std::filesystem::exists(path, ec)) {
            const std::uintmax_t keep = dump_offset_after_step(path, resume_step);
            std::filesystem::resize_file(path, keep, ec);
            if (ec) throw Error(path + ": cannot truncate the trajectory to continue it: " + ec.message());
            out_.open(path, std::ios::binary | std::ios::app);
        } else {
            out_.open(path, std::ios::binary | std::ios::trunc);
        }
        if (!out_) throw Error(path + ": cannot open the trajectory for writing (does the directory exist?)");
    }

    void write_frame(const System& sys, long step, double /*time_ps*/) override {
        using namespace numfmt;
        const LammpsCell lc = lammps_cell(sys.box, path_);
        const std::size_t n = sys.size();
        std::string out;  // the frame goes out in one write, so a kill rarely leaves half a frame
        out.reserve(512 + n * (2 * kMaxIntChars + 6 * (kMaxNumberChars + 1) + 8));
        out += "ITEM: TIMESTEP\n" + std::to_string(step) + "\nITEM: NUMBER OF ATOMS\n" + std::to_string(n) + "\n";
        const double lx = lc.h.m[0][0], ly = lc.h.m[1][1], lz = lc.h.m[2][2];
        // The characters of printf("%.17g") for every number (number_format.hpp), so files written before and
        // after the switch from snprintf, and the two halves of a continued run, read and diff alike.
        const auto line = [&out](std::initializer_list<double> nums) {
            const char* sep = "";
            for (double u : nums) {
                out += sep;
                append_g17(out, u);
                sep = " ";
            }
            out += '\n';
        };
        if (lc.tilted) {
            const double xy = lc.h.m[1][0], xz = lc.h.m[2][0], yz = lc.h.m[2][1];
            const double xlo = std::min({0.0, xy, xz, xy + xz}), xhi = lx + std::max({0.0, xy, xz, xy + xz});
            const double ylo = std::min(0.0, yz), yhi = ly + std::max(0.0, yz);
            out += "ITEM: BOX BOUNDS xy xz yz pp pp pp\n";
            line({xlo, xhi, xy});
            line({ylo, yhi, xz});
            line({0.0, lz, yz});
        } else {
            out += "ITEM: BOX BOUNDS pp pp pp\n";
            line({0.0, lx});  // "0 %.17g": %.17g of 0.0 is "0"
            line({0.0, ly});
            line({0.0, lz});
        }
        out += "ITEM: ATOMS id type element xu yu zu vx vy vz\n";
        // " <type> <element>" is the same for every atom of a species: built once per frame, not per atom.
        std::vector<std::string> type_text(sys.species.size());
        for (std::size_t t = 0; t < type_text.size(); ++t) type_text[t] = " " + std::to_string(t + 1) + " " + sys.species[t];
        const bool has_v = sys.vel.size() == n;
        char buf[6 * (kMaxNumberChars + 1) + 2];
        for (std::size_t i = 0; i < n; ++i) {
            const Vec3 x = to_lammps_frame(sys.box, lc, sys.pos[i]);
            const Vec3 v = has_v ? to_lammps_frame(sys.box, lc, sys.vel[i]) : Vec3{0, 0, 0};
            const long id = sys.id.size() == n ? sys.id[i] : static_cast<long>(i) + 1;
            char* const end = buf + sizeof buf;
            out.append(buf, put_int(buf, end, id));
            out += type_text[static_cast<std::size_t>(sys.type[i])];
            char* p = buf;
            for (double u : {x.x, x.y, x.z, v.x, v.y, v.z}) p = put_g17(put_char(p, ' '), end, u);
            p = put_char(p, '\n');
            out.append(buf, p);
        }
        out_.write(out.data(), static_cast<std::streamsize>(out.size()));
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

std::unique_ptr<TrajectoryWriter> open_lammps_dump_trajectory(const std::string& path, const System& initial,
                                                              long resume_step) {
    return std::make_unique<LammpsDumpWriter>(path, initial, resume_step);
}

}  // namespace mdrun
