#include "engine/mpi/mpi_run.hpp"

#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "analysis/analysis_set.hpp"
#include "engine/core/atomic_file.hpp"
#include "engine/core/binary_io.hpp"
#include "engine/core/dir_lock.hpp"
#include "engine/core/error.hpp"
#include "engine/core/version.hpp"
#include "engine/run/checkpoint.hpp"
#include "engine/run/cross_replica.hpp"
#include "engine/run/replica_assign.hpp"
#include "engine/run/replica_select.hpp"
#include "engine/run/replica_stop.hpp"
#include "engine/run/restart_hint.hpp"
#include "engine/run/run_log.hpp"
#include "engine/run/run_loop.hpp"
#include "engine/run/series_checkpoints.hpp"
#ifdef MDRUN_HAVE_CUDA
#include "kernels/cuda_rank_device.hpp"
#endif

namespace mdrun {

namespace fs = std::filesystem;

namespace {

struct Ranks {
    int rank = 0, size = 1, local_rank = 0;
};

// One batched run on this rank: replicas that continue from the same step (a fresh start: one part).
struct Part {
    std::vector<int> replicas;  // 1-based, increasing
    bool restart = false;
    CheckpointData ckpt;        // (restart) regrouped from the earlier run's checkpoints
};

std::string join(const std::vector<int>& v, const char* sep) {
    std::string s;
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + std::to_string(v[i]);
    return s;
}

// Every rank runs `f`; when it throws on some rank, the lowest such rank prints its message and every
// rank returns false (no rank is left waiting in a collective call).
template <class F>
bool on_every_rank(const Ranks& r, F f) {
    std::string msg;
    try {
        f();
    } catch (const std::exception& e) {
        msg = e.what();
    }
    int failed = msg.empty() ? r.size : r.rank, first = r.size;
    MPI_Allreduce(&failed, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (first == r.size) return true;
    if (r.rank == first) {
        std::fprintf(stderr, "mdrun: error: %s%s\n", r.size > 1 ? ("(rank " + std::to_string(r.rank) + ") ").c_str() : "",
                     msg.c_str());
        std::fflush(stderr);
    }
    return false;
}

// Rank 0 receives every rank's string (in rank order); the other ranks get an empty list.
std::vector<std::string> gather_strings(const Ranks& r, const std::string& mine) {
    if (mine.size() > static_cast<std::size_t>(INT_MAX)) throw Error("MPI gather: more than 2 GiB from one rank");
    int n = static_cast<int>(mine.size());
    std::vector<int> sizes(static_cast<std::size_t>(r.size)), offsets(static_cast<std::size_t>(r.size));
    MPI_Gather(&n, 1, MPI_INT, sizes.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
    long total = 0;
    for (int k = 0; k < r.size; ++k) {
        offsets[static_cast<std::size_t>(k)] = static_cast<int>(total);
        total += sizes[static_cast<std::size_t>(k)];
    }
    if (r.rank == 0 && total > INT_MAX) throw Error("MPI gather: more than 2 GiB in all");
    std::string all(r.rank == 0 ? static_cast<std::size_t>(total) : 0, '\0');
    MPI_Gatherv(mine.data(), n, MPI_CHAR, r.rank == 0 ? &all[0] : nullptr, sizes.data(), offsets.data(), MPI_CHAR, 0,
                MPI_COMM_WORLD);
    std::vector<std::string> out;
    if (r.rank == 0)
        for (int k = 0; k < r.size; ++k)
            out.push_back(all.substr(static_cast<std::size_t>(offsets[static_cast<std::size_t>(k)]),
                                     static_cast<std::size_t>(sizes[static_cast<std::size_t>(k)])));
    return out;
}

// Where one part's run.log and checkpoint go (the same folder `mdrun --replicas <list>` uses).
std::string part_directory(const RunConfig& cfg, const std::vector<int>& replicas) {
    RunConfig c = cfg;
    select_replicas(c, replicas);
    return c.output.directory;
}

// The GPU of this rank: local rank modulo the GPUs this process sees (CUDA_VISIBLE_DEVICES is honoured by
// the CUDA runtime's count). Returns a note for run.log, "" on a CPU-only build.
std::string choose_gpu(const Ranks& r, const std::string& device) {
#ifdef MDRUN_HAVE_CUDA
    if (device == "cpu") return "";
    return cuda_select_device_for_rank(r.local_rank);
#else
    (void)r;
    (void)device;
    return "";
#endif
}

int run_series(const RunOptions& opt, const Ranks& R) {
    RunConfig cfg;
    std::vector<double> cost;
    if (!on_every_rank(R, [&] {
            if (!opt.replicas.empty())
                throw Error("--replicas: under mpirun the [[replica]] list is split over the ranks; run without "
                            "--replicas (or without mpirun, e.g. one Slurm array task per list)");
            cfg = opt.config_text.empty() ? load_config(opt.config_path) : parse_config(opt.config_text, opt.config_path);
            if (opt.steps_override >= 0) {
                cfg.md.steps = opt.steps_override;
                for (auto& rc : cfg.replicas) rc.md.steps = opt.steps_override;
            }
            if (R.rank == 0) {  // the cost of a replica: atoms x steps (structures read once, on rank 0)
                const auto reps = build_replicas(cfg, false);
                for (std::size_t k = 0; k < reps.size(); ++k)
                    cost.push_back(static_cast<double>(reps[k]->sys.size()) * static_cast<double>(cfg.replicas[k].md.steps));
            }
        }))
        return 1;
    const int n = static_cast<int>(cfg.replicas.size());
    cost.resize(static_cast<std::size_t>(n));
    MPI_Bcast(cost.data(), n, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    const auto assignment = assign_replicas(cost, R.size);
    const std::vector<int>& mine = assignment[static_cast<std::size_t>(R.rank)];
    const long total = cfg.replicas[0].md.steps;
    const bool series = n > 1;
    const bool restart = !opt.restart_file.empty();
    std::string restart_dir;

    std::vector<Part> parts;
    std::string gpu_note;
    if (!on_every_rank(R, [&] {
            gpu_note = choose_gpu(R, opt.device);
            if (!restart) {
                if (!mine.empty()) parts.push_back(Part{mine, false, {}});
                return;
            }
            restart_dir = series_directory(opt.restart_file);
            const SeriesCheckpoints sc = read_series_checkpoints(restart_dir, cfg, mine);
            for (const auto& g : group_by_step(sc, mine)) {
                Part p{g, false, {}};
                if (sc.newest.count(g[0])) {
                    p.restart = true;
                    p.ckpt = merged_checkpoint(sc, cfg, g);
                }
                parts.push_back(std::move(p));
            }
        }))
        return 1;

    // rank 0's run.log: which rank runs which replicas where (each part keeps its own run.log)
    char host[MPI_MAX_PROCESSOR_NAME] = {0};
    int host_len = 0;
    MPI_Get_processor_name(host, &host_len);
    std::string about = "rank " + std::to_string(R.rank) + " on " + std::string(host, static_cast<std::size_t>(host_len)) +
                        (gpu_note.empty() ? std::string() : ", " + gpu_note) + ":";
    if (parts.empty()) about += " no replicas (more ranks than replicas)";
    for (const auto& p : parts) {
        about += " replicas " + join(p.replicas, ",") + " (";
        for (std::size_t i = 0; i < p.replicas.size(); ++i)
            about += (i ? ", " : "") + cfg.replicas[static_cast<std::size_t>(p.replicas[i] - 1)].name;
        about += ") in " + part_directory(cfg, p.replicas) +
                 (p.restart ? " from step " + std::to_string(p.ckpt.step) : restart ? std::string(" from step 0") : std::string()) + ";";
    }
    const auto abouts = gather_strings(R, about);
    std::unique_ptr<RunLog> log;
    std::unique_ptr<DirectoryLock> series_lock;  // rank 0 writes the series directory's own files
    if (!on_every_rank(R, [&] {
            if (R.rank != 0 || !series) return;  // one replica: its part is the whole run and owns run.log
            fs::create_directories(cfg.output.directory);
            // one writer for the series directory: a plain `mdrun config.toml` into it (whose replicas are
            // the ones the ranks write) is refused, and so is a second mpirun; each rank's part locks its
            // own replicas_* folder
            series_lock = std::make_unique<DirectoryLock>(cfg.output.directory);
            log = std::make_unique<RunLog>((fs::path(cfg.output.directory) / "run.log").string(), restart);
            log->section((restart ? "mpi restart " : "mpi run ") + utc_now());
            log->line("mdrun " + std::string(MDRUN_VERSION_STRING) + ", config " +
                      fs::absolute(cfg.config_file).lexically_normal().string() + ", " + std::to_string(R.size) +
                      " MPI rank(s); replicas assigned by atoms x steps (engine/run/replica_assign.hpp)");
            if (restart) log->line("restart from the checkpoints in " + restart_dir);
            for (const auto& a : abouts) log->line(a);
            log->line("each part's own run.log and checkpoint.mdrun are in its replicas_* folder");
            const std::string resolved = resolved_config_toml(cfg);
            write_file_atomically((fs::path(cfg.output.directory) / "resolved.toml").string(),
                                  [&](std::ostream& os) { os << resolved; });
        }))
        return 1;

    // the parts, one after the other; an error here stops the whole job with this rank's message
    int code = 0, interrupted = 0;
    std::ostringstream records(std::ios::binary);
    BinaryWriter rec(records);
    for (const auto& p : parts) {
        const std::string what = "replicas " + join(p.replicas, ",");
        try {
            RunOptions o = opt;
            o.replicas = p.replicas;
            o.in_series = series;
            o.quiet = opt.quiet || R.rank != 0;  // one progress line on the terminal: rank 0's
            if (p.restart) {
                o.restart_data = &p.ckpt;
                o.restart_file = restart_dir;
            } else {
                o.restart_file.clear();
            }
            const int c = run_md(o);
            if (c >= 128) {
                interrupted = c;
                break;
            }
            code = std::max(code, c);
            // this part's final state: the checkpoint it has just written (or, already complete, the regrouped one)
            RunConfig pc = cfg;
            select_replicas(pc, p.replicas);
            const bool untouched = p.restart && p.ckpt.step >= total;
            const CheckpointData d = untouched ? p.ckpt : read_checkpoint(checkpoint_path(pc));
            for (std::size_t i = 0; i < p.replicas.size(); ++i) {
                rec.pod<std::int32_t>(p.replicas[i]);
                rec.pod<std::int64_t>(d.step);
                rec.pod<std::uint8_t>(d.replicas.at(i).has_analysis ? 1 : 0);
                rec.str(d.replicas.at(i).analysis_state);
            }
        } catch (const std::exception& e) {
            std::fprintf(stderr, "mdrun: error on rank %d of %d (%s): %s\n  stopping every rank (MPI_Abort); the "
                         "checkpoints written so far are intact: continue with --restart %s\n",
                         R.rank, R.size, what.c_str(), e.what(), cfg.output.directory.c_str());
            std::fflush(stderr);
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
    }
    int any_interrupted = 0;
    MPI_Allreduce(&interrupted, &any_interrupted, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    const auto all_records = gather_strings(R, records.str());

    // rank 0: the files that span replicas, from every replica's gathered analysis state
    int final_code = 0;
    if (R.rank == 0) {
        final_code = std::max(code, 0);
        // the same or another number of ranks: every replica continues from the newest checkpoint holding it
        const std::string again = "mpirun -n <N> " + restart_command(cfg, cfg.output.directory, total);
        try {
            if (any_interrupted) {
                final_code = any_interrupted;
                if (log) log->line("INTERRUPTED " + utc_now() + " (signal " + std::to_string(any_interrupted - 128) +
                                   "); continue with: " + again);
                std::fprintf(stderr, "mdrun: interrupted; every rank wrote its checkpoint; continue with: %s\n", again.c_str());
            } else if (series) {
                auto reps = build_replicas(cfg, false);
                std::vector<long> step(reps.size(), -1);
                for (const auto& blob : all_records) {
                    std::istringstream is(blob, std::ios::binary);
                    BinaryReader rd(is, "MPI gather");
                    while (is.peek() != std::char_traits<char>::eof()) {
                        const int k = rd.pod<std::int32_t>();
                        const long st = static_cast<long>(rd.pod<std::int64_t>());
                        const bool has = rd.pod<std::uint8_t>() != 0;
                        const std::string state = rd.str();
                        Replica& rep = *reps.at(static_cast<std::size_t>(k - 1));
                        step[static_cast<std::size_t>(k - 1)] = st;
                        if (has && rep.analysis) {
                            std::istringstream as(state, std::ios::binary);
                            BinaryReader ra(as, "MPI gather");
                            rep.analysis->load(ra);
                        }
                    }
                }
                long reached = 0;
                for (std::size_t k = 0; k < reps.size(); ++k) {
                    if (step[k] < 0) throw Error("MPI gather: no result for replica '" + reps[k]->name + "'");
                    reached = std::max(reached, step[k]);
                    std::vector<std::unique_ptr<Replica>> one;  // its stopped.json, read against its own final step
                    one.push_back(std::move(reps[k]));
                    restore_stopped_replicas(step[k], nullptr, one, nullptr);
                    reps[k] = std::move(one[0]);
                }
                const int running = running_replicas(reps);
                write_replicas_json(cfg, reps, reached, total);
                if (running == 0) {
                    std::string all;
                    for (const auto& r : reps) all += "\n  replica '" + r->name + "': " + r->stop_reason;
                    throw Error("every replica stopped:" + all + "\n  post-mortem snapshots in the replica directories");
                }
                std::vector<const Replica*> ptrs;
                for (const auto& r : reps) ptrs.push_back(r.get());
                for (const auto& f : write_cross_replica_outputs(cfg.output.directory, ptrs))
                    if (log) log->line("cross-replica output: " + f);
                log->line("replicas: " + std::to_string(running) + " finished, " + std::to_string(reps.size() - running) +
                          " stopped early (replicas.json)");
                log->section("finished " + utc_now() + " at step " + std::to_string(reached));
                if (!opt.quiet)
                    std::fprintf(stderr, "mdrun: %d rank(s) finished %zu replicas; run.log, replicas.json and the "
                                 "cross-replica outputs in %s\n", R.size, reps.size(), cfg.output.directory.c_str());
                if (static_cast<std::size_t>(running) < reps.size()) final_code = std::max(final_code, kExitReplicasStopped);
            }
        } catch (const std::exception& e) {
            std::fprintf(stderr, "mdrun: error: %s\n", e.what());
            if (log) log->line(std::string("ERROR: ") + e.what());
            final_code = 1;
        }
    }
    MPI_Bcast(&final_code, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return final_code;
}

int run_md_mpi(const RunOptions& opt) {
    MPI_Init(nullptr, nullptr);
    Ranks R;
    MPI_Comm_rank(MPI_COMM_WORLD, &R.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &R.size);
    MPI_Comm local;  // the ranks on this node: the GPU index is the rank among them
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, R.rank, MPI_INFO_NULL, &local);
    MPI_Comm_rank(local, &R.local_rank);
    MPI_Comm_free(&local);
    const int code = run_series(opt, R);
    MPI_Finalize();
    return code;
}

}  // namespace

void register_mpi_runner() {
    if (launched_by_mpi()) set_run_entry(run_md_mpi);
}

}  // namespace mdrun
