// Checkpoint files: everything needed to continue a run bit-identically, written atomically
// (temporary file, then rename) so a crash never destroys the last good checkpoint.
//
// Layout (engine/core/binary_io.hpp sections): magic, format version, mdrun version, config fingerprint,
// the config file's path and text (so `mdrun analyze` can rebuild the analysis without the original
// file), step, number of replicas; then per replica its name, atom count, the backend state blob
// (Dynamics::save: positions, velocities, thermostat chain, neighbour-list build positions, counters),
// the safety counters and the analysis accumulators blob. The random state is the seed alone: random
// numbers are drawn only for the initial velocities and the vacancy choice, before step 0.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/md/backend.hpp"
#include "engine/core/config.hpp"
#include "engine/md/replica.hpp"

namespace mdrun {

constexpr std::uint32_t kCheckpointVersion = 1;

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
    std::string config_file;  // absolute path of the config at the time of writing
    std::string config_text;
    long step = 0;
    std::vector<CheckpointReplica> replicas;
    // The final step the writing run was asked for ([md].steps or --steps), for the restart hint and the
    // "already complete" check. Stored in a trailer after the "end" section (-1: a file without it).
    long target_step = -1;
};

// Default location: <output.directory>/checkpoint.mdrun
std::string checkpoint_path(const RunConfig& cfg);

// Collects the state of every replica from the backend and the analysis sets and writes it atomically.
void write_checkpoint(const std::string& path, const RunConfig& cfg, Backend& backend,
                      const std::vector<std::unique_ptr<Replica>>& replicas);

// Reads a checkpoint file (no interpretation of the blobs). Errors name the file.
CheckpointData read_checkpoint(const std::string& path);

// Restores backend state, counters and analysis accumulators into freshly built replicas. Checks the
// fingerprint (physics unchanged), replica names and atom counts against `cfg`, and that [analysis] is
// present in both or in neither (its contents may change: AnalysisSet::load decides). Returns the step.
long restore_checkpoint(const std::string& path, const CheckpointData& data, const RunConfig& cfg, Backend& backend,
                        std::vector<std::unique_ptr<Replica>>& replicas);

}  // namespace mdrun
