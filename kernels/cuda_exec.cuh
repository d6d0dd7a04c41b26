// The CUDA executor of kernels/batch_engine.hpp: every launch is the one generic kernel below around a
// per-thread body functor (so each kernel is a thin launch of the shared __host__ __device__ body), on
// one stream; run_steps() captures one MD step into a CUDA Graph once and replays it, which removes the
// launch overhead of the ~20 small launches per step. nvcc only.
#pragma once
#include <climits>
#include <cstddef>
#include <cstdlib>
#include <string>
#include <typeinfo>

#include <cuda_runtime.h>

#include "kernels/cuda_check.hpp"

namespace mdrun {

template <class F>
__global__ void body_kernel(int n, F f) {
    const int t = static_cast<int>(blockIdx.x) * static_cast<int>(blockDim.x) + static_cast<int>(threadIdx.x);
    if (t < n) f(t);
}

// The cooperative kernel (kernels/mtp_warp_bodies.hpp): each group of `lanes` consecutive threads (32 = a
// warp, 16 = a half-warp, ...; lanes divides 32) works on one item t, with its own block of
// `shared_doubles` doubles of dynamic shared memory, phase by phase; __syncwarp over the group's lanes
// is the sync point between two phases (it also orders their shared- and global-memory accesses). A group
// past the end leaves as a whole, so every lane that reaches a __syncwarp has all of its group with it.
template <class F>
__global__ void warp_group_kernel(int n, int lanes, long shared_doubles, F f) {
    extern __shared__ double mdrun_warp_shared[];
    const int tid = static_cast<int>(threadIdx.x);
    const int groups_per_block = static_cast<int>(blockDim.x) / lanes;
    const int group = tid / lanes, lane = tid % lanes;
    const int t = static_cast<int>(blockIdx.x) * groups_per_block + group;
    if (t >= n) return;
    const unsigned base = static_cast<unsigned>((tid % 32) / lanes * lanes);
    const unsigned mask = lanes == 32 ? 0xffffffffu : (((1u << lanes) - 1u) << base);
    double* block = mdrun_warp_shared + shared_doubles * group;
    const int phases = f.phases();
    for (int ph = 0; ph < phases; ++ph) {
        f(ph, t, lane, lanes, block);
        __syncwarp(mask);
    }
}

class CudaExec {
public:
    // MDRUN_CUDA_DEBUG=1 in the environment: no graph, and a synchronisation after every launch so that a
    // failing kernel is named (its body functor) instead of surfacing at the next copy.
    explicit CudaExec(bool use_graphs = true) : use_graphs_(use_graphs) {
        const char* dbg = std::getenv("MDRUN_CUDA_DEBUG");
        debug_ = dbg && dbg[0] && dbg[0] != '0';
        if (debug_) use_graphs_ = false;
        // A blocking stream: the engine's synchronous cudaMemcpy calls (legacy default stream) order
        // themselves after the work queued here.
        MDRUN_CUDA_CHECK(cudaStreamCreate(&stream_));
    }
    ~CudaExec() {
        invalidate_graph();
        if (stream_) cudaStreamDestroy(stream_);
    }
    CudaExec(const CudaExec&) = delete;
    CudaExec& operator=(const CudaExec&) = delete;

