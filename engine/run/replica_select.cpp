#include "engine/run/replica_select.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "engine/core/error.hpp"

namespace mdrun {

namespace {
int parse_index(const std::string& s, const std::string& text) {
    char* end = nullptr;
    const long v = std::strtol(s.c_str(), &end, 10);
    if (s.empty() || *end != '\0' || v < 1 || v > 1000000)
        throw Error("--replicas: expected replica numbers counted from 1, like 3,4 or 1-3,7; got '" + text + "'");
    return static_cast<int>(v);
}
}  // namespace

std::vector<int> parse_replica_list(const std::string& text) {
    std::vector<int> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t comma = text.find(',', start);
        const std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        const std::size_t dash = item.find('-');
        if (dash == std::string::npos) {
            out.push_back(parse_index(item, text));
        } else {
            const int a = parse_index(item.substr(0, dash), text), b = parse_index(item.substr(dash + 1), text);
            if (b < a) throw Error("--replicas: the range '" + item + "' runs backwards");
            for (int k = a; k <= b; ++k) out.push_back(k);
        }
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    std::sort(out.begin(), out.end());
    for (std::size_t i = 1; i < out.size(); ++i)
        if (out[i] == out[i - 1]) throw Error("--replicas: replica " + std::to_string(out[i]) + " is listed twice in '" + text + "'");
    return out;
}

void select_replicas(RunConfig& cfg, const std::vector<int>& idx) {
    const int n = static_cast<int>(cfg.replicas.size());
    std::vector<ReplicaConfig> keep;
    std::string tag = "replicas";
    for (int k : idx) {
        if (k > n)
            throw Error("--replicas " + std::to_string(k) + ": " + cfg.config_file + " has " + std::to_string(n) +
                        " [[replica]] table(s)");
        keep.push_back(cfg.replicas[static_cast<std::size_t>(k - 1)]);
        tag += "_" + std::to_string(k);
    }
    if (n == 1 && cfg.replicas[0].directory == cfg.output.directory) return;  // one replica: nothing to split
    cfg.replicas = keep;
    cfg.output.directory = (std::filesystem::path(cfg.output.directory) / tag).string();
}

}  // namespace mdrun
