// libFuzzer target: the whole checkpoint restore path behind the CRCs. fuzz_checkpoint mutates raw bytes, so
// nearly every input dies at a CRC32 check; here a custom mutator (LLVMFuzzerCustomMutator) changes the
// payload of one section and re-encodes the file with correct lengths and CRC32s (checkpoint_format.hpp), so
// the inputs reach what a hand-edited checkpoint reaches: parse_checkpoint's range checks, the restart input
// checks, Backend::load (positions, velocities, thermostat chains, neighbour-list state), the safety counters
// and AnalysisSet::load with every analysis that keeps state (fuzz/restore/config.toml: MSD blocks,
// reorientation, VACF, angular VACF, orientation density, hop detector, CNA tracker). A restored state is then
// used as a run would use it: two steps, one analysis sample, the analysis results written.
//
// The base checkpoint is made at start-up by a real run of that config (run_md, into a scratch directory),
// and it is the seed: inputs that are not checkpoints of this run start from it again.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "analysis/analysis_set.hpp"
#include "engine/core/config.hpp"
#include "engine/core/error.hpp"
#include "engine/md/backend.hpp"
#include "engine/run/build_replicas.hpp"
#include "engine/run/checkpoint.hpp"
#include "engine/run/checkpoint_format.hpp"
#include "engine/run/restart_inputs.hpp"
#include "engine/run/run_loop.hpp"

#ifndef MDRUN_FUZZ_RESTORE_CONFIG
#error "MDRUN_FUZZ_RESTORE_CONFIG (the path of fuzz/restore/config.toml) is set by fuzz/CMakeLists.txt"
#endif

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

