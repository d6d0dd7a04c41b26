// `mdrun convert IN OUT [options]`: reads every configuration of IN (one structure, a multi-configuration
// .cfg, a multi-frame extxyz, an H5MD trajectory), optionally replicates each or removes atoms at random,
// and writes POSCAR, extended XYZ, MLIP .cfg, LAMMPS data, an H5MD trajectory or a LAMMPS dump. Formats that
// hold several configurations (extxyz, cfg, h5md, lammps-dump) get all of them; single-structure formats
// (POSCAR, LAMMPS data) need one, chosen with --frame.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "engine/cfg_io.hpp"
#include "engine/error.hpp"
#include "engine/line_reader.hpp"
#include "engine/structure_io.hpp"
#include "engine/subcommands.hpp"
#include "engine/trajectory.hpp"

namespace mdrun {

namespace {

const char* kUsage =
    "usage: mdrun convert IN OUT [--format auto|poscar|extxyz|cfg|lammps-data|h5md] [--elements Na,Cl]\n"
    "                            [--replicate a,b,c] [--remove El:count:seed] [--frame K]\n"
    "                            [--out-format poscar|extxyz|lammps-data|cfg|h5md|extxyz-trajectory|lammps-dump]\n"
    "  --format      format of IN (default auto: by extension, then content); every configuration of a .cfg,\n"
    "                every frame of an extxyz or H5MD file is read\n"
    "  --frame K     keep only configuration K (0-based; negative counts from the end, -1 = last)\n"
    "  --elements    element of each integer type (cfg: type 0,1,...; LAMMPS data: type 1,2,...)\n"
    "  --replicate   supercell a x b x c\n"
    "  --remove      remove `count` random atoms of element El with the given seed (after replicate)\n"
    "  --out-format  default by OUT's extension: .h5/.h5md -> h5md, .xyz/.extxyz -> extxyz (one structure:\n"
    "                wrapped; several: a trajectory, as held), .cfg -> cfg (type = species index),\n"
    "                .data/.lmp -> lammps-data, .lammpstrj/.dump -> lammps-dump,\n"
    "                POSCAR/CONTCAR/.vasp/.poscar -> poscar\n";

std::vector<std::string> split_commas(const std::string& s) {
    std::vector<std::string> out;
    std::size_t a = 0;
    while (true) {
        const std::size_t b = s.find(',', a);
        out.push_back(s.substr(a, b == std::string::npos ? std::string::npos : b - a));
        if (b == std::string::npos) break;
        a = b + 1;
    }
    return out;
}

std::string lower(std::string s) {
    for (char& c : s) c = (char)std::tolower((unsigned char)c);
    return s;
}

std::string output_format_of(const std::string& path) {
    const std::string p = lower(path);
    auto ends = [&](const char* suf) {
        const std::string s(suf);
        return p.size() >= s.size() && p.compare(p.size() - s.size(), s.size(), s) == 0;
    };
    if (ends(".h5md") || ends(".h5")) return "h5md";
    if (ends(".xyz") || ends(".extxyz")) return "extxyz";
    if (ends(".cfg")) return "cfg";
    if (ends(".data") || ends(".lmp") || ends(".lammps")) return "lammps-data";
    if (ends(".lammpstrj") || ends(".dump")) return "lammps-dump";
    const std::size_t slash = p.find_last_of('/');
    const std::string base = slash == std::string::npos ? p : p.substr(slash + 1);
    if (ends(".vasp") || ends(".poscar") || base.find("poscar") != std::string::npos ||
        base.find("contcar") != std::string::npos)
        return "poscar";
    throw Error("convert: cannot tell the output format from '" + path + "'; use --out-format");
}

}  // namespace

int cmd_convert(const std::vector<std::string>& args) {
    std::vector<std::string> positional;
    std::string in_format = "auto", out_format;
    std::vector<std::string> elements;
    int rep[3] = {1, 1, 1};
    std::string remove_spec;
    bool one_frame = false;
    long frame_index = 0;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= args.size()) throw Error("convert: option " + a + " needs a value\n" + kUsage);
            return args[++i];
        };
        if (a == "--help" || a == "-h") {
            std::printf("%s", kUsage);
            return 0;
        } else if (a == "--format") {
            in_format = value();
        } else if (a == "--out-format") {
            out_format = value();
        } else if (a == "--elements") {
            elements = split_commas(value());
        } else if (a == "--replicate") {
            const std::string v = value();
            const auto parts = split_commas(v);
            long c;
            if (parts.size() != 3) throw Error("convert: --replicate expects a,b,c (three integers), got '" + v + "'");
            for (int k = 0; k < 3; ++k) {
                if (!parse_long(parts[k], c) || c < 1)
                    throw Error("convert: --replicate expects three integers >= 1, got '" + v + "'");
                rep[k] = (int)c;
            }
        } else if (a == "--remove") {
            remove_spec = value();
        } else if (a == "--frame") {
            const std::string v = value();
            if (!parse_long(v, frame_index)) throw Error("convert: --frame expects an integer, got '" + v + "'");
            one_frame = true;
        } else if (!a.empty() && a[0] == '-') {
            throw Error("convert: unknown option '" + a + "'\n" + kUsage);
        } else {
            positional.push_back(a);
        }
    }
    if (positional.size() != 2) throw Error(std::string("convert: expected IN and OUT\n") + kUsage);
    const std::string& in = positional[0];
    const std::string& out = positional[1];

    std::vector<StructureFrame> frames = read_structure_frames(in, in_format, elements);
    if (one_frame) {
        const long nf = static_cast<long>(frames.size());
        const long k = frame_index < 0 ? nf + frame_index : frame_index;
        if (k < 0 || k >= nf)
            throw Error("convert: --frame " + std::to_string(frame_index) + " is out of range: " + in + " has " +
                        std::to_string(nf) + " configuration(s)");
        StructureFrame f = std::move(frames[static_cast<std::size_t>(k)]);
        frames.clear();
        frames.push_back(std::move(f));
    }
    for (StructureFrame& f : frames) {
        System& sys = f.sys;
        replicate(sys, rep[0], rep[1], rep[2]);
        if (!remove_spec.empty()) {
            std::string spec = remove_spec;  // El:count:seed (commas accepted too)
            for (char& c : spec)
                if (c == ':') c = ',';
            const auto parts = split_commas(spec);
            long count, seed;
            if (parts.size() != 3 || !parse_long(parts[1], count) || !parse_long(parts[2], seed) || seed < 0)
                throw Error("convert: --remove expects El:count:seed (e.g. Na:2:7), got '" + remove_spec + "'");
            remove_random(sys, parts[0], count, (std::uint64_t)seed);  // same atoms in every frame
        }
    }
    const System& sys = frames.front().sys;

    std::string fmt = out_format.empty() ? output_format_of(out) : out_format;
    if (fmt == "extxyz" && frames.size() > 1) fmt = "extxyz-trajectory";
    const bool multi = frames.size() > 1;
    if (multi && (fmt == "poscar" || fmt == "lammps-data"))
        throw Error("convert: " + in + " has " + std::to_string(frames.size()) + " configurations but " + fmt +
                    " holds one; choose one with --frame K (-1 = the last) or write extxyz, cfg, h5md or lammps-dump");
    if (fmt == "poscar") {
        write_poscar(out, sys);
    } else if (fmt == "extxyz") {
        write_extxyz(out, sys);
    } else if (fmt == "h5md" || fmt == "extxyz-trajectory" || fmt == "lammps-dump") {
        auto traj = open_trajectory(out, fmt == "extxyz-trajectory" ? "extxyz" : fmt, sys, -1);
        for (std::size_t k = 0; k < frames.size(); ++k) {
            const StructureFrame& f = frames[k];
            if (f.sys.size() != sys.size() && fmt == "h5md")
                throw Error("convert: configuration " + std::to_string(k) + " of " + in + " has " +
                            std::to_string(f.sys.size()) + " atoms, the first " + std::to_string(sys.size()) +
                            "; an H5MD trajectory has one atom count (write extxyz, cfg or lammps-dump)");
            if (f.sys.species != sys.species && fmt == "h5md")
                throw Error("convert: configuration " + std::to_string(k) + " of " + in +
                            " has other species than the first; an H5MD trajectory has one species list");
            const long step = f.step >= 0 ? f.step : static_cast<long>(k);
            traj->write_frame(f.sys, step, std::isnan(f.time_ps) ? 0.0 : f.time_ps);
        }
        traj->flush();
    } else if (fmt == "lammps-data") {
        write_lammps_data(out, sys);
    } else if (fmt == "cfg") {
        std::vector<CfgConfig> cfgs;
        for (const StructureFrame& f : frames) {
            CfgConfig c;
            c.lattice = f.sys.box.h;
            c.has_lattice = f.sys.box.periodic[0] || f.sys.box.periodic[1] || f.sys.box.periodic[2];
            c.id = f.sys.id;
            c.type = f.sys.type;
            c.pos = f.sys.pos;
            cfgs.push_back(std::move(c));
        }
        write_cfg_file(out, cfgs);
    } else {
        throw Error("convert: unknown output format '" + fmt +
                    "' (poscar, extxyz, lammps-data, cfg, h5md, extxyz-trajectory, lammps-dump)");
    }
    if (multi)
        std::fprintf(stderr, "convert: %zu configurations of %zu atoms (%s) -> %s [%s]\n", frames.size(), sys.size(),
                     in.c_str(), out.c_str(), fmt.c_str());
    else
        std::fprintf(stderr, "convert: %zu atoms (%s) -> %s [%s]\n", sys.size(), in.c_str(), out.c_str(), fmt.c_str());
    return 0;
}

}  // namespace mdrun
