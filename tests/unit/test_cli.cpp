// Command-line parsing (engine/cli/cli.cpp) with a registry of recording subcommands: options before and after
// positionals, --opt=value, the default subcommand, per-subcommand --help, unknown subcommands and options
// with suggestions, exit statuses; and the real registry's run options (engine/cli/run_cmd.cpp).
#include <doctest/doctest.h>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "engine/cli/cli.hpp"
#include "engine/core/error.hpp"
#include "engine/cli/subcommands.hpp"

using namespace mdrun;

namespace {

// What the recording subcommands saw.
struct Seen {
    std::string which, file, out;
    long steps = -1;
    bool quiet = false;
    std::vector<std::string> raw;
} seen;

cli::Action setup_fake_run(CLI::App& app) {
    auto file = std::make_shared<std::string>();
    auto steps = std::make_shared<long>(-1);
    auto quiet = std::make_shared<bool>(false);
    app.add_option("config", *file, "config");
    app.add_option("--steps", *steps, "steps");
    app.add_flag("-q,--quiet", *quiet, "quiet");
    return [file, steps, quiet] {
        seen.which = "run";
        seen.file = *file;
        seen.steps = *steps;
        seen.quiet = *quiet;
        return 0;
    };
}

cli::Action setup_fake_convert(CLI::App& app) {
    auto in = std::make_shared<std::string>(), out = std::make_shared<std::string>();
    app.add_option("in", *in, "in")->required();
    app.add_option("out", *out, "out")->required();
    return [in, out] {
        seen.which = "convert";
        seen.file = *in;
        seen.out = *out;
        return 0;
    };
}

cli::Action setup_failing(CLI::App&) {
    return [] () -> int { throw Error("input is bad"); };
}

int cmd_legacy(const std::vector<std::string>& args) {
    seen.which = "legacy";
    seen.raw = args;
    return 7;
}

const std::vector<cli::Subcommand> kFake = {
    {"run", "run", setup_fake_run},
    {"convert", "convert", setup_fake_convert},
    {"calc-efs", "calc-efs", setup_failing},
    {"legacy", "legacy", cli::raw_args<cmd_legacy>},
};

// Runs the CLI, capturing stdout and stderr.
struct Result {
    int status;
    std::string out, err;
};
Result run_cli(const std::vector<std::string>& args, const std::vector<cli::Subcommand>& reg = kFake) {
    seen = Seen{};
    std::ostringstream out;
    std::streambuf* old = std::cout.rdbuf(out.rdbuf());
    std::fflush(stderr);
    char path[] = "/tmp/mdrun_test_cli_XXXXXX";
    const int fd = mkstemp(path);
    const int saved = dup(2);
    dup2(fd, 2);
    const int status = cli::run(args, reg);
    std::fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(fd);
    std::cout.rdbuf(old);
    std::ifstream f(path);
    std::stringstream err;
    err << f.rdbuf();
    std::remove(path);
    return {status, out.str(), err.str()};
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("default subcommand: options before or after the config file, --opt=value") {
    for (const auto& args : std::vector<std::vector<std::string>>{{"a.toml", "--steps", "5", "-q"},
                                                                   {"--steps", "5", "a.toml", "--quiet"},
                                                                   {"--steps=5", "-q", "a.toml"},
                                                                   {"run", "--steps=5", "a.toml", "-q"},
                                                                   {"run", "a.toml", "--steps", "5", "--quiet"}}) {
        const Result r = run_cli(args);
        INFO(args.size() << " args, err: " << r.err);
        CHECK(r.status == 0);
        CHECK(seen.which == "run");
        CHECK(seen.file == "a.toml");
        CHECK(seen.steps == 5);
        CHECK(seen.quiet);
    }
}

TEST_CASE("subcommands get their own positionals and options") {
    Result r = run_cli({"convert", "in.POSCAR", "out.extxyz"});
    CHECK(r.status == 0);
    CHECK(seen.which == "convert");
    CHECK(seen.file == "in.POSCAR");
    CHECK(seen.out == "out.extxyz");
    r = run_cli({"convert", "in.POSCAR"});
    CHECK(r.status == 2);
    CHECK(contains(r.err, "mdrun: error:"));
    CHECK(contains(r.err, "out"));
}

TEST_CASE("unknown subcommand: an error with a suggestion, unless it is an existing file") {
    Result r = run_cli({"calc-grade"});
    CHECK(r.status == 2);
    CHECK(contains(r.err, "'calc-grade' is neither a subcommand nor an existing config file"));
    CHECK(contains(r.err, "did you mean 'mdrun calc-efs'?"));
    CHECK(seen.which.empty());
    r = run_cli({"cnvert", "a", "b"});
    CHECK(r.status == 2);
    CHECK(contains(r.err, "did you mean 'mdrun convert'?"));
    // A *.toml name is always a config file (a missing one is reported by the run itself).
    r = run_cli({"missing.toml"});
    CHECK(r.status == 0);
    CHECK(seen.file == "missing.toml");
    // An existing file of any name is a config file.
    const std::string path = (std::filesystem::temp_directory_path() / "calc-grade").string();
    std::ofstream(path) << "# config\n";
    r = run_cli({path});
    CHECK(r.status == 0);
    CHECK(seen.which == "run");
    CHECK(seen.file == path);
    std::filesystem::remove(path);
}

TEST_CASE("unknown options and surplus arguments are usage errors naming them") {
    Result r = run_cli({"a.toml", "--stpes", "5"});
    CHECK(r.status == 2);
    CHECK(contains(r.err, "unknown option '--stpes' (did you mean '--steps'?)"));
    CHECK(seen.which.empty());
    r = run_cli({"a.toml", "--bogus=3"});
    CHECK(r.status == 2);
    CHECK(contains(r.err, "unknown option '--bogus'"));
    r = run_cli({"a.toml", "b.toml"});
    CHECK(r.status == 2);
    CHECK(contains(r.err, "unexpected argument 'b.toml'"));
    r = run_cli({"convert", "a", "b", "--quiet"});
    CHECK(r.status == 2);
    CHECK(contains(r.err, "unknown option '--quiet' for 'convert'"));
    r = run_cli({"--steps", "5", "convert", "a", "b"});
    CHECK(r.status == 2);
    CHECK(contains(r.err, "before the subcommand 'convert'"));
    r = run_cli({"a.toml", "--steps", "x"});
    CHECK(r.status == 2);
    CHECK(contains(r.err, "--steps"));
}

TEST_CASE("--help at every level, --version, no arguments") {
    Result r = run_cli({"--help"});
    CHECK(r.status == 0);
    CHECK(contains(r.out, "mdrun CONFIG.toml [options]"));
    CHECK(contains(r.out, "convert"));
    CHECK(contains(r.out, "--steps"));
    r = run_cli({"convert", "--help"});
    CHECK(r.status == 0);
    CHECK(contains(r.out, "in"));
    CHECK(contains(r.out, "out"));
    CHECK(!contains(r.out, "--steps"));
    CHECK(seen.which.empty());
    r = run_cli({"--version"});
    CHECK(r.status == 0);
    CHECK(contains(r.out, "mdrun "));
    r = run_cli({});
    CHECK(r.status == 2);
    CHECK(contains(r.out, "usage:"));
}

TEST_CASE("exit statuses: input errors 1, a raw-argument subcommand gets everything after its name") {
    Result r = run_cli({"calc-efs", "x"});
    CHECK(r.status == 2);  // surplus positional for a subcommand without positionals
    r = run_cli({"calc-efs"});
    CHECK(r.status == 1);
    CHECK(contains(r.err, "mdrun: error: input is bad"));
    r = run_cli({"legacy", "--x=1", "a", "--help"});
    CHECK(r.status == 7);
    CHECK(seen.raw == std::vector<std::string>{"--x=1", "a", "--help"});
}

TEST_CASE("suggestions: close names only") {
    const std::vector<std::string> names = {"run", "calc-efs", "analyze", "convert"};
    CHECK(cli::closest_name("calc-grade", names) == "calc-efs");
    CHECK(cli::closest_name("analyse", names) == "analyze");
    CHECK(cli::closest_name("calc", names) == "calc-efs");
    CHECK(cli::closest_name("xyzzy", names).empty());
    CHECK(cli::closest_name("config", names).empty());
}

TEST_CASE("the real run options: checked values, usage errors before anything is read") {
    const std::vector<cli::Subcommand> real = {{"run", "run", setup_run}};
    Result r = run_cli({"/nonexistent/x.toml", "--device", "tpu"}, real);
    CHECK(r.status == 2);
    CHECK(contains(r.err, "--device must be cpu, cuda or auto, got 'tpu'"));
    r = run_cli({"--steps=-3", "/nonexistent/x.toml"}, real);
    CHECK(r.status == 2);
    CHECK(contains(r.err, "--steps expects a non-negative integer, got '-3'"));
    r = run_cli({"run"}, real);
    CHECK(r.status == 2);
    CHECK(contains(r.err, "no config file given"));
    r = run_cli({"/nonexistent/x.toml", "--steps=4"}, real);
    CHECK(r.status == 1);  // parsed fine; the run reports the missing file
    CHECK(contains(r.err, "/nonexistent/x.toml"));
}
