#include "keys/open_key.hpp"

namespace ascep::keys {

std::shared_ptr<const pkcs11_key> open_pkcs11_key(const std::string& text, const token_settings& settings,
                                                  std::string& why)
{
    const auto uri = pkcs11_uri::parse(text, why);
    if (!uri)
        return nullptr;
    if (uri->object().empty() && uri->id().empty()) {
        why = "the PKCS#11 URI " + uri->text() + " names no key: add object=LABEL (or id=)";
        return nullptr;
    }
    const auto t = token::open(*uri, settings, why);
    if (!t)
        return nullptr;
    if (!uri->id().empty())
        return t->find_key_by_id(uri->id(), why);
    return t->find_key(uri->object(), why);
}

} // namespace ascep::keys
