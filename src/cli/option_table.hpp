// The option table shared by the argv parser (options.cpp) and the config
// file merge (config_file.cpp): one row per option, with the operations it is
// valid for and the function that sets it from text. Private to cli/.
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

/// "-k" for options with a short name, "--json" otherwise.
std::string display_name(const option_spec& spec);

} // namespace ascep::cli::detail
