#include "cli/key_source.hpp"

#include "cli/files.hpp"
#include "cms/software_key.hpp"
#include "keys/open_key.hpp"

namespace ascep::cli {

bool is_token_key(const std::string& spec)
{
    return keys::is_pkcs11_uri(spec);
}

keys::token_settings token_settings_of(const options& opts)
{
    keys::token_settings s;
    s.module = opts.pkcs11_module;
    s.pin_file = opts.pin_file;
    s.config_pin = opts.config_pin;
    return s;
}

file_result<key_handle> open_key(const options& opts, const std::string& spec, const keys::passphrase* pass)
{
    if (is_token_key(spec)) {
        std::string why;
        auto key = keys::open_pkcs11_key(spec, token_settings_of(opts), why);
        if (!key)
            return file_failure(why);
        return key_handle(std::move(key));
    }
    auto key = load_private_key(spec, pass);
    if (!key)
        return key.error();
    return key_handle(std::make_shared<const cms::software_key>(std::move(*key)));
}

} // namespace ascep::cli
