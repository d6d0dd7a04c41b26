// Device-side accumulators of one replica's AnalysisSet (analysis/analysis_set.hpp): the same state —
// unwrapped positions, drift, the E1 multi-level rings and lag sums (MSD, MSCD, reorientation), the E2
// linear rings and sums (VACF, angular-velocity ACF), the rho(theta, phi) histogram — kept in executor
// buffers and updated by the bodies of kernels/analysis_bodies.hpp, so a sample needs no copy of positions
// or velocities to the host. The host AnalysisSet remains the owner of the format: upload_from() takes its
// state, download_into() puts the device state back (before results or checkpoints are written), so
// analysis.h5, the CSVs and checkpoints are produced by the unchanged host code.
//
// A template over executor and buffer like kernels/batch_engine.hpp: the CUDA backend instantiates it with
// CudaExec/DeviceBuffer, the unit tests with HostExec/HostBuffer (tests/unit/test_kernel_bodies_analysis.cpp).
// Hops (analysis/hop_events.hpp) are hybrid: the drift-corrected positions of the tracked ions are gathered on
// the device and only those (N_ion x 24 B) are copied to a host HopDetector held here (event lists are
// variable-length host data). cna_correlation (analysis/cna_correlation.hpp) is host-only: with it on, the
// replica's positions are copied to a host CnaTracker held here at each sample (the cost of the old host path,
// for that analysis only; everything else still runs on the device). hop_rotation (analysis/hop_rotation.hpp) is
// host-only the same way: it shares that copy of the positions and runs after the host HopDetector. The coarse collective series of the block
// Haven ratio (analysis/collective_series.hpp) is host-side too: at the samples it keeps (every `stride`
// samples, <= 4096 points per run) the species sums (n_species x 24 B) are copied back.
// Batching across replicas: BatchBackend makes each replica's sample() record its launches (record_into) and
// runs the records of all replicas with AnaBatcher, whose launches per sample do not depend on the number of
// replicas; the polyanion bond check is latched on the device and read with bond_failure().
#pragma once
#include <algorithm>
#include <cstdint>
#include <memory>
#include <utility>
#include <cstring>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "analysis/analysis_state.hpp"
#include "engine/core/box.hpp"
#include "engine/core/error.hpp"
#include "kernels/analysis_bodies.hpp"

namespace mdrun {

// Access to the private state of the host correlators (declared a friend by them).
struct CorrelatorAccess {
    static PairMode& mode(MultiLevelCorrelator& c) { return c.mode_; }
    static std::vector<int>& group(MultiLevelCorrelator& c) { return c.group_; }
    static int& n_groups(MultiLevelCorrelator& c) { return c.n_groups_; }
    static long& n(MultiLevelCorrelator& c) { return c.n_; }
    static std::vector<Vec3>& first(MultiLevelCorrelator& c) { return c.first_; }
    static std::vector<std::vector<Vec3>>& ring(MultiLevelCorrelator& c) { return c.ring_; }
    static std::vector<int>& head(MultiLevelCorrelator& c) { return c.head_; }
    static std::vector<int>& filled(MultiLevelCorrelator& c) { return c.filled_; }
    static std::vector<std::vector<double>>& acc(MultiLevelCorrelator& c) { return c.acc_; }
    static std::vector<std::vector<std::uint64_t>>& count(MultiLevelCorrelator& c) { return c.count_; }

