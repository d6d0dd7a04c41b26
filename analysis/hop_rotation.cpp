#include "analysis/hop_rotation.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "analysis/cna_correlation.hpp"
#include "analysis/unwrap_math.hpp"
#include "engine/core/error.hpp"

namespace mdrun {

HopRotationTracker::HopRotationTracker(std::vector<int> ions, std::vector<int> centres, std::vector<int> offset,
                                       std::vector<int> ligand, std::vector<double> r_shell, int d, int frames,
                                       int per_hop, std::uint64_t seed)
    : ions_(std::move(ions)), centres_(std::move(centres)), offset_(std::move(offset)), ligand_(std::move(ligand)),
      r_shell_(std::move(r_shell)), d_(d), frames_(frames), per_hop_(per_hop), seed_(seed) {
    if (r_shell_.size() != centres_.size() || offset_.size() != centres_.size() + 1)
        throw Error("hop_rotation: one shell radius and one ligand range per polyanion expected");
    for (double r : r_shell_)
        if (!(r > 0)) throw Error("hop_rotation: r_shell must be > 0");
    if (d_ < 1) throw Error("hop_rotation: the half window must be at least one sampling interval");
    if (frames_ < 2 * d_ + 1) throw Error("hop_rotation: the ring must hold at least 2 d + 1 samples");
    if (per_hop_ < 1) throw Error("hop_rotation: baseline_per_hop must be >= 1");
    unit_.assign(static_cast<std::size_t>(frames_) * ligand_.size(), Vec3{0, 0, 0});
    centre_pos_.assign(static_cast<std::size_t>(frames_) * centres_.size(), Vec3{0, 0, 0});
    ion_pos_.assign(static_cast<std::size_t>(frames_) * ions_.size(), Vec3{0, 0, 0});
    box_.assign(static_cast<std::size_t>(frames_), Cell{});
}

std::uint64_t HopRotationTracker::draw() {
    // splitmix64 of (seed, draw counter): a stream that only needs the counter to resume exactly.
    std::uint64_t z = seed_ + (++draws_) * 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

double HopRotationTracker::dtheta(int g, long s0, long s1) const {
    const Vec3* u0 = units(s0);
    const Vec3* u1 = units(s1);
    double sum = 0;
    for (int b = offset_[g]; b < offset_[g + 1]; ++b) sum += angle_between_units(u0[b], u1[b]);
    return sum / (offset_[g + 1] - offset_[g]);
}

void HopRotationTracker::process(const Pending& p) {
    const std::size_t slot = static_cast<std::size_t>(p.s_hop % frames_);
    const Cell& c = box_[slot];
    Box bx;
    bx.h = c.h;
    bx.hinv = c.hinv;
    for (int k = 0; k < 3; ++k) bx.periodic[k] = c.periodic[k] != 0;
    const Vec3 ion = ion_pos_[slot * ions_.size() + static_cast<std::size_t>(p.item)];
    const int ng = static_cast<int>(centres_.size());
    bool any = false;
    for (int g = 0; g < ng; ++g) {
        const double r = norm(minimum_image(bx, centre_pos_[slot * centres_.size() + g] - ion));
        if (!(r < r_shell_[g])) continue;
        hop_.push_back(HopRotationSample{p.hop, g, p.s_hop, dtheta(g, p.s_hop - d_, p.s_hop + d_)});
        any = true;
    }
    if (!any) {
        ++counts_.no_neighbour;
        return;
    }
    ++counts_.hops_used;
    // Baseline window centres: uniform among those whose window is in the ring now.
    const long s = n_ - 1;
    const long lo = std::max<long>(d_, s - frames_ + 1 + d_), hi = s - d_;
    const std::uint64_t range = static_cast<std::uint64_t>(hi - lo + 1);
    for (int k = 0; k < per_hop_; ++k) {
        const long cs = lo + static_cast<long>(draw() % range);
        for (int g = 0; g < ng; ++g) base_.push_back(HopRotationSample{-1, g, cs, dtheta(g, cs - d_, cs + d_)});
    }
}

void HopRotationTracker::add(const Box& box, const Vec3* pos, const std::vector<HopEvent>& closed, double dts) {
    const long s = n_++;
    const std::size_t slot = static_cast<std::size_t>(s % frames_);
    const int ng = static_cast<int>(centres_.size());
    Vec3* u = &unit_[slot * ligand_.size()];
    for (int g = 0; g < ng; ++g) {
        const Vec3 c = pos[centres_[g]];
        centre_pos_[slot * centres_.size() + g] = c;
        for (int b = offset_[g]; b < offset_[g + 1]; ++b) {
            double len = 0;
            u[b] = bond_unit_vector(box, c, pos[ligand_[b]], &len);
            if (!(len > 0)) throw Error("hop_rotation: a ligand sits on its centre at sample " + std::to_string(s));
        }
    }
    for (std::size_t i = 0; i < ions_.size(); ++i) ion_pos_[slot * ions_.size() + i] = pos[ions_[i]];
    Cell& cell = box_[slot];
    cell.h = box.h;
    cell.hinv = box.hinv;
    for (int k = 0; k < 3; ++k) cell.periodic[k] = box.periodic[k] ? 1.0 : 0.0;

    for (std::size_t k = static_cast<std::size_t>(counts_.hops_seen); k < closed.size(); ++k) {
        ++counts_.hops_seen;
        // t_mid is a multiple of dt_s / 2 (hop_events.cpp): round via the integer 2 t_mid / dt_s, halfway up.
        const long s2 = std::lround(2.0 * closed[k].t_mid_ps / dts);
        const long s_hop = (s2 + 1) / 2;
        if (s_hop - d_ < 0) { ++counts_.window_before_start; continue; }
        if (s_hop - d_ < s - frames_ + 1 || s_hop > s) { ++counts_.window_lost; continue; }
        pending_.push_back(Pending{static_cast<int>(k), closed[k].item, s_hop});
    }
    std::size_t keep = 0;
    for (std::size_t k = 0; k < pending_.size(); ++k) {
        if (pending_[k].s_hop + d_ <= s) process(pending_[k]);
        else pending_[keep++] = pending_[k];
    }
    pending_.resize(keep);
}

void HopRotationTracker::save(BinaryWriter& w) const {
    w.section("hop_rotation_v1");
    w.vec(ions_);
    w.vec(centres_);
    w.vec(offset_);
    w.vec(ligand_);
    w.vec(r_shell_);
    w.pod(d_);
    w.pod(frames_);
    w.pod(per_hop_);
    w.pod(seed_);
    w.pod(n_);
    w.pod(draws_);
    w.vec(unit_);
    w.vec(centre_pos_);
    w.vec(ion_pos_);
    w.vec(box_);
    w.vec(pending_);
    w.vec(hop_);
    w.vec(base_);
    w.pod(counts_);
}

void HopRotationTracker::load(BinaryReader& r) {
    r.section("hop_rotation_v1");
    const auto bad = [&](const std::string& what) {
        return input_error(r.file(), 0, "checkpoint hop_rotation state is corrupt (" + what + ")");
    };
    std::vector<int> ions, centres, offset, ligand;
    std::vector<double> rs;
    r.vec(ions);
    r.vec(centres);
    r.vec(offset);
    r.vec(ligand);
    r.vec(rs);
    const int d = r.pod<int>(), frames = r.pod<int>(), per_hop = r.pod<int>();
    const std::uint64_t seed = r.pod<std::uint64_t>();
    if (ions != ions_ || centres != centres_ || offset != offset_ || ligand != ligand_ || rs != r_shell_ || d != d_ ||
        frames != frames_ || per_hop != per_hop_ || seed != seed_)
        throw input_error(r.file(), 0, "checkpoint hop_rotation settings differ from the configuration");
    long n = r.pod<long>();
    std::uint64_t draws = r.pod<std::uint64_t>();
    std::vector<Vec3> unit, cpos, ipos;
    std::vector<Cell> box;
    std::vector<Pending> pending;
    std::vector<HopRotationSample> hop, base;
    r.vec(unit);
    r.vec(cpos);
    r.vec(ipos);
    r.vec(box);
    r.vec(pending);
    r.vec(hop);
    r.vec(base);
    const HopRotationCounts c = r.pod<HopRotationCounts>();
    // Range checks: every index used later must be valid, so a damaged file fails here and not in process().
    if (n < 0) throw bad("negative sample count");
    if (unit.size() != unit_.size() || cpos.size() != centre_pos_.size() || ipos.size() != ion_pos_.size() ||
        box.size() != box_.size())
        throw bad("ring sizes");
    if (c.hops_seen < 0 || c.hops_used < 0 || c.no_neighbour < 0 || c.window_before_start < 0 || c.window_lost < 0 ||
        c.hops_used + c.no_neighbour + c.window_before_start + c.window_lost + static_cast<long>(pending.size()) !=
            c.hops_seen)
        throw bad("hop counts");
    for (const Pending& p : pending)
        if (p.hop < 0 || p.hop >= c.hops_seen || p.item < 0 || p.item >= static_cast<int>(ions_.size()) ||
            p.s_hop < d_ || p.s_hop > n - 1 || p.s_hop + d_ <= n - 1 || p.s_hop - d_ < n - frames_)
            throw bad("pending hop");
    const auto check = [&](const std::vector<HopRotationSample>& v, bool baseline) {
        for (const HopRotationSample& s : v)
            if (s.group < 0 || s.group >= static_cast<int>(centres_.size()) || s.centre_sample < d_ ||
                s.centre_sample + d_ > n - 1 || (baseline ? s.hop != -1 : (s.hop < 0 || s.hop >= c.hops_seen)) ||
                !(s.dtheta >= 0 && s.dtheta <= 3.14159265358979324))
                throw bad(baseline ? "baseline sample" : "hop sample");
    };
    check(hop, false);
    check(base, true);
    if (base.size() != static_cast<std::size_t>(c.hops_used) * per_hop_ * centres_.size()) throw bad("baseline count");
    if (draws != static_cast<std::uint64_t>(c.hops_used) * per_hop_) throw bad("draw counter");
    n_ = n;
    draws_ = draws;
    unit_.swap(unit);
    centre_pos_.swap(cpos);
    ion_pos_.swap(ipos);
    box_.swap(box);
    pending_.swap(pending);
    hop_.swap(hop);
    base_.swap(base);
    counts_ = c;
}

}  // namespace mdrun