    // Block size 128: the MTP body is register-heavy; small blocks keep more SMs busy for small batches.
    template <class F>
    void launch(long n, const F& f) {
        ++launches;
        if (n <= 0) return;
        if (n > INT_MAX) throw Error("CUDA launch over " + std::to_string(n) + " threads exceeds the 2^31 a launch can index");
        constexpr int kBlock = 128;
        const long blocks = (n + kBlock - 1) / kBlock;
        body_kernel<F><<<static_cast<unsigned>(blocks), kBlock, 0, stream_>>>(static_cast<int>(n), f);
        MDRUN_CUDA_CHECK_LAUNCH("body_kernel launch");
        if (debug_) {
            const cudaError_t st = cudaStreamSynchronize(stream_);
            if (st != cudaSuccess)
                cuda_check(st, (std::string("kernel with body ") + typeid(F).name() + " over " + std::to_string(n) +
                                " threads")
                                   .c_str(),
                           __FILE__, __LINE__);
        }
    }
    // n items, `lanes` lanes each (a divisor of 32), `shared_doubles` of shared memory per item (0: the
    // body keeps its blocks in global memory). Up to 4 warps per block, fewer when their shared memory
    // would not fit the per-block limit.
    template <class F>
    void launch_warps(long n, int lanes, long shared_doubles, const F& f) {
        ++launches;
        if (n <= 0) return;
        if (lanes < 1 || lanes > 32 || 32 % lanes != 0)
            throw Error("CUDA cooperative launch: " + std::to_string(lanes) + " lanes per item (must divide 32)");
        const std::size_t per_item = static_cast<std::size_t>(shared_doubles) * sizeof(double);
        const int per_warp = 32 / lanes;
        int warps = 4;
        while (warps > 1 && per_item * per_warp * warps > warp_shared_limit()) --warps;
        const std::size_t bytes = per_item * per_warp * warps;
        if (bytes > warp_shared_limit())
            throw Error("CUDA cooperative launch: " + std::to_string(bytes) + " bytes of shared memory per block exceed the device's " +
                        std::to_string(warp_shared_limit()));
        // Above 48 KiB a kernel must opt in (once per kernel and size; never inside a graph capture,
        // because the eager step before a capture launches the same kernel with the same size first).
        static std::size_t opted = 48 * 1024;
        if (bytes > opted) {
            MDRUN_CUDA_CHECK(cudaFuncSetAttribute(warp_group_kernel<F>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                                  static_cast<int>(bytes)));
            opted = bytes;
        }
        const long items_per_block = static_cast<long>(per_warp) * warps;
        const long blocks = (n + items_per_block - 1) / items_per_block;
        if (n > INT_MAX) throw Error("CUDA cooperative launch over " + std::to_string(n) + " items exceeds 2^31");
        warp_group_kernel<F><<<static_cast<unsigned>(blocks), 32 * warps, bytes, stream_>>>(static_cast<int>(n), lanes,
                                                                                             shared_doubles, f);
        MDRUN_CUDA_CHECK_LAUNCH("warp_group_kernel launch");
        if (debug_) {
            const cudaError_t st = cudaStreamSynchronize(stream_);
            if (st != cudaSuccess)
                cuda_check(st, (std::string("cooperative kernel with body ") + typeid(F).name() + " over " + std::to_string(n) +
                                " items")
                                   .c_str(),
                           __FILE__, __LINE__);
        }
    }
    // The most dynamic shared memory one block may use (the opt-in limit: 227 KiB on an H100/H200).
    std::size_t warp_shared_limit() const {
        if (shared_limit_ == 0) {
            int dev = 0, v = 0;
            if (cudaGetDevice(&dev) == cudaSuccess &&
                cudaDeviceGetAttribute(&v, cudaDevAttrMaxSharedMemoryPerBlockOptin, dev) == cudaSuccess && v > 0)
                shared_limit_ = static_cast<std::size_t>(v);
            else
                shared_limit_ = 48 * 1024;
        }
        return shared_limit_;
    }
    // Whether items of this size fit shared memory with `lanes` lanes each (32 / lanes items per warp).
    bool warp_fits(std::size_t bytes_per_item, int lanes) const {
        return lanes >= 1 && lanes <= 32 && 32 % lanes == 0 && bytes_per_item * static_cast<std::size_t>(32 / lanes) <= warp_shared_limit();
    }
    void sync() { MDRUN_CUDA_CHECK(cudaStreamSynchronize(stream_)); }

    // Runs `n` steps: the first call captures step() into a graph, later calls replay it. Before a
    // capture, one step runs as plain launches: a kernel's first launch loads its module (lazy loading,
    // CUDA's default), and that must not happen inside a capture (it may fail there, or be recorded).
    // The eager step is one of the n (the same launches, so the same result).
    template <class StepFn>
    void run_steps(long n, StepFn&& step) {
        if (!use_graphs_) {
            for (long k = 0; k < n; ++k) step();
            return;
        }
        if (n <= 0) return;
        if (!graph_exec_) {
            step();
            ++eager_steps;
            if (--n == 0) return;
            MDRUN_CUDA_CHECK(cudaStreamBeginCapture(stream_, cudaStreamCaptureModeThreadLocal));
            step();
            MDRUN_CUDA_CHECK(cudaStreamEndCapture(stream_, &graph_));
            MDRUN_CUDA_CHECK(cudaGraphInstantiate(&graph_exec_, graph_, 0));
            ++captures;
        }
        for (long k = 0; k < n; ++k) MDRUN_CUDA_CHECK(cudaGraphLaunch(graph_exec_, stream_));
    }
    // The captured graph holds buffer addresses: drop it whenever buffers are reallocated.
    void invalidate_graph() {
        if (graph_exec_) cudaGraphExecDestroy(graph_exec_);
        if (graph_) cudaGraphDestroy(graph_);
        graph_exec_ = nullptr;
        graph_ = nullptr;
    }
    // Default MTP scratch budget: half of the free device memory, so that batches of many replicas run
    // in one MTP launch per step (chunking only for very large systems).
    std::size_t scratch_budget() const {
        std::size_t free_b = 0, total_b = 0;
        if (cudaMemGetInfo(&free_b, &total_b) != cudaSuccess) return std::size_t(1) << 30;
        return free_b / 2;
    }
    cudaStream_t stream() const { return stream_; }
    bool graphs() const { return use_graphs_; }

    long launches = 0;  // kernel launches issued (a captured step counts once)
    long captures = 0;  // graphs captured
    long eager_steps = 0;  // steps run as plain launches before a capture

private:
    bool use_graphs_ = true;
    bool debug_ = false;
    mutable std::size_t shared_limit_ = 0;
    cudaStream_t stream_ = nullptr;
    cudaGraph_t graph_ = nullptr;
    cudaGraphExec_t graph_exec_ = nullptr;
};

}  // namespace mdrun
