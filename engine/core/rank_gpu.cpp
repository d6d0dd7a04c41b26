#include "engine/core/rank_gpu.hpp"

#include "engine/core/error.hpp"

namespace mdrun {

RankGpu rank_gpu(int local_rank, int visible_gpus, const char* cuda_visible_devices) {
    if (local_rank < 0) throw Error("rank_gpu: negative local rank " + std::to_string(local_rank));
    RankGpu g;
    if (visible_gpus <= 0) {
        g.note = "no GPU visible";
        return g;
    }
    g.device = local_rank % visible_gpus;
    g.note = "GPU " + std::to_string(g.device) + " of " + std::to_string(visible_gpus) + " visible (local rank " +
             std::to_string(local_rank) +
             (cuda_visible_devices ? ", CUDA_VISIBLE_DEVICES=" + std::string(cuda_visible_devices) : std::string()) + ")";
    return g;
}

}  // namespace mdrun