    static std::vector<int>& group(LinearCorrelator& c) { return c.group_; }
    static int& n_groups(LinearCorrelator& c) { return c.n_groups_; }
    static long& n(LinearCorrelator& c) { return c.n_; }
    static std::vector<Vec3>& ring(LinearCorrelator& c) { return c.ring_; }
    static std::vector<double>& sum(LinearCorrelator& c) { return c.sum_; }
    static std::vector<std::uint64_t>& count(LinearCorrelator& c) { return c.count_; }
};

// A recorded launch of one replica (see AnaLauncher and AnaBatcher below).
using AnaBody = std::variant<AnaFirstFn, AnaUnwrapFn, AnaDriftFn, AnaCorrectFn, AnaSpeciesSumFn, AnaGatherFn, AnaBondFn,
                             AnaBadLatchFn, AnaRhoFn, AnaOmegaFn, AnaMultiLevelPairFn, AnaMultiLevelPartialFn,
                             AnaMultiLevelCombineFn, AnaCopyFn, AnaLinearPairFn>;
struct AnaLaunchRec {
    long n;
    AnaBody f;
};

// Launches a body at once on the executor, or (rec set) appends it to a replica's record for AnaBatcher.
template <class Exec>
struct AnaLauncher {
    Exec* ex;
    std::vector<AnaLaunchRec>* rec;
    template <class F>
    void launch(long n, const F& f) {
        if (rec)
            rec->push_back(AnaLaunchRec{n, AnaBody{f}});
        else
            ex->launch(n, f);
    }
};

// Runs the recorded samples of several replicas with a number of launches that does not depend on the
// number of replicas: round i takes the i-th recorded launch of every replica (so each replica's launches
// keep their order) and issues one AnaBatchFn launch per body type present in the round, over the
// concatenated threads of those replicas. Replicas with the same analysis configuration record the same
// sequence of body types, so a sample of any number of them costs the launches of one. All bodies and
// per-replica thread offsets of a sample go to the device in one copy.
template <class Exec, template <class> class Buf>
class AnaBatcher {
public:
    void run(Exec& ex, const std::vector<const std::vector<AnaLaunchRec>*>& recs) {
        struct Plan {
            std::size_t fns, off;
            int count;
            long total;
            const AnaBody* proto;
        };
        std::vector<unsigned char> bytes;
        std::vector<Plan> plan;
        auto align = [&] { bytes.resize((bytes.size() + 15) / 16 * 16, 0); };
        auto put = [&](const void* p, std::size_t n) {
            const std::size_t at = bytes.size();
            bytes.resize(at + n);
            std::memcpy(bytes.data() + at, p, n);
        };
        std::size_t rounds = 0;
        for (const auto* r : recs) rounds = std::max(rounds, r->size());
        std::vector<std::vector<const AnaLaunchRec*>> groups;
        for (std::size_t i = 0; i < rounds; ++i) {
            groups.clear();
            for (const auto* r : recs) {
                if (i >= r->size() || (*r)[i].n <= 0) continue;
                const AnaLaunchRec* l = &(*r)[i];
                auto g = std::find_if(groups.begin(), groups.end(),
                                      [&](const std::vector<const AnaLaunchRec*>& v) { return v[0]->f.index() == l->f.index(); });
                if (g == groups.end())
                    groups.push_back({l});
                else
                    g->push_back(l);
            }
            for (const auto& g : groups) {
                Plan p;
                p.count = static_cast<int>(g.size());
                p.proto = &g[0]->f;
                align();
                p.off = bytes.size();
                long o = 0;
                put(&o, sizeof o);
                for (const auto* l : g) {
                    o += l->n;
                    put(&o, sizeof o);
                }
                p.total = o;
                align();
                p.fns = bytes.size();
                for (const auto* l : g)
                    std::visit(
                        [&](const auto& f) {
                            using F = std::decay_t<decltype(f)>;
                            static_assert(std::is_trivially_copyable<F>::value && alignof(F) <= 16, "body must be a plain struct");
                            put(&f, sizeof(F));
                        },
                        l->f);
                plan.push_back(p);
            }
        }
        if (plan.empty()) return;
        align();
        // The staging buffer only grows (to twice what is needed): the size of a sample's batch changes
        // from sample to sample (lags fill up), and a reallocation is a cudaFree + cudaMalloc, i.e. a
        // device-wide synchronisation, at every sample otherwise.
        const std::size_t blobs = bytes.size() / sizeof(Blob);
        if (blobs > stage_.size()) {
            stage_.resize(2 * blobs);
            ++stage_allocations_;
        }
        stage_.upload_range(0, blobs, reinterpret_cast<const Blob*>(bytes.data()));
        const unsigned char* base = reinterpret_cast<const unsigned char*>(stage_.data());
        for (const Plan& p : plan)
            std::visit(
                [&](const auto& proto) {
                    using F = std::decay_t<decltype(proto)>;
                    ex.launch(p.total, AnaBatchFn<F>{reinterpret_cast<const F*>(base + p.fns),
                                                     reinterpret_cast<const long*>(base + p.off), p.count});
                },
                *p.proto);
    }

