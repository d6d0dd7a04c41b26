// The [analysis] signature (every setting that shapes the accumulators) of an analysis set and of the
// accumulators stored in a checkpoint, so a reader can tell whether the stored ones belong to this set before
// it writes anything from them (`mdrun analyze`: another signature would mean results with 0 samples).
#pragma once
#include <string>

namespace mdrun {

class AnalysisSet;

std::string analysis_signature(const AnalysisSet& set);
// The signature stored in an AnalysisSet::save blob ("" when that set was disabled). Throws mdrun::Error
// naming `file` for a blob that is not one.
std::string stored_analysis_signature(const std::string& blob, const std::string& file);

}  // namespace mdrun
