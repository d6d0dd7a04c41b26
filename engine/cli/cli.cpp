// The command-line front end: CLI11 parses, this file dispatches and turns every kind of failure into one
// "mdrun: error: ..." line with a fitting exit status (see cli.hpp for the rules).
#include "engine/cli/cli.hpp"
#include "engine/core/stage_context.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <iostream>
#include <memory>

#include "engine/core/error.hpp"
#include "engine/core/toml_util.hpp"
#include "engine/core/version.hpp"

namespace mdrun::cli {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Every option spelling an app accepts ("--steps", "-q"), for suggestions.
std::vector<std::string> option_spellings(const CLI::App& app) {
    std::vector<std::string> out;
    for (const CLI::Option* o : app.get_options()) {
        for (const auto& l : o->get_lnames()) out.push_back("--" + l);
        for (const auto& s : o->get_snames()) out.push_back("-" + s);
    }
    return out;
}

// Words CLI11 could not place (unknown options, surplus positionals) are usage errors.
void check_leftovers(const CLI::App& app, const std::string& where) {
    for (const std::string& w : app.remaining(false)) {
        if (w.size() > 1 && w[0] == '-') {
            const std::string flag = w.substr(0, w.find('='));
            std::string msg = "unknown option '" + flag + "'" + where;
            const std::string near = closest_name(flag, option_spellings(app));
            if (!near.empty()) msg += " (did you mean '" + near + "'?)";
            throw UsageError(msg);
        }
        throw UsageError("unexpected argument '" + w + "'" + where);
    }
}

// The first word given to the app's positionals (the default subcommand's config file), or "".
std::string first_positional(const CLI::App& app) {
    for (const CLI::Option* o : app.get_options())
        if (o->get_positional() && o->count() > 0) return o->results().front();
    return "";
}

bool any_option_given(const CLI::App& app) {
    for (const CLI::Option* o : app.get_options())
        if (!o->get_positional() && o->count() > 0 && o->get_name() != "--help") return true;
    return false;
}

}  // namespace

std::string closest_name(const std::string& word, const std::vector<std::string>& names) {
    std::string best;
    std::size_t best_d = std::string::npos;
    for (const std::string& n : names) {
        const std::size_t d = edit_distance(word, n);
        if (d < best_d) best_d = d, best = n;
    }
    // Close means: at most a third of the word's letters changed (at least 1, at most 3), or the same
    // first four letters or more ("calc-grade" -> "calc-efs", "calc" -> "calc-efs").
    const std::size_t allowed = std::max<std::size_t>(1, std::min<std::size_t>(3, word.size() / 3));
    if (best_d <= allowed) return best;
    std::size_t best_prefix = 0;
    best.clear();
    for (const std::string& n : names) {
        std::size_t k = 0;
        while (k < word.size() && k < n.size() && word[k] == n[k]) ++k;
        if (k >= 4 && k > best_prefix) best_prefix = k, best = n;
    }
    return best;
}

Action raw_args_impl(CLI::App& app, int (*f)(const std::vector<std::string>&)) {
    app.prefix_command();  // everything after the subcommand name goes through unparsed
    app.set_help_flag();   // ... including --help, which the subcommand answers itself
    CLI::App* self = &app;
    return [self, f] { return f(self->remaining()); };
}

int run(const std::vector<std::string>& args, const std::vector<Subcommand>& registry,
        const std::string& default_name) {
    CLI::App app("mdrun " MDRUN_VERSION_STRING
                 " — molecular dynamics with Moment Tensor Potentials and streaming analysis\n\n"
                 "usage:\n"
                 "  mdrun CONFIG.toml [options]          run MD (same as `mdrun run CONFIG.toml`)\n"
                 "  mdrun SUBCOMMAND [options] ARGS...   see `mdrun SUBCOMMAND --help`\n",
                 "mdrun");
    app.set_version_flag("--version", "mdrun " MDRUN_VERSION_STRING);
    app.footer("Options may come before or after the file names; --opt=value and --opt value both work.\n"
               "The configuration keys, outputs and formulas are described in docs/ (start at docs/README.md).");
    app.allow_extras();
    app.require_subcommand(0, 1);

    std::vector<std::string> names;
    std::vector<std::pair<CLI::App*, Action>> subs;
    Action default_action;
    for (const Subcommand& s : registry) {
        CLI::App* sub = app.add_subcommand(s.name, s.summary);
        sub->allow_extras();
        subs.emplace_back(sub, s.setup(*sub));
        names.emplace_back(s.name);
        if (default_name == s.name) default_action = s.setup(app);  // `mdrun CONFIG.toml ...`
    }

    try {
        if (args.empty()) {
            std::cout << app.help();
            return 2;
        }
        std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 takes the vector reversed
        app.parse(reversed);

        for (auto& [sub, action] : subs) {
            if (!sub->parsed()) continue;
            check_leftovers(app, " before '" + std::string(sub->get_name()) + "'");
            if (any_option_given(app) || !first_positional(app).empty())
                throw UsageError("options of `mdrun CONFIG.toml` given before the subcommand '" +
                                 sub->get_name() + "'; put a subcommand's options after its name");
            if (!sub->get_prefix_command()) check_leftovers(*sub, " for '" + sub->get_name() + "'");
            return action();
        }
        // No subcommand: the first word is the config file of a run, unless it is neither an existing file
        // nor a *.toml name, in which case it was most likely a mistyped subcommand.
        const std::string word = first_positional(app);
        if (!word.empty() && !ends_with(word, ".toml") && !std::filesystem::exists(word)) {
            std::string msg = "'" + word + "' is neither a subcommand nor an existing config file";
            const std::string near = closest_name(word, names);
            if (!near.empty()) msg += " (did you mean 'mdrun " + near + "'?)";
            msg += "; subcommands: ";
            for (std::size_t k = 0; k < names.size(); ++k) msg += (k ? ", " : "") + names[k];
            throw UsageError(msg);
        }
        check_leftovers(app, "");
        if (!default_action) throw UsageError("no subcommand given (see mdrun --help)");
        return default_action();
    } catch (const CLI::CallForHelp&) {
        std::cout << app.help();  // CLI11 shows the help of the subcommand that asked for it
        return 0;
    } catch (const CLI::CallForAllHelp&) {
        std::cout << app.help("", CLI::AppFormatMode::All);
        return 0;
    } catch (const CLI::CallForVersion& e) {
        std::cout << e.what() << "\n";
        return 0;
    } catch (const CLI::ParseError& e) {
        std::fprintf(stderr, "mdrun: error: %s (see mdrun --help)\n", e.what());
        return 2;
    } catch (const UsageError& e) {
        std::fprintf(stderr, "mdrun: error: %s\n", e.what());
        return 2;
    } catch (const Error& e) {
        std::fprintf(stderr, "mdrun: error: %s\n", e.what());
        return 1;
    } catch (const std::bad_alloc&) {
        // Inputs are sized before allocating (docs/config.md, "Resource limits"); this is the safety net.
        std::string where = failed_stage();
        if (where.empty()) where = current_stage();
        std::fprintf(stderr, "mdrun: error: out of memory%s%s; the input asks for more memory than this machine has\n",
                     where.empty() ? "" : " while ", where.c_str());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "mdrun: internal error: %s\n", e.what());
        return 3;
    }
}

}  // namespace mdrun::cli