    long stage_allocations() const { return stage_allocations_; }  // (for tests)

private:
    struct alignas(16) Blob {
        unsigned char b[16];
    };
    Buf<Blob> stage_;
    long stage_allocations_ = 0;
};

namespace device_analysis_detail {

// E1 groups with more items than this use kAnaLanes lanes (round-off-level instead of bitwise agreement with
// the host; see AnaMultiLevelPartialFn). Below it, one thread per (lag, group) in the host's order.
constexpr std::uint64_t kAnaLaneThreshold = 4096;
constexpr int kAnaLanes = 32;

// Items of each group as a CSR (increasing item index within a group) and the items per group.
inline void group_csr(const std::vector<int>& group, int n_groups, std::vector<int>& offset, std::vector<int>& items,
                      std::vector<std::uint64_t>& per_group) {
    offset.assign(static_cast<std::size_t>(n_groups) + 1, 0);
    per_group.assign(static_cast<std::size_t>(n_groups), 0);
    for (int g : group) ++per_group[static_cast<std::size_t>(g)];
    for (int g = 0; g < n_groups; ++g) offset[g + 1] = offset[g] + static_cast<int>(per_group[g]);
    items.assign(group.size(), 0);
    std::vector<int> fill(offset.begin(), offset.end() - 1);
    for (std::size_t i = 0; i < group.size(); ++i) items[static_cast<std::size_t>(fill[group[i]]++)] = static_cast<int>(i);
}

// E1 on the device. The level bookkeeping (which levels a sample enters, ring heads) is a few integers and
// stays on the host, exactly as in MultiLevelCorrelator::add.
template <class Exec, template <class> class Buf>
class DeviceMultiLevel {
public:
    void upload_from(Exec& ex, MultiLevelCorrelator& c, int block, int ratio) {
        (void)ex;
        using A = CorrelatorAccess;
        dot_ = A::mode(c) == PairMode::dot;
        block_ = block;
        ratio_ = ratio;
        ng_ = A::n_groups(c);
        items_ = static_cast<int>(A::group(c).size());
        group_ = A::group(c);
        std::vector<int> off, it;
        group_csr(group_, ng_, off, it, per_group_h_);
        goff_.upload(off);
        gitems_.upload(it);
        per_group_.upload(per_group_h_);
        n_ = A::n(c);
        // Lanes: 1 (the host's item order: bit-identical) unless a group is large enough that one thread per
        // (lag, group) would leave the GPU idle; a forced value (tests) overrides.
        std::uint64_t largest = 0;
        for (auto v : per_group_h_) largest = std::max(largest, v);
        lanes_ = forced_lanes_ > 0 ? forced_lanes_ : (largest > kAnaLaneThreshold ? kAnaLanes : 1);
        // sized once for the most pairs an insertion can have (j in [1, block - 1]): a recorded launch keeps
        // this pointer until the batch runs, so the buffer must not move between samples
        if (lanes_ > 1)
            partial_.resize(std::max(partial_.size(), static_cast<std::size_t>(block_ > 1 ? block_ - 1 : 1) *
                                                          static_cast<std::size_t>(ng_) * static_cast<std::size_t>(lanes_) * kLagSlots));
        first_.resize(static_cast<std::size_t>(items_));
        if (!A::first(c).empty()) first_.upload(A::first(c));
        ring_.clear();
        acc_.clear();
        count_.clear();
        head_ = A::head(c);
        filled_ = A::filled(c);
        for (std::size_t k = 0; k < A::ring(c).size(); ++k) {
            new_level_buffers();
            const std::vector<Vec3>& r = A::ring(c)[k];
            if (!r.empty()) ring_.back()->upload_range(0, r.size(), r.data());
            acc_.back()->upload(A::acc(c)[k]);
            count_.back()->upload(A::count(c)[k]);
        }
    }
    void download_into(MultiLevelCorrelator& c) const {
        using A = CorrelatorAccess;
        A::n(c) = n_;
        first_.download(A::first(c));
        if (n_ == 0) A::first(c).clear();
        A::head(c) = head_;
        A::filled(c) = filled_;
        const std::size_t L = ring_.size();
        A::ring(c).assign(L, {});
        A::acc(c).assign(L, {});
        A::count(c).assign(L, {});
        for (std::size_t k = 0; k < L; ++k) {
            // the host ring holds only the filled slots (it grows as it fills)
            std::vector<Vec3>& r = A::ring(c)[k];
            r.resize(static_cast<std::size_t>(filled_[k]) * static_cast<std::size_t>(items_));
            ring_[k]->download_range(0, r.size(), r.data());
            acc_[k]->download(A::acc(c)[k]);
            count_[k]->download(A::count(c)[k]);
        }
    }
    // One sample x (device pointer, items_ entries): MultiLevelCorrelator::add.
    template <class L>
    void add(L& ex, const Vec3* x) {
        if (n_ == 0) {
            if (items_ > 0) ex.launch(items_, AnaCopyFn{x, first_.data()});
            new_level();
            insert(ex, 0, x);
            n_ = 1;
            return;
        }
        const long n = n_;
        long stride = 1;
        for (int k = 0;; ++k) {
            if (n % stride != 0) break;
            if (k == static_cast<int>(ring_.size())) {
                new_level();
                insert(ex, k, first_.data());
            }
            insert(ex, k, x);
            if (stride > n / ratio_) break;
            stride *= ratio_;
        }
        n_ = n + 1;
    }

