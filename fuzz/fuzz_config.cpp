// libFuzzer target: the config.toml loader and its validation (engine/core/config*.cpp: every table, [[replica]],
// [[stage]], ranges), then the resolved-config writer and the fingerprint a checkpoint keeps of it. The TOML
// parser (toml11) runs inside parse_config, so its failures must come back as mdrun::Error too.
#include "engine/core/config.hpp"
#include "engine/core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        const mdrun::RunConfig cfg = mdrun::parse_config(text, "/fuzz/config.toml");
        mdrun::resolved_config_toml(cfg);
        mdrun::config_fingerprint(cfg);
    } catch (const mdrun::Error&) {
    }
    return 0;
}
