// `mdrun convert IN OUT [options]`: reads every configuration of IN (one structure, a multi-configuration
// .cfg, a multi-frame extxyz, an H5MD trajectory), optionally replicates each or removes atoms at random,
// and writes POSCAR, extended XYZ, MLIP .cfg, LAMMPS data, an H5MD trajectory or a LAMMPS dump. Formats that
// hold several configurations (extxyz, cfg, h5md, lammps-dump) get all of them; single-structure formats
// (POSCAR, LAMMPS data) need one, chosen with --frame.
#include <CLI/CLI.hpp>

#include <cmath>
#include <memory>
#include <cstdio>
#include <string>
#include <vector>

#include "engine/io/cfg_io.hpp"
#include "engine/core/error.hpp"
#include "engine/core/line_reader.hpp"
#include "engine/io/structure_io.hpp"
#include "engine/cli/subcommands.hpp"
#include "engine/io/trajectory.hpp"

namespace mdrun {

namespace {

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

struct ConvertArgs {
    std::string in, out;
    std::string in_format = "auto", out_format, elements, replicate, remove_spec;
    bool one_frame = false;  // --frame given
    long frame_index = 0;
};

int convert(const ConvertArgs& a) {
    const std::string& in = a.in;
    const std::string& out = a.out;
    const std::string& in_format = a.in_format;
    const std::string& out_format = a.out_format;
    const std::string& remove_spec = a.remove_spec;
    const bool one_frame = a.one_frame;
    const long frame_index = a.frame_index;
    const std::vector<std::string> elements = a.elements.empty() ? std::vector<std::string>{} : split_commas(a.elements);
    int rep[3] = {1, 1, 1};
    if (!a.replicate.empty()) {
        const auto parts = split_commas(a.replicate);
        long c;
        if (parts.size() != 3)
            throw UsageError("convert: --replicate expects a,b,c (three integers), got '" + a.replicate + "'");
        for (int k = 0; k < 3; ++k) {
            // Range-checked as a long before narrowing to int; the same limit as [structure].replicate.
            if (!parse_long(parts[k], c) || c < 1 || c > 1000)
                throw UsageError("convert: --replicate expects three integers in [1, 1000], got '" + a.replicate + "'");
            rep[k] = (int)c;
        }
    }

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
                throw UsageError("convert: --remove expects El:count:seed (e.g. Na:2:7), got '" + remove_spec + "'");
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

}  // namespace

cli::Action setup_convert(CLI::App& app) {
    auto a = std::make_shared<ConvertArgs>();
    app.add_option("in", a->in, "structure(s) to read: every configuration of a .cfg, every frame of an extxyz or H5MD file")
        ->required()
        ->type_name("IN");
    app.add_option("out", a->out, "file to write")->required()->type_name("OUT");
    app.add_option("--format", a->in_format, "format of IN (default auto: by extension, then content)")
        ->type_name("auto|poscar|extxyz|cfg|lammps-data|h5md");
    app.add_option("--elements", a->elements,
                   "element of each integer type (cfg: type 0,1,...; LAMMPS data: type 1,2,...)")
        ->type_name("Na,Cl");
    app.add_option("--replicate", a->replicate, "supercell a x b x c (of every configuration)")->type_name("a,b,c");
    app.add_option("--remove", a->remove_spec,
                   "remove `count` random atoms of element El with the given seed (after --replicate; the same atoms "
                   "in every configuration)")
        ->type_name("El:count:seed");
    app.add_option_function<long>(
           "--frame", [a](const long& k) { a->one_frame = true, a->frame_index = k; },
           "keep only configuration K (0-based; negative counts from the end, -1 = the last)")
        ->type_name("K");
    app.add_option("--out-format", a->out_format,
                   "default by OUT's extension: .h5/.h5md -> h5md, .xyz/.extxyz -> extxyz (one structure: wrapped; "
                   "several: a trajectory, as held), .cfg -> cfg (type = species index), .data/.lmp -> lammps-data, "
                   ".lammpstrj/.dump -> lammps-dump, POSCAR/CONTCAR/.vasp/.poscar -> poscar")
        ->type_name("poscar|extxyz|lammps-data|cfg|h5md|extxyz-trajectory|lammps-dump");
    return [a] { return convert(*a); };
}

}  // namespace mdrun