    void force_lanes(int lanes) { forced_lanes_ = lanes; }
    int lanes() const { return lanes_; }

private:
    int min_j(int level) const { return level == 0 ? 1 : (block_ + ratio_ - 1) / ratio_; }
    void new_level_buffers() {
        ring_.emplace_back(new Buf<Vec3>());
        ring_.back()->resize(static_cast<std::size_t>(block_) * static_cast<std::size_t>(items_));
        acc_.emplace_back(new Buf<double>());
        count_.emplace_back(new Buf<std::uint64_t>());
    }
    void new_level() {
        new_level_buffers();
        std::vector<double> a(static_cast<std::size_t>(block_) * ng_ * kLagSlots, 0.0);
        std::vector<std::uint64_t> z(static_cast<std::size_t>(block_) * ng_, 0);
        acc_.back()->upload(a);
        count_.back()->upload(z);
        head_.push_back(0);
        filled_.push_back(0);
    }
    template <class L>
    void insert(L& ex, int level, const Vec3* x) {
        const int B = block_;
        const int jmax = filled_[level] < B - 1 ? filled_[level] : B - 1;
        const int j0 = min_j(level);
        if (jmax >= j0 && ng_ > 0 && lanes_ > 1) {
            const long threads = static_cast<long>(jmax - j0 + 1) * ng_;
            ex.launch(threads * lanes_, AnaMultiLevelPartialFn{ring_[level]->data(), x, goff_.data(), gitems_.data(), items_, ng_, B,
                                                               head_[level], j0, lanes_, dot_ ? 1 : 0, partial_.data()});
            ex.launch(threads, AnaMultiLevelCombineFn{partial_.data(), per_group_.data(), ng_, j0, lanes_,
                                                      acc_[level]->data(), count_[level]->data()});
        } else if (jmax >= j0 && ng_ > 0) {
            AnaMultiLevelPairFn f{ring_[level]->data(), x, goff_.data(), gitems_.data(), per_group_.data(), items_, ng_, B,
                                  head_[level], j0, dot_ ? 1 : 0, acc_[level]->data(), count_[level]->data()};
            ex.launch(static_cast<long>(jmax - j0 + 1) * ng_, f);
        }
        if (items_ > 0)
            ex.launch(items_, AnaCopyFn{x, ring_[level]->data() + static_cast<std::size_t>(head_[level]) * items_});
        head_[level] = (head_[level] + 1) % B;
        if (filled_[level] < B) ++filled_[level];
    }

