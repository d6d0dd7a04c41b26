// Checkpoint container (format 2): header fields round-trip, and damaged files (wrong magic, truncation,
// a future or a version-1 format, the other byte order, a flipped byte anywhere, trailing bytes, a count
// that lies with a recomputed CRC) give clear errors naming the file and the section, never garbage or a crash.
#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/run/checkpoint.hpp"
#include "engine/core/binary_io.hpp"
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
std::string parse_error(const std::string& bytes) {
    try {
        parse_checkpoint(bytes, "ck.mdrun");
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}
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
    const std::vector<InputDigest> inputs = {{"structure", "/x/s.POSCAR", std::string(64, 'a')},
                                             {"potential", "/x/p.mtp", std::string(64, 'b')}};
    write_checkpoint(path, cfg, *backend, none, inputs);

    const CheckpointData d = read_checkpoint(path);
    CHECK(d.version == kCheckpointVersion);
    CHECK(d.mdrun_version == MDRUN_VERSION_STRING);
    CHECK(d.fingerprint == config_fingerprint(cfg));
    CHECK(d.physics == config_physics_text(cfg));
    REQUIRE(d.inputs.size() == 2);
    CHECK(d.inputs[1].path == "/x/p.mtp");
    CHECK(d.inputs[1].sha256 == std::string(64, 'b'));
    CHECK(d.config_text == text);
    CHECK(d.config_file == (dir / "config.toml").string());
    CHECK(d.step == 0);
    CHECK(d.target_step == 7);
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
    std::string v1 = good;
    v1[at] = 1;
    CHECK(parse_error(v1).find("format version 1 ") != std::string::npos);
    CHECK(parse_error(v1).find("rerun") != std::string::npos);
    std::string swapped = good;  // the byte-order marker as a machine of the other byte order writes it
    std::swap(swapped[at + 4], swapped[at + 7]);
    std::swap(swapped[at + 5], swapped[at + 6]);
    CHECK(parse_error(swapped).find("other byte order") != std::string::npos);
    CHECK_THROWS_WITH_AS(read_checkpoint((dir / "missing.mdrun").string()), doctest::Contains("missing.mdrun"), Error);

    // Every single flipped bit past the header, and every truncation, is an error naming the file.
    for (std::size_t k = 0; k < good.size(); ++k) {
        std::string bad = good;
        bad[k] = static_cast<char>(bad[k] ^ (1 << (k % 8)));
        const std::string e = parse_error(bad);
        CHECK_MESSAGE(e.rfind("ck.mdrun: ", 0) == 0, "flipped byte " << k << ": '" << e << "'");
        const std::string t = parse_error(good.substr(0, k));
        CHECK_MESSAGE(t.rfind("ck.mdrun: ", 0) == 0, "truncated at " << k << ": '" << t << "'");
    }
    CHECK(parse_error(good + "x").find("after its \"end\" section") != std::string::npos);
    // A payload byte flipped: the CRC names the section.
    const std::size_t hdr = good.find("header");
    REQUIRE(hdr != std::string::npos);
    std::string flipped = good;
    flipped[hdr + 6 + 8 + 4 + 9] ^= 0x10;  // inside the header payload (the version string)
    const std::string e = parse_error(flipped);
    CHECK(e.find("section #1 'header'") != std::string::npos);
    CHECK(e.find("CRC32 mismatch") != std::string::npos);
    fs::remove_all(dir);
}

TEST_CASE("checkpoint counts are checked against the section before use, even with a valid CRC") {
    // A 'header' that claims 5 replicas in a file with none, encoded with correct CRCs.
    const auto header = [](std::uint64_t replicas, std::int64_t step) {
        std::ostringstream os(std::ios::binary);
        BinaryWriter w(os);
        w.str("0.1.0");
        w.pod<std::int64_t>(step);
        w.pod<std::int64_t>(10);
        w.pod<std::uint64_t>(replicas);
        return os.str();
    };
    const auto config = [] {
        std::ostringstream os(std::ios::binary);
        BinaryWriter w(os);
        w.str("/c.toml");
        w.str("text");
        return os.str();
    }();
    const auto inputs = [](std::uint64_t n) {
        std::ostringstream os(std::ios::binary);
        BinaryWriter w(os);
        w.pod<std::uint64_t>(1);
        w.str("physics");
        w.pod<std::uint64_t>(n);
        return os.str();
    };
    CHECK(parse_error(encode_checkpoint_sections({{"header", header(0, 3)}, {"config", config}, {"inputs", inputs(0)}})) == "");
    CHECK(parse_error(encode_checkpoint_sections({{"header", header(5, 3)}, {"config", config}, {"inputs", inputs(0)}}))
              .find("says 5 replicas") != std::string::npos);
    CHECK(parse_error(encode_checkpoint_sections({{"header", header(0, -4)}, {"config", config}, {"inputs", inputs(0)}}))
              .find("section 'header': step -4 out of range") != std::string::npos);
    // An input count of 2^40 with no data behind it: refused before any allocation.
    CHECK(parse_error(encode_checkpoint_sections({{"header", header(0, 3)}, {"config", config},
                                                  {"inputs", inputs(std::uint64_t(1) << 40)}}))
              .find("section 'inputs': input file count") != std::string::npos);
    // A string length larger than its section.
    std::string cfg_lie = config;
    cfg_lie[0] = 100;
    CHECK(parse_error(encode_checkpoint_sections({{"header", header(0, 3)}, {"config", cfg_lie}, {"inputs", inputs(0)}}))
              .find("section 'config': checkpoint is truncated or corrupt") != std::string::npos);
    // Sections out of order.
    CHECK(parse_error(encode_checkpoint_sections({{"config", config}, {"header", header(0, 3)}, {"inputs", inputs(0)}}))
              .find("section 'header' expected") != std::string::npos);
}

TEST_CASE("a bool byte other than 0 or 1 is an error, not undefined behaviour") {
    std::istringstream is(std::string("\x02", 1), std::ios::binary);
    BinaryReader r(is, "blob", 1);
    CHECK_THROWS_WITH_AS(r.pod<bool>(), doctest::Contains("not 0 or 1"), Error);
    std::istringstream is2(std::string("\x01\x00\x00\x00\x00\x00\x00\x00", 8), std::ios::binary);
    BinaryReader r2(is2, "blob", 8);
    std::vector<double> v;
    CHECK_THROWS_WITH_AS(r2.vec(v), doctest::Contains("needs 8 bytes, 0 left"), Error);
}
