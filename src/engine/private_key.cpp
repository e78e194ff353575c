// include/ascep/private_key.hpp: the library's face of cms::private_key_ops.
#include "ascep/private_key.hpp"

#include "cms/software_key.hpp"
#include "keys/open_key.hpp"

namespace ascep {

private_key software_key(std::shared_ptr<const Botan::Private_Key> key)
{
    return std::make_shared<const cms::software_key>(std::move(key));
}

const Botan::Public_Key& public_key_of(const private_key& key)
{
    return key->public_key();
}

private_key open_pkcs11_key(const std::string& uri, const pkcs11_options& options, std::string& why)
{
    keys::token_settings settings;
    settings.module = options.module;
    settings.pin_file = options.pin_file;
    settings.pin_from_environment = options.pin_from_environment;
    return keys::open_pkcs11_key(uri, settings, why);
}

} // namespace ascep