    bool dot_ = false;
    int block_ = 16, ratio_ = 2, ng_ = 0, items_ = 0, lanes_ = 1, forced_lanes_ = 0;
    Buf<double> partial_;
    long n_ = 0;
    std::vector<int> group_, head_, filled_;
    std::vector<std::uint64_t> per_group_h_;
    Buf<int> goff_, gitems_;
    Buf<std::uint64_t> per_group_;
    Buf<Vec3> first_;
    std::vector<std::unique_ptr<Buf<Vec3>>> ring_;
    std::vector<std::unique_ptr<Buf<double>>> acc_;
    std::vector<std::unique_ptr<Buf<std::uint64_t>>> count_;
};

// E2 on the device (LinearCorrelator::add).
template <class Exec, template <class> class Buf>
class DeviceLinear {
public:
    void upload_from(LinearCorrelator& c) {
        using A = CorrelatorAccess;
        ng_ = A::n_groups(c);
        items_ = static_cast<int>(A::group(c).size());
        lags_ = c.n_lags();
        std::vector<int> off, it;
        std::vector<std::uint64_t> pg;
        group_csr(A::group(c), ng_, off, it, pg);
        goff_.upload(off);
        gitems_.upload(it);
        per_group_.upload(pg);
        n_ = A::n(c);
        ring_.upload(A::ring(c));
        sum_.upload(A::sum(c));
        count_.upload(A::count(c));
    }
    void download_into(LinearCorrelator& c) const {
        using A = CorrelatorAccess;
        A::n(c) = n_;
        ring_.download(A::ring(c));
        sum_.download(A::sum(c));
        count_.download(A::count(c));
    }
    template <class L>
    void add(L& ex, const Vec3* x) {
        const long head = n_ % lags_;
        if (items_ > 0) ex.launch(items_, AnaCopyFn{x, ring_.data() + static_cast<std::size_t>(head) * items_});
        const long max_lag = n_ < lags_ - 1 ? n_ : lags_ - 1;
        if (ng_ > 0) {
            AnaLinearPairFn f{ring_.data(), x, goff_.data(), gitems_.data(), per_group_.data(), items_, ng_, lags_, head,
                              sum_.data(), count_.data()};
            ex.launch((max_lag + 1) * ng_, f);
        }
        ++n_;
    }

private:
    int ng_ = 0, items_ = 0, lags_ = 1;
    long n_ = 0;
    Buf<int> goff_, gitems_;
    Buf<std::uint64_t> per_group_;
    Buf<Vec3> ring_;
    Buf<double> sum_;
    Buf<std::uint64_t> count_;
};

}  // namespace device_analysis_detail

template <class Exec, template <class> class Buf>
class DeviceAnalysis {
public:
    // Whether `set` can be sampled here (every analysis can; false only when analysis is disabled).
    static bool supported(const AnalysisSet& set) { return set.impl().cfg.enabled; }

    // The static description (atoms, groups, item lists) is taken from `set`; call upload_from() before
    // the first sample (and after the host set was loaded from a checkpoint).
    DeviceAnalysis(Exec& ex, const AnalysisSet& set) : ex_(ex) {
        if (!supported(set)) throw Error("device analysis: configuration uses an analysis without device kernels");
    }

