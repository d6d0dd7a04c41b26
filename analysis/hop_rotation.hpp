// Hop–rotation correlation (docs/analysis.md, "Hop–rotation correlation"; Yang et al., Chem. Mater. 2024):
// do the polyanions next to a hopping ion turn more around the hop than polyanions do at random times?
//
// For a hop with mid-time t_hop (HopEvent::t_mid_ps, rounded to the sample s_hop; halfway rounds up) and
// the half-window Delta (d = round(Delta / dt_s) samples):
//   neighbours = polyanions whose centre lies within r_shell of the hopping ion at s_hop (minimum image);
//   dtheta_g = (1/n_b) sum_b arccos(u_b(s_hop - d) . u_b(s_hop + d)), the mean over the polyanion's bonds of
//              the angle each centre->ligand unit vector turns over the window (angle to the initial
//              direction, as in §8; not the accumulated path angle).
// Baseline: for each hop that has neighbours, `per_hop` window centres drawn uniformly (counter-based
// splitmix64 of the seed: deterministic, restart-exact) among the centres whose whole window is held, and at
// each of them dtheta of every polyanion. Statistic: one-sided Mann–Whitney U (mann_whitney.hpp) of the hop
// samples against the baseline samples.
//
// Streaming: a hop is known only when its h = 1 run closes, after t_hop; the last `frames` samples of every
// bond unit vector, centre and tracked-ion position (and the cell) are kept in a ring. A hop whose window
// start has already left the ring (a run longer than the ring allows) is counted as `window_lost`; one whose
// window end is still ahead waits in `pending` (a hop that is still pending at the end is `window_past_end`).
#pragma once
#include <cstdint>
#include <vector>

#include "analysis/hop_events.hpp"
#include "engine/core/binary_io.hpp"
#include "engine/core/box.hpp"
#include "engine/core/vec3.hpp"

namespace mdrun {

struct HopRotationSample {
    int hop = -1;          // index into the detector's closed events; -1 for a baseline sample
    int group = 0;         // polyanion (index into the groups)
    long centre_sample = 0;  // window centre (sample index from the first analysis sample)
    double dtheta = 0;     // rad
};

struct HopRotationCounts {
    long hops_seen = 0;          // closed hop events taken from the detector
    long hops_used = 0;          // with at least one neighbour (and a baseline)
    long no_neighbour = 0;       // no centre within r_shell at s_hop
    long window_before_start = 0;  // s_hop - d before the first sample
    long window_lost = 0;        // s_hop - d no longer in the ring when the hop closed
};

class HopRotationTracker {
public:
    HopRotationTracker() = default;
    // ions: atom indices of the detector's items (HopEvent::item indexes them); centres/offset/ligand: the
    // polyanion groups (atom indices, CSR ligands); r_shell_A: per group. frames: ring length (>= 2d + 1).
    HopRotationTracker(std::vector<int> ions, std::vector<int> centres, std::vector<int> offset,
                       std::vector<int> ligand, std::vector<double> r_shell_A, int half_window_samples,
                       int frames, int per_hop, std::uint64_t seed);

    // One sample, after the detector has taken the same sample (closed: its closed events so far).
    void add(const Box& box, const Vec3* pos, const std::vector<HopEvent>& closed, double sample_dt_ps);

    const std::vector<HopRotationSample>& hop_samples() const { return hop_; }
    const std::vector<HopRotationSample>& baseline_samples() const { return base_; }
    const HopRotationCounts& counts() const { return counts_; }
    long pending() const { return static_cast<long>(pending_.size()); }
    long samples() const { return n_; }
    int half_window_samples() const { return d_; }
    int frames() const { return frames_; }

    void save(BinaryWriter& w) const;
    void load(BinaryReader& r);

    struct Pending {
        int hop = 0, item = 0;
        long s_hop = 0;
    };

private:
    const Vec3* units(long s) const { return &unit_[static_cast<std::size_t>(s % frames_) * ligand_.size()]; }
    double dtheta(int g, long s0, long s1) const;
    void process(const Pending& p);
    std::uint64_t draw();

    std::vector<int> ions_, centres_, offset_, ligand_;
    std::vector<double> r_shell_;
    int d_ = 1, frames_ = 3, per_hop_ = 1;
    std::uint64_t seed_ = 0, draws_ = 0;
    long n_ = 0;                     // samples added
    std::vector<Vec3> unit_;         // [frame][bond]
    std::vector<Vec3> centre_pos_;   // [frame][group]
    std::vector<Vec3> ion_pos_;      // [frame][ion]
    struct Cell {                    // a Box as plain doubles (no padding bytes in checkpoints)
        Mat3 h, hinv;
        double periodic[3];
    };
    std::vector<Cell> box_;          // [frame]
    std::vector<Pending> pending_;
    std::vector<HopRotationSample> hop_, base_;
    HopRotationCounts counts_;
};

}  // namespace mdrun
