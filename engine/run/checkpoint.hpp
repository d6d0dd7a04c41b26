// Checkpoint files: everything needed to continue a run bit-identically, written atomically
// (temporary file, then rename) so a crash never destroys the last good checkpoint.
//
// Container: engine/run/checkpoint_format.hpp (format version 2: magic, version, byte-order marker, named
// sections each with its length and CRC32). Sections, in this order:
//   header   mdrun version, step, target step, number of replicas
//   config   the config file's path and text (so `mdrun analyze` can rebuild the analysis without the file)
//   inputs   the config fingerprint, its canonical physics text, and the SHA-256 of each input file
//            (structure, potential) as read at the start of the run: a restart refuses changed inputs
//   replica  (one per replica) name, atom count, the backend state blob (Dynamics::save: positions,
//            velocities, thermostat chain, neighbour-list build positions, counters), the safety counters and
//            the analysis accumulators blob
// The random state is the seed alone: random numbers are drawn only for the initial velocities and the
// vacancy choice, before step 0. Every count is checked against its section's length before allocation.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/md/backend.hpp"
#include "engine/core/config.hpp"
#include "engine/md/replica.hpp"
#include "engine/run/checkpoint_format.hpp"
#include "engine/run/restart_inputs.hpp"

namespace mdrun {

constexpr std::uint32_t kCheckpointVersion = kCheckpointFormatVersion;

struct CheckpointReplica {
    std::string name;
    std::uint64_t atoms = 0;
    std::string backend_state;  // Backend::save blob
    ReplicaCounters counters;
    bool has_analysis = false;
    std::string analysis_state;  // AnalysisSet::save blob
};

struct CheckpointData {
    std::uint32_t version = kCheckpointVersion;
    std::string mdrun_version;
    std::uint64_t fingerprint = 0;
    std::string physics;               // config_physics_text of the writing run
    std::vector<InputDigest> inputs;   // input files and their SHA-256 at the start of the writing run
    std::string config_file;  // absolute path of the config at the time of writing
    std::string config_text;
    long step = 0;
    std::vector<CheckpointReplica> replicas;
    // The final step the writing run was asked for ([md].steps or --steps), for the restart hint and the
    // "already complete" check (-1: not known).
    long target_step = -1;
};

// Default location: <output.directory>/checkpoint.mdrun
std::string checkpoint_path(const RunConfig& cfg);

// Collects the state of every replica from the backend and the analysis sets and writes it atomically.
// `inputs`: the digests taken when the run read its inputs (input_digests).
void write_checkpoint(const std::string& path, const RunConfig& cfg, Backend& backend,
                      const std::vector<std::unique_ptr<Replica>>& replicas, const std::vector<InputDigest>& inputs);

// Parses a checkpoint file's bytes (no interpretation of the blobs): the entry point for fuzzing. Every
// error is an mdrun::Error starting with `name` and naming the section.
CheckpointData parse_checkpoint(const std::string& bytes, const std::string& name);
// Reads and parses a checkpoint file. Errors name the file.
CheckpointData read_checkpoint(const std::string& path);

// Restores backend state, counters and analysis accumulators into freshly built replicas. Checks the
// fingerprint (physics unchanged), replica names and atom counts against `cfg`, and that [analysis] is
// present in both or in neither (its contents may change: AnalysisSet::load decides). Returns the step.
long restore_checkpoint(const std::string& path, const CheckpointData& data, const RunConfig& cfg, Backend& backend,
                        std::vector<std::unique_ptr<Replica>>& replicas);

}  // namespace mdrun