    // Host AnalysisSet -> device (all accumulators and the sampling state).
    void upload_from(AnalysisSet& set) {
        AnalysisSet::Impl& I = set.mutable_impl();
        cfg_ = I.cfg;
        sample_dt_ps_ = I.sample_dt_ps();
        n_atoms_ = static_cast<int>(I.type.size());
        n_species_ = static_cast<int>(I.species.size());
        half_width_ = I.half_width_A;
        n_samples_ = I.n_samples;
        first_step_ = I.first_step;
        last_step_ = I.last_step;
        volume_sum_ = I.volume_sum_A3;
        type_.upload(I.type);
        std::vector<unsigned char> fr(I.frozen.begin(), I.frozen.end());
        frozen_.upload(fr);
        mass_.upload(I.mass);
        drift_atoms_.upload(I.drift_atoms);
        n_drift_ = static_cast<int>(I.drift_atoms.size());
        const std::size_t n = static_cast<std::size_t>(n_atoms_);
        for (auto* b : {&prev_, &u_, &u0_, &x_}) b->resize(n);
        if (I.n_samples > 0) {
            prev_.upload(I.prev_wrapped);
            u_.upload(I.unwrapped);
            u0_.upload(I.unwrapped0);
        }
        drift_.upload(I.drift_now);
        std::vector<double> md(1, I.max_framework_disp_A);
        max_disp_.upload(md);
        species_items_.resize(static_cast<std::size_t>(n_species_));
        if (cfg_.msd) {
            msd_.upload_from(ex_, I.msd, cfg_.msd_block, cfg_.msd_ratio);
            mscd_.upload_from(ex_, I.mscd, cfg_.msd_block, cfg_.msd_ratio);
            series_ = I.mscd_series;
        }
        const PolyanionGroups& G = I.groups;
        n_groups_ = G.size();
        n_bonds_ = G.bonds();
        std::vector<int> bc(static_cast<std::size_t>(n_bonds_)), bk(static_cast<std::size_t>(n_bonds_));
        for (int g = 0; g < n_groups_; ++g)
            for (int b = G.offset[g]; b < G.offset[g + 1]; ++b) {
                bc[static_cast<std::size_t>(b)] = G.centre[g];
                bk[static_cast<std::size_t>(b)] = G.kind[g];
            }
        bond_centre_.upload(bc);
        bond_kind_.upload(bk);
        bond_ligand_.upload(G.ligand);
        centre_.upload(G.centre);
        offset_.upload(G.offset);
        unit_.resize(static_cast<std::size_t>(n_bonds_));
        omega_.resize(static_cast<std::size_t>(n_groups_));
        std::vector<int> bad(1, 0x7fffffff);
        bad_.upload(bad);
        std::vector<long> first_bad(2, -1);
        first_bad_.upload(first_bad);
        bonds_unchecked_ = false;
        host_pending_ = false;
        series_pending_ = false;
        first_bad_h_.clear();
        if (cfg_.reorientation) reor_.upload_from(ex_, I.reor, cfg_.msd_block, cfg_.msd_ratio);
        if (cfg_.angular_vacf) wacf_.upload_from(I.wacf);
        rho_counts_.upload(I.rho_counts);
        rho_total_.upload(I.rho_total);
        vacf_atoms_.upload(I.vacf_atoms);
        vacf_items_.resize(I.vacf_atoms.size());
        if (cfg_.vacf) vacf_.upload_from(I.vacf);
        if (cfg_.cna) cna_ = I.cna;
        if (cfg_.hop_rotation) hoprot_ = I.hoprot;
        if (cfg_.cna || cfg_.hop_rotation) cna_pos_.resize(n);
        if (cfg_.hops) {
            hops_ = I.hops;
            hop_atoms_.upload(I.hop_atoms);
            hop_items_.resize(I.hop_atoms.size());
        }
        ligand_id_.clear();
        for (int l : G.ligand) ligand_id_.push_back(I.id.empty() ? l + 1 : I.id[static_cast<std::size_t>(l)]);
        uploaded_ = true;
    }

    // Device -> host AnalysisSet: afterwards `set` is exactly what host sampling would have produced.
    void download_into(AnalysisSet& set) {
        ex_.sync();
        AnalysisSet::Impl& I = set.mutable_impl();
        I.n_samples = n_samples_;
        I.first_step = first_step_;
        I.last_step = last_step_;
        I.volume_sum_A3 = volume_sum_;
        if (n_samples_ > 0) {
            prev_.download(I.prev_wrapped);
            u_.download(I.unwrapped);
            u0_.download(I.unwrapped0);
        }
        drift_.download(I.drift_now);
        std::vector<double> md;
        max_disp_.download(md);
        I.max_framework_disp_A = md[0];
        if (cfg_.msd) {
            msd_.download_into(I.msd);
            mscd_.download_into(I.mscd);
            I.mscd_series = series_;
        }
        if (cfg_.reorientation) reor_.download_into(I.reor);
        if (cfg_.angular_vacf) wacf_.download_into(I.wacf);
        if (cfg_.vacf) vacf_.download_into(I.vacf);
        rho_counts_.download(I.rho_counts);
        rho_total_.download(I.rho_total);
        if (cfg_.hops) I.hops = hops_;
        if (cfg_.cna) I.cna = cna_;
        if (cfg_.hop_rotation) I.hoprot = hoprot_;
    }

    // Forces the E1 lane count (0 = automatic) for the next upload_from(); for tests of the lane path.
    void force_lanes(int lanes) {
        msd_.force_lanes(lanes);
        mscd_.force_lanes(lanes);
        reor_.force_lanes(lanes);
    }
    bool uploaded() const { return uploaded_; }
    void invalidate() { uploaded_ = false; }
    long samples_taken() const { return n_samples_; }

