// The host executor and buffer: run the GPU step sequence of kernels/batch_engine.hpp on the CPU, one
// "thread" after another, with std::vector storage. Used by tests/unit/test_kernel_bodies*.cpp to test
// the exact bodies and launch sequence the CUDA backend runs, on a machine without a GPU.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <functional>
#include <type_traits>
#include <vector>

namespace mdrun {

// resize() fills new storage with 0xFF bytes (NaN doubles, -1 ints), as cudaMalloc leaves device memory
// undefined: a host-tested sequence that reads a word before writing it then goes visibly wrong here
// instead of silently reading zeros (std::vector's default) and passing.
template <class T>
class HostBuffer {
    static_assert(std::is_trivially_copyable<T>::value, "HostBuffer mirrors DeviceBuffer: trivially copyable types only");

public:
    void resize(std::size_t n) {
        if (n == v_.size()) return;
        v_.assign(n, T{});
        if (n > 0) std::memset(static_cast<void*>(v_.data()), 0xFF, n * sizeof(T));
    }
    void zero() { std::fill(v_.begin(), v_.end(), T{}); }
    void upload(const std::vector<T>& h) { v_ = h; }
    void upload(const T* h, std::size_t n) { v_.assign(h, h + n); }
    void download(std::vector<T>& h) const { h = v_; }
    void download_range(std::size_t first, std::size_t n, T* h) const {
        std::copy(v_.begin() + first, v_.begin() + first + n, h);
    }
    void upload_range(std::size_t first, std::size_t n, const T* h) { std::copy(h, h + n, v_.begin() + first); }
    void copy_from(const HostBuffer& o) { v_ = o.v_; }
    T* data() { return v_.data(); }
    const T* data() const { return v_.data(); }
    std::size_t size() const { return v_.size(); }
    std::size_t bytes() const { return v_.size() * sizeof(T); }

private:
    std::vector<T> v_;
};

struct HostExec {
    template <class F>
    void launch(long n, const F& f) {
        ++launches;
        for (long t = 0; t < n; ++t) f(static_cast<int>(t));
    }
    // A cooperative launch (kernels/mtp_warp_bodies.hpp): n groups of `lanes` lanes, each group with its own
    // block of `shared_doubles` (poisoned like new device memory); f(phase, group, lane, lanes, block) runs
    // phase by phase, every lane of a phase before the next phase starts (the GPU's __syncwarp). With
    // reverse_lanes the lanes of a phase run last to first: a phase that read what another lane writes in
    // the same phase would then give different bits (the host tests compare both orders).
    template <class F>
    void launch_warps(long n, int lanes, long shared_doubles, const F& f) {
        ++launches;
        std::vector<double> block(static_cast<std::size_t>(shared_doubles > 0 ? shared_doubles : 1));
        const int phases = f.phases();
        for (long t = 0; t < n; ++t) {
            std::memset(static_cast<void*>(block.data()), 0xFF, block.size() * sizeof(double));
            for (int ph = 0; ph < phases; ++ph) {
                for (int k = 0; k < lanes; ++k) {
                    const int lane = reverse_lanes ? lanes - 1 - k : k;
                    if (warp_lane_hook) warp_lane_hook(ph, t, lane, block.data());
                    f(ph, static_cast<int>(t), lane, lanes, block.data());
                }
                if (warp_lane_hook) warp_lane_hook(ph, t, -1, block.data());
            }
        }
    }
    // Largest shared block (bytes) a cooperative launch may ask for; larger blocks go to global scratch.
    bool warp_fits(std::size_t bytes_per_item, int /*lanes*/) const { return bytes_per_item <= shared_limit; }
    void sync() {}
    // Runs `n` steps; the CUDA executor replays a captured graph instead.
    template <class StepFn>
    void run_steps(long n, StepFn&& step) {
        for (long k = 0; k < n; ++k) step();
    }
    void invalidate_graph() {}
    std::size_t scratch_budget() const { return std::size_t(1) << 30; }
    bool reverse_lanes = false;                     // tests: run the lanes of each phase in reverse order
    // tests: called before each lane of a cooperative launch runs a phase (phase, item, lane, its block) and
    // with lane -1 after the phase's last lane (the bank-conflict test attributes the traced accesses)
    std::function<void(int, long, int, const double*)> warp_lane_hook;
    std::size_t shared_limit = 227 * 1024;          // tests may set 0 to exercise the global-scratch variant
    long launches = 0;  // counted so tests can check that launches per step do not grow with replicas
};

}  // namespace mdrun
