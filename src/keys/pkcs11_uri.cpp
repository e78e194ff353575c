#include "keys/pkcs11_uri.hpp"

#include <p11-kit/pkcs11.h>
#include <p11-kit/p11-kit.h>
#include <p11-kit/uri.h>

#include <cstdlib>

namespace ascep::keys {

bool is_pkcs11_uri(std::string_view text) noexcept
{
    return text.size() > 7 && (text.substr(0, 7) == "pkcs11:" || text.substr(0, 7) == "PKCS11:");
}

namespace {

std::string format_with(CK_ATTRIBUTE_TYPE type, const void* value, std::size_t len)
{
    const std::unique_ptr<P11KitUri, void (*)(P11KitUri*)> uri(p11_kit_uri_new(), p11_kit_uri_free);
    CK_ATTRIBUTE a{type, const_cast<void*>(value), static_cast<CK_ULONG>(len)};
    char* text = nullptr;
    if (!uri || p11_kit_uri_set_attribute(uri.get(), &a) != P11_KIT_URI_OK ||
        p11_kit_uri_format(uri.get(), P11_KIT_URI_FOR_OBJECT, &text) != P11_KIT_URI_OK)
        return "pkcs11:";
    std::string out(text);
    std::free(text);
    return out;
}

} // namespace

std::string label_uri(const std::string& label)
{
    return format_with(CKA_LABEL, label.data(), label.size());
}

std::string id_uri(const std::vector<std::uint8_t>& id)
{
    return format_with(CKA_ID, id.data(), id.size());
}

std::optional<pkcs11_uri> pkcs11_uri::parse(const std::string& text, std::string& why)
{
    pkcs11_uri out;
    out.display_ = text.substr(0, text.find('?'));
    out.uri_.reset(p11_kit_uri_new(), p11_kit_uri_free);
    if (!out.uri_) {
        why = "out of memory";
        return std::nullopt;
    }
    const int rc = p11_kit_uri_parse(text.c_str(), P11_KIT_URI_FOR_ANY, out.uri_.get());
    if (rc != P11_KIT_URI_OK) {
        why = "the PKCS#11 URI " + out.display_ + " is malformed (" + p11_kit_uri_message(rc) + ")";
        return std::nullopt;
    }
    if (const char* pin = p11_kit_uri_get_pin_value(out.uri_.get()); pin != nullptr) {
        why = "the PKCS#11 URI " + out.display_ + " carries a pin-value: give the PIN with pin-source=file:PATH, "
              "--pin-file FILE or ASCEP_PIN, never in the URI";
        return std::nullopt;
    }
    auto* uri = out.uri_.get();
    if (CK_ATTRIBUTE* label = p11_kit_uri_get_attribute(uri, CKA_LABEL); label && label->pValue)
        out.object_.assign(static_cast<const char*>(label->pValue), label->ulValueLen);
    if (CK_ATTRIBUTE* id = p11_kit_uri_get_attribute(uri, CKA_ID); id && id->pValue) {
        const auto* p = static_cast<const std::uint8_t*>(id->pValue);
        out.id_.assign(p, p + id->ulValueLen);
    }
    if (const char* m = p11_kit_uri_get_module_path(uri))
        out.module_path_ = m;
    if (const char* s = p11_kit_uri_get_pin_source(uri))
        out.pin_source_ = s;
    if (CK_TOKEN_INFO* t = p11_kit_uri_get_token_info(uri)) {
        const auto n = p11_kit_space_strlen(t->label, sizeof t->label);
        out.token_.assign(reinterpret_cast<const char*>(t->label), n);
    }
    return out;
}

bool pkcs11_uri::matches(const CK_TOKEN_INFO& info) const
{
    return p11_kit_uri_match_token_info(uri_.get(), const_cast<CK_TOKEN_INFO*>(&info)) == 1;
}

} // namespace ascep::keys