namespace {

namespace fs = std::filesystem;

struct Base {
    std::string config_path, config_text, scratch;
    mdrun::RunConfig cfg;
    std::vector<mdrun::InputDigest> inputs;
    std::string checkpoint;  // the base checkpoint's bytes
};

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The config with its output directory moved to a scratch directory (the source tree stays clean).
Base make_base() {
    Base b;
    b.config_path = MDRUN_FUZZ_RESTORE_CONFIG;
    const std::string text = read_all(b.config_path);
    const char* tmp = std::getenv("TMPDIR");
    std::string dir = std::string(tmp && *tmp ? tmp : "/tmp") + "/mdrun_fuzz_restore_XXXXXX";
    if (!mkdtemp(dir.data())) std::abort();
    b.scratch = dir;
    const std::string key = "directory = \"out\"";
    const std::size_t at = text.find(key);
    if (at == std::string::npos) std::abort();
    b.config_text = text.substr(0, at) + "directory = \"" + dir + "/out\"" + text.substr(at + key.size());
    mdrun::RunOptions opt;
    opt.config_path = b.config_path;
    opt.config_text = b.config_text;
    opt.device = "cpu";
    opt.quiet = true;
    mdrun::run_md(opt);
    b.checkpoint = read_all(dir + "/out/checkpoint.mdrun");
    fs::create_directories(dir + "/results");
    b.cfg = mdrun::parse_config(b.config_text, b.config_path);
    b.inputs = mdrun::input_digests(b.cfg);
    return b;
}

const Base& base() {
    static const Base b = make_base();
    return b;
}

// Values that break counts, indices and lengths; written over a field-sized piece of a payload.
void overwrite(std::string& p, std::mt19937_64& rng) {
    if (p.empty()) return;
    static const std::int64_t ints[] = {0, 1, -1, 2, 3, 7, 8, 16, 17, 255, 256, 65535, 1000, 1000000,
                                        0x7fffffff, -0x80000000LL, 0x7fffffffffffffffLL, 1LL << 32, 1LL << 40,
                                        1LL << 60};
    static const double reals[] = {0.0, -0.0, 1.0, -1.0, 0.5, 1e-300, 1e300, -1e300, 1e10, 1e6, 1e-3};
    const int width_pick = static_cast<int>(rng() % 5);
    const std::size_t width = width_pick == 0 ? 1 : width_pick == 1 ? 4 : 8;
    if (p.size() < width) return;
    // Fields are 1, 4 or 8 bytes at any offset (strings and vectors are u64 length + data, unaligned).
    const std::size_t off = rng() % (p.size() - width + 1);
    unsigned char buf[8];
    if (width_pick == 4) {
        double v = reals[rng() % (sizeof reals / sizeof reals[0])];
        if (rng() % 4 == 0) v = std::numeric_limits<double>::quiet_NaN();
        if (rng() % 8 == 0) v = std::numeric_limits<double>::infinity();
        std::memcpy(buf, &v, 8);
    } else {
        std::int64_t v = ints[rng() % (sizeof ints / sizeof ints[0])];
        if (width_pick == 3) {  // a small change of what is there (an index off by a few)
            std::int64_t old = 0;
            std::memcpy(&old, p.data() + off, width);
            v = static_cast<std::int64_t>(static_cast<std::uint64_t>(old) + rng() % 9 - 4);  // wraps, no UB
        }
        if (width == 4) {
            const std::int32_t v32 = static_cast<std::int32_t>(v);
            std::memcpy(buf, &v32, 4);
        } else if (width == 1) {
            buf[0] = static_cast<unsigned char>(v);
        } else {
            std::memcpy(buf, &v, 8);
        }
    }
    std::memcpy(&p[off], buf, width);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    base();
    return 0;
}

// Mutates the payload of one section (mostly a replica's: dynamics and analysis state) and re-encodes the file
// with correct lengths and CRC32s.
extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
    std::mt19937_64 rng(seed);
    std::vector<mdrun::CheckpointSection> sections;
    try {
        sections = mdrun::decode_checkpoint_sections(std::string(reinterpret_cast<char*>(data), size), "mutator");
    } catch (const mdrun::Error&) {
        sections = mdrun::decode_checkpoint_sections(base().checkpoint, "base");
    }
    if (sections.empty()) return 0;
    std::vector<std::size_t> replicas;
    for (std::size_t k = 0; k < sections.size(); ++k)
        if (sections[k].name == "replica") replicas.push_back(k);
    const std::size_t k = !replicas.empty() && rng() % 8 != 0 ? replicas[rng() % replicas.size()]
                                                              : rng() % sections.size();
    std::string& p = sections[k].payload;
    const int rounds = 1 + static_cast<int>(rng() % 3);
    for (int i = 0; i < rounds; ++i) {
        if (rng() % 3 == 0 && !p.empty()) {  // libFuzzer's own byte-level mutations, on the payload only
            std::string buf = p;
            buf.resize(p.size() + 64);
            const std::size_t n = LLVMFuzzerMutate(reinterpret_cast<uint8_t*>(&buf[0]), p.size(), buf.size());
            buf.resize(n);
            p = buf;
        } else {
            overwrite(p, rng);
        }
    }
    const std::string out = mdrun::encode_checkpoint_sections(sections);
    if (out.size() > max_size) {
        const std::string& b = base().checkpoint;
        if (b.size() > max_size) return 0;
        std::memcpy(data, b.data(), b.size());
        return b.size();
    }
    std::memcpy(data, out.data(), out.size());
    return out.size();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const Base& b = base();
    const std::string name = b.scratch + "/input.mdrun";
    try {
        const mdrun::CheckpointData ck =
            mdrun::parse_checkpoint(std::string(reinterpret_cast<const char*>(data), size), name);
        mdrun::check_restart_inputs(name, ck.inputs, ck.physics, b.inputs, mdrun::config_physics_text(b.cfg));
        // Fresh replicas each time: a partial restore must not leak into the next input.
        std::vector<std::unique_ptr<mdrun::Replica>> reps = mdrun::build_replicas(b.cfg, true);
        std::unique_ptr<mdrun::Backend> backend = mdrun::make_backend("cpu", reps);
        const long step = mdrun::restore_checkpoint(name, ck, b.cfg, *backend, reps);
        // Use the restored state as the run would: a few steps, a sample, the results.
        backend->advance(2);
        for (std::size_t r = 0; r < reps.size(); ++r) {
            backend->sync_to_host(static_cast<int>(r));
            mdrun::Replica& rep = *reps[r];
            if (rep.analysis) {
                if (rep.analysis->due(step + 2)) rep.analysis->sample(step + 2, rep.sys);
                rep.analysis->write_results(b.scratch + "/results");
            }
        }
    } catch (const mdrun::Error&) {
    }
    return 0;
}
