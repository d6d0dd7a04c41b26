// Checkpoint container: header fields round-trip, and damaged files (wrong magic, truncation, a future
// format version) give clear errors naming the file instead of garbage or a crash.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/run/checkpoint.hpp"
#include "engine/core/error.hpp"
#include "engine/core/version.hpp"

using namespace mdrun;
namespace fs = std::filesystem;

namespace {
std::string slurp(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}
void spit(const std::string& p, const std::string& s) { std::ofstream(p, std::ios::binary) << s; }
}  // namespace

TEST_CASE("checkpoint header round trip and damaged files") {
    const fs::path dir = fs::temp_directory_path() / "mdrun_test_checkpoint";
    fs::create_directories(dir);
    const std::string text =
        "[structure]\nfile = \"s.POSCAR\"\n[potential]\nkind = \"mtp\"\n[md]\nsteps = 7\ntemperature_K = 300\n";
    const RunConfig cfg = parse_config(text, (dir / "config.toml").string());
    std::vector<std::unique_ptr<Replica>> none;
    auto backend = make_cpu_backend(none);
    const std::string path = (dir / "checkpoint.mdrun").string();
    write_checkpoint(path, cfg, *backend, none);

    const CheckpointData d = read_checkpoint(path);
    CHECK(d.version == kCheckpointVersion);
    CHECK(d.mdrun_version == MDRUN_VERSION_STRING);
    CHECK(d.fingerprint == config_fingerprint(cfg));
    CHECK(d.config_text == text);
    CHECK(d.config_file == (dir / "config.toml").string());
    CHECK(d.step == 0);
    CHECK(d.replicas.empty());
    // No temporary file is left next to it.
    for (const auto& e : fs::directory_iterator(dir)) CHECK(e.path().filename().string().find(".tmp.") == std::string::npos);

    const std::string good = slurp(path);
    spit(path, good.substr(0, good.size() / 2));
    CHECK_THROWS_WITH_AS(read_checkpoint(path), doctest::Contains("truncated"), Error);
    spit(path, "hello, I am not a checkpoint at all, but long enough to read a length field");
    CHECK_THROWS_WITH_AS(read_checkpoint(path), doctest::Contains("not an mdrun checkpoint"), Error);
    spit(path, "");
    CHECK_THROWS_WITH_AS(read_checkpoint(path), doctest::Contains("not an mdrun checkpoint"), Error);
    std::string future = good;
    const std::size_t at = 8 + std::string("MDRUN-CHECKPOINT").size();  // version field after the magic
    future[at] = static_cast<char>(99);
    spit(path, future);
    CHECK_THROWS_WITH_AS(read_checkpoint(path), doctest::Contains("format version 99"), Error);
    CHECK_THROWS_WITH_AS(read_checkpoint((dir / "missing.mdrun").string()), doctest::Contains("missing.mdrun"), Error);
    fs::remove_all(dir);
}
