#include "engine/run/replica_assign.hpp"

#include <algorithm>
#include <numeric>

#include "engine/core/error.hpp"

namespace mdrun {

std::vector<std::vector<int>> assign_replicas(const std::vector<double>& cost, int ranks) {
    if (ranks < 1) throw Error("assign_replicas: need at least one rank");
    std::vector<int> order(cost.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return cost[a] > cost[b]; });
    std::vector<double> load(static_cast<std::size_t>(ranks), 0.0);
    std::vector<std::vector<int>> out(static_cast<std::size_t>(ranks));
    for (int i : order) {
        // the first rank with the smallest load: deterministic, no floating-point ties resolved by chance
        const auto r = static_cast<std::size_t>(std::min_element(load.begin(), load.end()) - load.begin());
        load[r] += cost[static_cast<std::size_t>(i)];
        out[r].push_back(i + 1);
    }
    for (auto& v : out) std::sort(v.begin(), v.end());
    return out;
}

}  // namespace mdrun
