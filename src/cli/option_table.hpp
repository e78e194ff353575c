// The option table shared by the argv parser (parse_arguments.cpp), the
// config file merge (config_file.cpp) and the help (usage_text.cpp): one row
// per option, with the operations it is valid for and the function that sets
// it from text (option_table.cpp). Private to cli/.
#pragma once

#include "cli/options.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ascep::cli::detail {

using op_mask = std::uint32_t;

constexpr op_mask bit(operation op) noexcept
{
    return op_mask{1} << static_cast<unsigned>(op);
}

constexpr op_mask network_ops = bit(operation::getcaps) | bit(operation::getca) | bit(operation::getnextca)
                                | bit(operation::enroll) | bit(operation::getcert) | bit(operation::getcrl)
                                | bit(operation::fleet) | bit(operation::renew);
constexpr op_mask fleet_op = bit(operation::fleet);
constexpr op_mask status_op = bit(operation::fleet_status);
constexpr op_mask renew_op = bit(operation::renew);
/// enroll and renew: one enrollment, its polling and its algorithms.
constexpr op_mask enroll_ops = bit(operation::enroll) | renew_op;
/// Every operation that reads or writes a private key file.
constexpr op_mask key_file_ops = enroll_ops | bit(operation::getcert) | bit(operation::getcrl)
                            | bit(operation::mkrequest) | bit(operation::inspect) | fleet_op;
constexpr op_mask all_ops = network_ops | bit(operation::mkrequest) | bit(operation::inspect) | status_op;
/// The operations that use a private key (-k, -K): token options apply to them.
constexpr op_mask key_ops = enroll_ops | bit(operation::getcert) | bit(operation::getcrl) | bit(operation::mkrequest)
                            | bit(operation::inspect);

/// Ids of the options that have only a long name (short options use their letter).
enum long_only_id : int {
    id_json = 256,
    id_timeout,
    id_tls_cacert,
    id_tls_capath,
    id_insecure,
    id_ip,
    id_dns,
    id_email,
    id_subject,
    id_bits,
    id_prefix,
    id_challenge,
    id_method,
    id_manifest,
    id_ca_fingerprint,
    id_concurrency,
    id_rate,
    id_crypto_threads,
    id_retries,
    id_retry_for,
    id_retry_failures,
    id_retry_failed,
    id_renew_within,
    id_reuse_key,
    id_jsonl,
    id_report,
    id_progress,
    id_shard,
    id_challenge_file,
    id_within,
    id_metrics_file,
    id_metrics_listen,
    id_key_pass,
    id_pkcs11_module,
    id_pin_file,
    id_store_cert,
    id_replace_key,
};

struct option_spec {
    /// The short letter, or a value >= 256 for options that have only a long name.
    int id;
    /// 0 when there is none.
    char short_name;
    std::string_view long_name;
    /// Empty for flags (options without a value).
    std::string_view value_name;
    op_mask ops;
    std::string_view help;
    /// Sets the option from `value` (empty for flags). Returns why the value is
    /// bad, without naming the option ("'x' is not a number"), or nullopt.
    std::optional<std::string> (*set)(options&, std::string_view value);
    /// Whether the option already has a value (the config file fills only
    /// what the command line left unset).
    bool (*is_set)(const options&);

    bool takes_value() const noexcept { return !value_name.empty(); }
    bool valid_for(operation op) const noexcept { return (ops & bit(op)) != 0; }
};

std::span<const option_spec> option_table() noexcept;
const option_spec* find_option(int id) noexcept;
/// The row of a short option ('k'), or nullptr.
const option_spec* find_short(char c) noexcept;
/// The row of a long option ("key", or an old alias of it), or nullptr.
const option_spec* find_long(std::string_view name) noexcept;

/// An operation's name and its one-line summary for the help.
struct operation_name {
    operation op;
    std::string_view name;
    std::string_view summary;
};

/// Every operation, in the order the help lists them.
std::span<const operation_name> operation_names() noexcept;

/// "-k" for options with a short name, "--json" otherwise.
std::string display_name(const option_spec& spec);

} // namespace ascep::cli::detail
