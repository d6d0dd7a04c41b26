// `mpirun -n N mdrun config.toml` (issue 15): which rank runs which [[replica]] tables. The assignment is a
// pure function of the replicas' costs and the rank count, so every rank computes the same one and a
// restart with the same N gets the same groups back.
#pragma once
#include <vector>

namespace mdrun {

// Greedy longest-processing-time assignment: the replicas, most expensive first (ties: lower index first),
// each go to the rank with the least cost so far (ties: the lower rank). cost[i] is replica i's atoms x
// steps. Returns per rank its replicas as 1-based indices in increasing order (a rank may get none when
// there are fewer replicas than ranks). Within 4/3 of the best possible makespan (Graham 1969).
std::vector<std::vector<int>> assign_replicas(const std::vector<double>& cost, int ranks);

}  // namespace mdrun