    // AnalysisSet::sample on the device. pos/vel: device pointers to the replica's first atom (positions as
    // the engine holds them, wrapped or not); box: the replica's current cell. By default the launches run
    // at once and a broken polyanion bond throws here. After record_into(rec), sample() only appends its
    // launches to `rec` (AnaBatcher runs those of all replicas together); the caller then runs the batch,
    // calls finish_host() when host_pending() (hops, cna_correlation: after a sync) and reads the bond
    // check with bond_failure() when convenient (it reports the first failing sample).
    void sample(long step, const Vec3* pos, const Vec3* vel, const Box& box) {
        if (!uploaded_) throw Error("device analysis: sample() before upload_from()");
        if (n_samples_ > 0 && step != last_step_ + cfg_.sample_every)
            throw Error("analysis: samples must be taken every " + std::to_string(cfg_.sample_every) + " steps; got step " +
                        std::to_string(step) + " after " + std::to_string(last_step_));
        AnaLauncher<Exec> L{&ex_, rec_};
        const int n = n_atoms_;
        if (n_samples_ == 0) {
            L.launch(n, AnaFirstFn{pos, prev_.data(), u_.data(), u0_.data()});
            first_step_ = step;
        } else {
            L.launch(n, AnaUnwrapFn{box, pos, prev_.data(), u_.data()});
        }
        last_step_ = step;
        volume_sum_ += volume(box);
        L.launch(1, AnaDriftFn{u_.data(), u0_.data(), drift_atoms_.data(), n_drift_, drift_.data(), max_disp_.data()});
        L.launch(n, AnaCorrectFn{u_.data(), drift_.data(), frozen_.data(), x_.data()});
        if (cfg_.msd) {
            msd_.add(L, x_.data());
            L.launch(n_species_, AnaSpeciesSumFn{x_.data(), type_.data(), frozen_.data(), n, species_items_.data()});
            mscd_.add(L, species_items_.data());
            series_pending_ = series_.wants(n_samples_);
            series_index_ = n_samples_;
        }
        // (the correlators are fed even with no items, as on the host: their sample counts must agree)
        if (cfg_.reorientation || cfg_.orientation_density) {
            if (n_bonds_ > 0) {
                L.launch(n_bonds_, AnaBondFn{box, pos, bond_centre_.data(), bond_ligand_.data(), half_width_, unit_.data(), bad_.data()});
                // the flag stays on the device: the first failing step is latched there and read later
                L.launch(1, AnaBadLatchFn{step, bad_.data(), first_bad_.data()});
                bonds_unchecked_ = true;
            }
            if (cfg_.reorientation) reor_.add(L, unit_.data());
            if (cfg_.orientation_density && n_bonds_ > 0)
                L.launch(n_bonds_, AnaRhoFn{unit_.data(), bond_kind_.data(), cfg_.rho_bins_theta, cfg_.rho_bins_phi,
                                            rho_counts_.data(), rho_total_.data()});
        }
        if (cfg_.angular_vacf) {
            if (n_groups_ > 0)
                L.launch(n_groups_, AnaOmegaFn{box, pos, vel, mass_.data(), centre_.data(), offset_.data(), bond_ligand_.data(),
                                               omega_.data()});
            wacf_.add(L, omega_.data());
        }
        if (cfg_.cna || cfg_.hop_rotation) L.launch(n, AnaCopyFn{pos, cna_pos_.data()});
        if (cfg_.hops) {
            const std::size_t nh = hop_items_.size();
            if (nh > 0) L.launch(static_cast<long>(nh), AnaGatherFn{x_.data(), hop_atoms_.data(), hop_items_.data()});
        }
        if (cfg_.vacf) {
            if (!vacf_atoms_h_empty())
                L.launch(static_cast<long>(vacf_items_.size()), AnaGatherFn{vel, vacf_atoms_.data(), vacf_items_.data()});
            vacf_.add(L, vacf_items_.data());
        }
        ++n_samples_;
        if (cfg_.cna || cfg_.hops || series_pending_) {
            host_pending_ = true;
            host_box_ = box;
        }
        if (!rec_) {
            finish_host();
            throw_if_bond_broke();
        }
    }

    // Where sample() puts its launches instead of running them (nullptr: run them at once).
    void record_into(std::vector<AnaLaunchRec>* rec) { rec_ = rec; }

