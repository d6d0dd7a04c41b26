// RAII owner of one cudaMalloc'd array of trivially copyable T (never managed memory: every host<->device
// transfer is explicit, so the step loop cannot hide a round trip). Copies are explicit too: a
// DeviceBuffer is movable, not copyable.
#pragma once
#include <cstddef>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <cuda_runtime_api.h>

#include "kernels/cuda_check.hpp"

namespace mdrun {

template <class T>
class DeviceBuffer {
    static_assert(std::is_trivially_copyable<T>::value, "DeviceBuffer holds trivially copyable types only");

public:
    DeviceBuffer() = default;
    explicit DeviceBuffer(std::size_t n) { resize(n); }
    ~DeviceBuffer() { release(); }
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;
    DeviceBuffer(DeviceBuffer&& o) noexcept : ptr_(o.ptr_), n_(o.n_) { o.ptr_ = nullptr; o.n_ = 0; }
    DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
        if (this != &o) {
            release();
            ptr_ = std::exchange(o.ptr_, nullptr);
            n_ = std::exchange(o.n_, 0);
        }
        return *this;
    }

    // Reallocates (contents are lost) unless the size is unchanged.
    void resize(std::size_t n) {
        if (n == n_) return;
        release();
        if (n > 0) {
            const cudaError_t st = cudaMalloc(reinterpret_cast<void**>(&ptr_), n * sizeof(T));
            if (st == cudaErrorMemoryAllocation) {
                cudaGetLastError();
                std::size_t free_b = 0, total_b = 0;
                cudaMemGetInfo(&free_b, &total_b);
                ptr_ = nullptr;
                throw Error("CUDA device memory exhausted: " + std::to_string((n * sizeof(T)) >> 20) + " MiB requested, " +
                            std::to_string(free_b >> 20) + " MiB free of " + std::to_string(total_b >> 20) +
                            " MiB; run fewer replicas or atoms per process");
            }
            cuda_check(st, "cudaMalloc", __FILE__, __LINE__);
        }
        n_ = n;
    }
    void zero(cudaStream_t stream = nullptr) {
        if (n_ > 0) MDRUN_CUDA_CHECK(cudaMemsetAsync(ptr_, 0, n_ * sizeof(T), stream));
    }
    // Host -> device; resizes to the host size. Synchronous with respect to the host data.
    void upload(const std::vector<T>& host) { upload(host.data(), host.size()); }
    void upload(const T* host, std::size_t n) {
        resize(n);
        if (n > 0) MDRUN_CUDA_CHECK(cudaMemcpy(ptr_, host, n * sizeof(T), cudaMemcpyHostToDevice));
    }
    // Device -> host (synchronous: only used when output is due).
    void download(std::vector<T>& host) const {
        host.resize(n_);
        if (n_ > 0) MDRUN_CUDA_CHECK(cudaMemcpy(host.data(), ptr_, n_ * sizeof(T), cudaMemcpyDeviceToHost));
    }
    std::vector<T> download() const {
        std::vector<T> h;
        download(h);
        return h;
    }

    void download_range(std::size_t first, std::size_t n, T* host) const {
        if (n > 0) MDRUN_CUDA_CHECK(cudaMemcpy(host, ptr_ + first, n * sizeof(T), cudaMemcpyDeviceToHost));
    }
    void upload_range(std::size_t first, std::size_t n, const T* host) {
        if (n > 0) MDRUN_CUDA_CHECK(cudaMemcpy(ptr_ + first, host, n * sizeof(T), cudaMemcpyHostToDevice));
    }
    // Device -> device copy of a buffer of the same element type (resizes this one).
    void copy_from(const DeviceBuffer& o) {
        resize(o.n_);
        if (n_ > 0) MDRUN_CUDA_CHECK(cudaMemcpy(ptr_, o.ptr_, n_ * sizeof(T), cudaMemcpyDeviceToDevice));
    }

    T* data() { return ptr_; }
    const T* data() const { return ptr_; }
    std::size_t size() const { return n_; }
    std::size_t bytes() const { return n_ * sizeof(T); }

private:
    void release() noexcept {
        if (ptr_) cudaFree(ptr_);  // no throw from a destructor; a failed free at exit is harmless
        ptr_ = nullptr;
        n_ = 0;
    }
    T* ptr_ = nullptr;
    std::size_t n_ = 0;
};

}  // namespace mdrun
