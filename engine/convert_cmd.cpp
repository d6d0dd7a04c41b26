// `mdrun convert IN OUT [options]`: reads a structure in any supported format, optionally replicates it or
// removes atoms at random, and writes POSCAR, extended XYZ, MLIP .cfg, or a one-frame H5MD/extxyz trajectory.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
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
};

int convert(const ConvertArgs& a) {
    const std::string& in = a.in;
    const std::string& out = a.out;
    const std::string& in_format = a.in_format;
    const std::string& out_format = a.out_format;
    const std::string& remove_spec = a.remove_spec;
    const std::vector<std::string> elements = a.elements.empty() ? std::vector<std::string>{} : split_commas(a.elements);
    int rep[3] = {1, 1, 1};
    if (!a.replicate.empty()) {
        const auto parts = split_commas(a.replicate);
        long c;
        if (parts.size() != 3)
            throw UsageError("convert: --replicate expects a,b,c (three integers), got '" + a.replicate + "'");
        for (int k = 0; k < 3; ++k) {
            if (!parse_long(parts[k], c) || c < 1)
                throw UsageError("convert: --replicate expects three integers >= 1, got '" + a.replicate + "'");
            rep[k] = (int)c;
        }
    }

    System sys = read_structure(in, in_format, elements);
    replicate(sys, rep[0], rep[1], rep[2]);
    if (!remove_spec.empty()) {
        std::string spec = remove_spec;  // El:count:seed (commas accepted too)
        for (char& c : spec)
            if (c == ':') c = ',';
        const auto parts = split_commas(spec);
        long count, seed;
        if (parts.size() != 3 || !parse_long(parts[1], count) || !parse_long(parts[2], seed) || seed < 0)
            throw UsageError("convert: --remove expects El:count:seed (e.g. Na:2:7), got '" + remove_spec + "'");
        remove_random(sys, parts[0], count, (std::uint64_t)seed);
    }

    const std::string fmt = out_format.empty() ? output_format_of(out) : out_format;
    if (fmt == "poscar") {
        write_poscar(out, sys);
    } else if (fmt == "extxyz") {
        write_extxyz(out, sys);
    } else if (fmt == "h5md" || fmt == "extxyz-trajectory") {
        auto traj = open_trajectory(out, fmt == "h5md" ? "h5md" : "extxyz", sys, -1);
        traj->write_frame(sys, 0, 0.0);
        traj->flush();
    } else if (fmt == "lammps-data") {
        write_lammps_data(out, sys);
    } else if (fmt == "cfg") {
        CfgConfig c;
        c.lattice = sys.box.h;
        c.has_lattice = sys.box.periodic[0] || sys.box.periodic[1] || sys.box.periodic[2];
        c.id = sys.id;
        c.type = sys.type;
        c.pos = sys.pos;
        write_cfg_file(out, {c});
    } else {
        throw Error("convert: unknown output format '" + fmt + "' (poscar, extxyz, lammps-data, cfg, h5md, extxyz-trajectory)");
    }
    std::fprintf(stderr, "convert: %zu atoms (%s) -> %s [%s]\n", sys.size(), in.c_str(), out.c_str(), fmt.c_str());
    return 0;
}

}  // namespace

cli::Action setup_convert(CLI::App& app) {
    auto a = std::make_shared<ConvertArgs>();
    app.add_option("in", a->in, "structure to read")->required()->type_name("IN");
    app.add_option("out", a->out, "file to write")->required()->type_name("OUT");
    app.add_option("--format", a->in_format, "format of IN (default auto: by extension, then content)")
        ->type_name("auto|poscar|extxyz|cfg|lammps-data");
    app.add_option("--elements", a->elements,
                   "element of each integer type (cfg: type 0,1,...; LAMMPS data: type 1,2,...)")
        ->type_name("Na,Cl");
    app.add_option("--replicate", a->replicate, "supercell a x b x c")->type_name("a,b,c");
    app.add_option("--remove", a->remove_spec,
                   "remove `count` random atoms of element El with the given seed (after --replicate)")
        ->type_name("El:count:seed");
    app.add_option("--out-format", a->out_format,
                   "default by OUT's extension: .h5/.h5md -> h5md (one frame, step 0), .xyz/.extxyz -> extxyz, "
                   ".cfg -> cfg (type = species index), .data/.lmp -> lammps-data, POSCAR/CONTCAR/.vasp/.poscar -> poscar")
        ->type_name("poscar|extxyz|lammps-data|cfg|h5md|extxyz-trajectory");
    return [a] { return convert(*a); };
}

}  // namespace mdrun