    // The host-side parts of the last sample (hops, cna_correlation), once its launches have run.
    bool host_pending() const { return host_pending_; }
    void finish_host() {
        if (!host_pending_) return;
        host_pending_ = false;
        ex_.sync();
        if (cfg_.cna || cfg_.hop_rotation) {
            const int n = n_atoms_;
            cna_host_.resize(static_cast<std::size_t>(n));
            cna_pos_.download_range(0, static_cast<std::size_t>(n), cna_host_.data());
        }
        if (cfg_.cna) cna_.add(host_box_, cna_host_.data());
        if (series_pending_) {
            series_pending_ = false;
            series_host_.resize(static_cast<std::size_t>(n_species_));
            species_items_.download_range(0, series_host_.size(), series_host_.data());
            series_.add(series_index_, series_host_.data());
        }
        if (cfg_.hops) {
            const std::size_t nh = hop_items_.size();
            hop_host_.resize(nh);
            hop_items_.download_range(0, nh, hop_host_.data());
            hops_.add(hop_host_.data());
        }
        if (cfg_.hop_rotation) hoprot_.add(host_box_, cna_host_.data(), hops_.closed_events(), sample_dt_ps_);
    }

    // The first sample whose polyanion bond check failed since upload_from(): {step, bond index}, or
    // {-1, -1}. One copy of two integers, and only when bonds were checked since the last call.
    std::pair<long, long> bond_failure() {
        if (bonds_unchecked_) {
            ex_.sync();
            first_bad_h_.resize(2);
            first_bad_.download_range(0, 2, first_bad_h_.data());
            bonds_unchecked_ = false;
        }
        if (first_bad_h_.size() != 2) return {-1, -1};
        return {first_bad_h_[0], first_bad_h_[1]};
    }
    // The error the host AnalysisSet raises for that sample.
    Error bond_error(long step, long bond) const {
        return Error("analysis: at step " + std::to_string(step) + " the bond of ligand atom " +
                     std::to_string(ligand_id_[static_cast<std::size_t>(bond)]) +
                     " to its centre is not below half the smallest cell width; the polyanion fell apart");
    }
    void throw_if_bond_broke() {
        const auto f = bond_failure();
        if (f.first >= 0) throw bond_error(f.first, f.second);
    }

private:
    bool vacf_atoms_h_empty() const { return vacf_items_.size() == 0; }

    Exec& ex_;
    std::vector<AnaLaunchRec>* rec_ = nullptr;
    bool bonds_unchecked_ = false, host_pending_ = false;
    Box host_box_{};
    Buf<long> first_bad_;
    std::vector<long> first_bad_h_;
    AnalysisConfig cfg_;
    bool uploaded_ = false;
    int n_atoms_ = 0, n_species_ = 0, n_drift_ = 0, n_groups_ = 0, n_bonds_ = 0;
    double half_width_ = 0;
    long n_samples_ = 0, first_step_ = -1, last_step_ = -1;
    double volume_sum_ = 0;
    std::vector<long> ligand_id_;
    HopDetector hops_;             // host-side (see the file comment)
    CnaTracker cna_;               // host-side
    HopRotationTracker hoprot_;    // host-side, after hops_
    double sample_dt_ps_ = 0;
    CollectiveSeries series_;      // host-side
    bool series_pending_ = false;
    long series_index_ = 0;
    std::vector<Vec3> series_host_;
    std::vector<Vec3> cna_host_;
    Buf<Vec3> cna_pos_;
    std::vector<Vec3> hop_host_;
    Buf<int> hop_atoms_;
    Buf<Vec3> hop_items_;
    Buf<int> type_, drift_atoms_, bond_centre_, bond_kind_, bond_ligand_, centre_, offset_, vacf_atoms_, bad_;
    Buf<unsigned char> frozen_;
    Buf<double> mass_, max_disp_;
    Buf<Vec3> prev_, u_, u0_, x_, drift_, species_items_, unit_, omega_, vacf_items_;
    Buf<std::uint64_t> rho_counts_, rho_total_;
    device_analysis_detail::DeviceMultiLevel<Exec, Buf> msd_, mscd_, reor_;
    device_analysis_detail::DeviceLinear<Exec, Buf> wacf_, vacf_;
};

}  // namespace mdrun
