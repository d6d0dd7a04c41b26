#include "engine/cli/grade_cli.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>

#include "engine/core/error.hpp"

namespace mdrun {

GradeCliArgs parse_grade_cli(const std::vector<std::string>& args, const std::vector<std::string>& allowed,
                             const char* command, const char* usage) {
    GradeCliArgs out;
    for (size_t k = 0; k < args.size(); ++k) {
        const std::string& a = args[k];
        if (a == "--help" || a == "-h") {
            out.help = true;
            continue;
        }
        if (a.size() > 2 && a.compare(0, 2, "--") == 0) {
            std::string name = a.substr(2), value;
            const auto eq = name.find('=');
            if (eq != std::string::npos) {
                value = name.substr(eq + 1);
                name = name.substr(0, eq);
            } else {
                if (k + 1 >= args.size())
                    throw Error(std::string(command) + ": option --" + name + " needs a value (" + usage + ")");
                value = args[++k];
            }
            if (std::find(allowed.begin(), allowed.end(), name) == allowed.end())
                throw Error(std::string(command) + ": unknown option '--" + name + "' (" + usage + ")");
            out.opts[name] = value;
            continue;
        }
        if (a.size() > 1 && a[0] == '-') throw Error(std::string(command) + ": unknown option '" + a + "' (" + usage + ")");
        out.positional.push_back(a);
    }
    return out;
}

double option_number(const GradeCliArgs& a, const std::string& name, double def, const char* command) {
    const auto it = a.opts.find(name);
    if (it == a.opts.end()) return def;
    try {
        size_t used = 0;
        const double v = std::stod(it->second, &used);
        if (used == it->second.size() && std::isfinite(v)) return v;
    } catch (const std::exception&) {
    }
    throw Error(std::string(command) + ": --" + name + " expects a number, found '" + it->second + "'");
}

GradeWeights weights_from_cli(const GradeCliArgs& a, const char* command) {
    GradeWeights w;
    w.site = option_number(a, "nbh-weight", 0.0, command);
    w.energy = option_number(a, "energy-weight", 1.0, command);
    w.force = option_number(a, "force-weight", 0.0, command);
    w.stress = option_number(a, "stress-weight", 0.0, command);
    check_grade_weights(w, command);
    return w;
}

MaxVolThresholds thresholds_from_cli(const GradeCliArgs& a, const char* command) {
    MaxVolThresholds t;
    t.init = option_number(a, "init-threshold", t.init, command);
    t.select = option_number(a, "select-threshold", t.select, command);
    t.swap = option_number(a, "swap-threshold", t.swap, command);
    if (!(t.init > 0.0) || !(t.select > 1.0) || !(t.swap > 1.0))
        throw Error(std::string(command) + ": thresholds must satisfy init > 0, select > 1, swap > 1");
    return t;
}

std::string read_text_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path + ": cannot open");
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

bool looks_like_als(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::string head(16384, '\0');
    in.read(&head[0], static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<size_t>(in.gcount()));
    if (head.compare(0, 3, "MTP") != 0) return false;
    if (head.find('^') != std::string::npos) return true;
    // Large potentials: look further.
    char c;
    while (in.get(c))
        if (c == '^') return true;
    return false;
}

}  // namespace mdrun
