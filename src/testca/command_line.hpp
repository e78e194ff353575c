// ascep-testca's command line: the commands, the server's own options and
// the single-CA flags, which are also what a --profile 'NAME:FLAGS' holds.
// Parsing only: no file is read here except --challenge-file's.
#pragma once

#include "testca/faults.hpp"
#include "testca/service.hpp"
#include "testca/state_store.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace ascep::testca {

/// A command line that cannot be used: the message says why (exit 64).
struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

extern const char* const usage_text;

/// The flags that shape one CA: on the command line of a single CA, or in a
/// profile's FLAGS.
struct ca_flags {
    service_options service;
    ca_setup setup;
    bool chain_order_given = false;
    std::vector<fault_spec> faults;
};

struct profile_spec {
    std::string name;
    /// FLAGS as given (kept in STATE/profiles for a restart).
    std::string flags_text;
    ca_flags flags;
};

struct tls_settings {
    bool enabled = false;
    /// --tls-cert/--tls-key: the user's own; else made in STATE.
    std::optional<std::filesystem::path> cert;
    std::optional<std::filesystem::path> key;
    /// --tls-name: more subjectAltNames (DNS names or IP addresses).
    std::vector<std::string> names;
};

struct command_line {
    std::string command = "serve";
    std::filesystem::path dir;
    // serve
    std::string listen = "127.0.0.1:8080";
    std::optional<std::filesystem::path> url_file;
    tls_settings tls;
    std::optional<std::uint64_t> seed;
    /// --profile, in order; empty for a single CA.
    std::vector<profile_spec> profiles;
    /// The single CA's flags (no --profile).
    ca_flags single;
    /// Whether any single-CA flag was given (an error with --profile).
    std::vector<std::string> single_flags_given;
    // approve, reject, revoke, rollover, list
    std::optional<std::string> profile;
    std::vector<std::string> positional;
    bool help = false;
};

/// argv to a command line. Throws usage_error.
command_line parse_command_line(const std::vector<std::string>& args);

/// One --profile value, 'NAME:FLAGS'. Throws usage_error.
profile_spec parse_profile(const std::string& spec);

/// FLAGS split as a shell would split them (quotes, backslash), without
/// expansions. Throws usage_error on an open quote.
std::vector<std::string> split_flags(const std::string& text);

/// A profile name: 1 to 64 of [A-Za-z0-9_-].
bool valid_profile_name(const std::string& name);

/// STATE/profiles: one 'NAME:FLAGS' per line, what the last start with
/// --profile served; a start without --profile serves them again.
std::vector<profile_spec> load_profiles(const std::filesystem::path& dir);
void save_profiles(const std::filesystem::path& dir, const std::vector<profile_spec>& profiles);

} // namespace ascep::testca
