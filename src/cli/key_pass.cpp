#include "cli/key_pass.hpp"

namespace ascep::cli {

file_result<key_passphrase> resolve_key_pass(const options& opts)
{
    if (opts.key_pass.empty())
        return key_passphrase();
    std::string why;
    const auto source = keys::parse_passphrase_source(opts.key_pass, why);
    if (!source) // parse_arguments checked it; a config file cannot set it
        return failure{outcome::general_error, "bad --key-pass: " + why};
    auto pass = keys::read_passphrase(*source);
    if (!pass)
        return file_failure(pass.error().message);
    return *pass;
}

} // namespace ascep::cli
