// The GPU of an MPI rank (engine/core/rank_gpu.hpp, used by kernels/cuda_rank_device.cpp under mpirun):
// local rank modulo the GPUs the process sees, so a node's ranks spread round-robin over its GPUs, and
// with CUDA_VISIBLE_DEVICES set per task (Slurm --gpus-per-task=1) every rank takes its only GPU, 0.
#include <doctest/doctest.h>

#include "engine/core/error.hpp"
#include "engine/core/rank_gpu.hpp"

using namespace mdrun;

TEST_CASE("ranks of a node go round-robin over its GPUs") {
    // 4 GPUs, 6 ranks on the node: 0 1 2 3 0 1
    const int expect[] = {0, 1, 2, 3, 0, 1};
    for (int r = 0; r < 6; ++r) CHECK(rank_gpu(r, 4, nullptr).device == expect[r]);
    CHECK(rank_gpu(0, 1, nullptr).device == 0);
    CHECK(rank_gpu(7, 1, nullptr).device == 0);  // one visible GPU: every rank shares it
}

TEST_CASE("the run.log note names the GPU, the count, the local rank and CUDA_VISIBLE_DEVICES") {
    CHECK(rank_gpu(5, 4, nullptr).note == "GPU 1 of 4 visible (local rank 5)");
    // Slurm --gpus-per-task=1: each task sees one GPU (its physical number only in the variable)
    const RankGpu g = rank_gpu(3, 1, "2");
    CHECK(g.device == 0);
    CHECK(g.note == "GPU 0 of 1 visible (local rank 3, CUDA_VISIBLE_DEVICES=2)");
}

TEST_CASE("no GPU visible: device -1, the run falls back as --device says") {
    for (int n : {0, -1}) {
        const RankGpu g = rank_gpu(2, n, "");
        CHECK(g.device == -1);
        CHECK(g.note == "no GPU visible");
    }
}

TEST_CASE("a negative local rank is refused") { CHECK_THROWS_AS(rank_gpu(-1, 2, nullptr), Error); }
