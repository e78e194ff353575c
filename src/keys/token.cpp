#include "keys/token.hpp"

#include "keys/pkcs11_key.hpp"

#include <botan/bigint.h>
#include <botan/system_rng.h>
#include <p11-kit/p11-kit.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace ascep::keys {
namespace {

std::string space_padded(const unsigned char* s, std::size_t n)
{
    return std::string(reinterpret_cast<const char*>(s), p11_kit_space_strlen(s, n));
}

CK_ATTRIBUTE attr(CK_ATTRIBUTE_TYPE type, const void* value, std::size_t len)
{
    return CK_ATTRIBUTE{type, const_cast<void*>(value), static_cast<CK_ULONG>(len)};
}

template <typename T>
CK_ATTRIBUTE attr(CK_ATTRIBUTE_TYPE type, const T& value)
{
    return attr(type, &value, sizeof value);
}

CK_ATTRIBUTE attr(CK_ATTRIBUTE_TYPE type, const std::string& s)
{
    return attr(type, s.data(), s.size());
}

CK_ATTRIBUTE attr(CK_ATTRIBUTE_TYPE type, const bytes& b)
{
    return attr(type, b.data(), b.size());
}

/// The module's error text for a load failure, when p11-kit has one.
std::string p11_kit_reason()
{
    const char* m = p11_kit_message();
    return m != nullptr && *m != '\0' ? std::string(": ") + m : std::string();
}

} // namespace

std::string describe(CK_RV rv)
{
    const char* text = p11_kit_strerror(rv);
    char hex[24];
    std::snprintf(hex, sizeof hex, "0x%08lx", static_cast<unsigned long>(rv));
    switch (rv) {
    case CKR_PIN_INCORRECT: return std::string("CKR_PIN_INCORRECT (") + text + ")";
    case CKR_PIN_LOCKED: return std::string("CKR_PIN_LOCKED (") + text + ")";
    case CKR_PIN_LEN_RANGE: return std::string("CKR_PIN_LEN_RANGE (") + text + ")";
    default: return std::string(text) + " (" + hex + ")";
    }
}

std::shared_ptr<token> token::open(const pkcs11_uri& uri, const token_settings& settings, std::string& why)
{
    std::shared_ptr<token> t(new token());
    const std::string& path = !uri.module_path().empty() ? uri.module_path() : settings.module;
    // Messages of ours, not p11-kit's own lines on stderr.
    p11_kit_be_quiet();
    std::vector<CK_FUNCTION_LIST*> candidates;
    if (!path.empty()) {
        t->module_ = p11_kit_module_load(path.c_str(), 0);
        if (t->module_ == nullptr) {
            why = "cannot load the PKCS#11 module " + path + p11_kit_reason();
            return nullptr;
        }
        if (const CK_RV rv = p11_kit_module_initialize(t->module_); rv != CKR_OK) {
            p11_kit_module_release(t->module_);
            t->module_ = nullptr;
            why = "cannot initialise the PKCS#11 module " + path + ": " + describe(rv);
            return nullptr;
        }
        candidates.push_back(t->module_);
    } else {
        // The modules p11-kit's proxy would load: those the system configures.
        t->modules_ = p11_kit_modules_load_and_initialize(0);
        if (t->modules_ == nullptr || t->modules_[0] == nullptr) {
            why = "no PKCS#11 module is configured for p11-kit: give one with --pkcs11-module PATH or "
                  "module-path= in the URI" + p11_kit_reason();
            return nullptr;
        }
        for (auto** m = t->modules_; *m != nullptr; ++m)
            candidates.push_back(*m);
    }

    for (auto* fn : candidates) {
        CK_ULONG n = 0;
        if (fn->C_GetSlotList(CK_TRUE, nullptr, &n) != CKR_OK || n == 0)
            continue;
        std::vector<CK_SLOT_ID> slots(n);
        if (fn->C_GetSlotList(CK_TRUE, slots.data(), &n) != CKR_OK)
            continue;
        slots.resize(n);
        for (const auto slot : slots) {
            CK_TOKEN_INFO info{};
            if (fn->C_GetTokenInfo(slot, &info) != CKR_OK || !uri.matches(info))
                continue;
            if ((info.flags & CKF_TOKEN_INITIALIZED) == 0)
                continue;
            t->fn_ = fn;
            t->slot_ = slot;
            t->label_ = space_padded(info.label, sizeof info.label);
            CK_RV rv = fn->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &t->session_);
            if (rv == CKR_TOKEN_WRITE_PROTECTED)
                rv = fn->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &t->session_);
            if (rv != CKR_OK) {
                why = "cannot open a session on the token '" + t->label_ + "': " + describe(rv);
                return nullptr;
            }
            CK_ULONG m = 0;
            if (fn->C_GetMechanismList(slot, nullptr, &m) == CKR_OK) {
                t->mechanisms_.resize(m);
                if (fn->C_GetMechanismList(slot, t->mechanisms_.data(), &m) != CKR_OK)
                    m = 0;
                t->mechanisms_.resize(m);
            }
            if ((info.flags & CKF_LOGIN_REQUIRED) == 0)
                return t;
            auto pin = find_pin(uri.pin_source(), settings, why);
            if (!pin)
                return nullptr;
            if (pin->empty()) {
                why = "the token '" + t->label_ + "' needs a PIN: give it with --pin-file FILE, ASCEP_PIN or "
                      "pin-source=file:PATH in the URI";
                return nullptr;
            }
            rv = fn->C_Login(t->session_, CKU_USER, reinterpret_cast<CK_UTF8CHAR*>(pin->data()), pin->size());
            if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
                why = "the token '" + t->label_ + "' refused the PIN: " + describe(rv);
                return nullptr;
            }
            return t;
        }
    }
    why = "no token matches " + uri.text() + (path.empty() ? " in the modules p11-kit loads" : " in " + path);
    return nullptr;
}

token::~token()
{
    if (fn_ != nullptr && session_ != CK_INVALID_HANDLE)
        fn_->C_CloseSession(session_);
    if (module_ != nullptr) {
        p11_kit_module_finalize(module_);
        p11_kit_module_release(module_);
    }
    if (modules_ != nullptr)
        p11_kit_modules_finalize_and_release(modules_);
}

bool token::supports(CK_MECHANISM_TYPE mechanism, CK_FLAGS flags) const
{
    if (std::find(mechanisms_.begin(), mechanisms_.end(), mechanism) == mechanisms_.end())
        return false;
    CK_MECHANISM_INFO info{};
    if (fn_->C_GetMechanismInfo(slot_, mechanism, &info) != CKR_OK)
        return false;
    return (info.flags & flags) == flags;
}

std::vector<CK_OBJECT_HANDLE> token::find(std::vector<CK_ATTRIBUTE> tmpl) const
{
    std::vector<CK_OBJECT_HANDLE> out;
    if (fn_->C_FindObjectsInit(session_, tmpl.data(), tmpl.size()) != CKR_OK)
        return out;
    CK_OBJECT_HANDLE batch[16];
    CK_ULONG n = 0;
    while (fn_->C_FindObjects(session_, batch, 16, &n) == CKR_OK && n > 0)
        out.insert(out.end(), batch, batch + n);
    fn_->C_FindObjectsFinal(session_);
    return out;
}

std::optional<bytes> token::attribute(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type) const
{
    CK_ATTRIBUTE a{type, nullptr, 0};
    if (fn_->C_GetAttributeValue(session_, object, &a, 1) != CKR_OK || a.ulValueLen == CK_UNAVAILABLE_INFORMATION)
        return std::nullopt;
    bytes value(a.ulValueLen);
    a.pValue = value.data();
    if (fn_->C_GetAttributeValue(session_, object, &a, 1) != CKR_OK)
        return std::nullopt;
    value.resize(a.ulValueLen);
    return value;
}

std::shared_ptr<const pkcs11_key> token::key_for(CK_OBJECT_HANDLE handle, std::string& why)
{
    // Caller holds the mutex.
    const auto type = attribute(handle, CKA_KEY_TYPE);
    CK_KEY_TYPE kt = CKK_RSA;
    if (!type || type->size() != sizeof kt || (std::memcpy(&kt, type->data(), sizeof kt), kt != CKK_RSA)) {
        why = "the key on the token '" + label_ + "' is not an RSA key (SCEP needs RSA)";
        return nullptr;
    }
    const auto id = attribute(handle, CKA_ID).value_or(bytes{});
    const auto label_bytes = attribute(handle, CKA_LABEL).value_or(bytes{});
    std::optional<bytes> n = attribute(handle, CKA_MODULUS);
    std::optional<bytes> e = attribute(handle, CKA_PUBLIC_EXPONENT);
    if ((!n || !e) && !id.empty()) {
        // Some tokens keep the public half only in the public key object.
        const CK_OBJECT_CLASS pub_class = CKO_PUBLIC_KEY;
        const auto pubs = find({attr(CKA_CLASS, pub_class), attr(CKA_ID, id)});
        if (!pubs.empty()) {
            n = attribute(pubs.front(), CKA_MODULUS);
            e = attribute(pubs.front(), CKA_PUBLIC_EXPONENT);
        }
    }
    if (!n || !e || n->empty() || e->empty()) {
        why = "cannot read the public key of the key on the token '" + label_ + "'";
        return nullptr;
    }
    Botan::RSA_PublicKey pub(Botan::BigInt(n->data(), n->size()), Botan::BigInt(e->data(), e->size()));
    return std::make_shared<const pkcs11_key>(shared_from_this(), handle, id,
                                              std::string(label_bytes.begin(), label_bytes.end()), std::move(pub));
}

std::shared_ptr<const pkcs11_key> token::find_key(const std::string& label, std::string& why)
{
    const std::lock_guard lock(mutex_);
    const CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    const auto found = find({attr(CKA_CLASS, cls), attr(CKA_LABEL, label)});
    if (found.empty()) {
        why = "no private key labelled '" + label + "' on the token '" + label_ + "'";
        return nullptr;
    }
    if (found.size() > 1) {
        why = std::to_string(found.size()) + " private keys are labelled '" + label + "' on the token '" + label_ +
              "': give the one to use with id= in the URI";
        return nullptr;
    }
    return key_for(found.front(), why);
}

std::shared_ptr<const pkcs11_key> token::find_key_by_id(const bytes& id, std::string& why)
{
    const std::lock_guard lock(mutex_);
    const CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    const auto found = find({attr(CKA_CLASS, cls), attr(CKA_ID, id)});
    if (found.size() != 1) {
        why = found.empty() ? "no private key with that id on the token '" + label_ + "'"
                            : "several private keys share that id on the token '" + label_ + "'";
        return nullptr;
    }
    return key_for(found.front(), why);
}

bool token::has_key(const std::string& label)
{
    const std::lock_guard lock(mutex_);
    const CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    return !find({attr(CKA_CLASS, cls), attr(CKA_LABEL, label)}).empty();
}

std::vector<bytes> token::key_ids(const std::string& label)
{
    const std::lock_guard lock(mutex_);
    const CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    std::vector<bytes> ids;
    for (const auto object : find({attr(CKA_CLASS, cls), attr(CKA_LABEL, label)}))
        ids.push_back(attribute(object, CKA_ID).value_or(bytes{}));
    return ids;
}

std::shared_ptr<const pkcs11_key> token::generate_rsa(const std::string& label, unsigned bits, std::string& why)
{
    bytes id(16);
    Botan::system_rng().randomize(id.data(), id.size());
    const CK_BBOOL yes = CK_TRUE;
    const CK_BBOOL no = CK_FALSE;
    const CK_ULONG modulus_bits = bits;
    const std::uint8_t exponent[] = {0x01, 0x00, 0x01};
    std::vector<CK_ATTRIBUTE> pub{
        attr(CKA_TOKEN, yes),          attr(CKA_PRIVATE, no),        attr(CKA_VERIFY, yes),
        attr(CKA_ENCRYPT, yes),        attr(CKA_MODULUS_BITS, modulus_bits),
        attr(CKA_PUBLIC_EXPONENT, exponent, sizeof exponent),        attr(CKA_LABEL, label),
        attr(CKA_ID, id),
    };
    std::vector<CK_ATTRIBUTE> priv{
        attr(CKA_TOKEN, yes),       attr(CKA_PRIVATE, yes), attr(CKA_SENSITIVE, yes), attr(CKA_EXTRACTABLE, no),
        attr(CKA_SIGN, yes),        attr(CKA_DECRYPT, yes), attr(CKA_LABEL, label),   attr(CKA_ID, id),
    };
    CK_MECHANISM mech{CKM_RSA_PKCS_KEY_PAIR_GEN, nullptr, 0};
    const std::lock_guard lock(mutex_);
    CK_OBJECT_HANDLE pub_handle = CK_INVALID_HANDLE;
    CK_OBJECT_HANDLE priv_handle = CK_INVALID_HANDLE;
    const CK_RV rv = fn_->C_GenerateKeyPair(session_, &mech, pub.data(), pub.size(), priv.data(), priv.size(),
                                            &pub_handle, &priv_handle);
    if (rv != CKR_OK) {
        why = "the token '" + label_ + "' did not generate a " + std::to_string(bits) + "-bit RSA key pair: " +
              describe(rv);
        return nullptr;
    }
    return key_for(priv_handle, why);
}

std::string token::relabel(const bytes& id, const std::string& label)
{
    const std::lock_guard lock(mutex_);
    for (const auto object : find({attr(CKA_ID, id)})) {
        CK_ATTRIBUTE a = attr(CKA_LABEL, label);
        if (const CK_RV rv = fn_->C_SetAttributeValue(session_, object, &a, 1); rv != CKR_OK)
            return "cannot relabel an object as '" + label + "' on the token '" + label_ + "': " + describe(rv);
    }
    return {};
}

std::string token::destroy(const bytes& id)
{
    const std::lock_guard lock(mutex_);
    for (const auto object : find({attr(CKA_ID, id)}))
        if (const CK_RV rv = fn_->C_DestroyObject(session_, object); rv != CKR_OK)
            return "cannot remove an object from the token '" + label_ + "': " + describe(rv);
    return {};
}

std::string token::store_certificate(const bytes& der, const bytes& subject, const bytes& issuer, const bytes& serial,
                                     const bytes& id, const std::string& label)
{
    const CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
    const CK_CERTIFICATE_TYPE type = CKC_X_509;
    const CK_BBOOL yes = CK_TRUE;
    const CK_BBOOL no = CK_FALSE;
    std::vector<CK_ATTRIBUTE> tmpl{
        attr(CKA_CLASS, cls),     attr(CKA_CERTIFICATE_TYPE, type), attr(CKA_TOKEN, yes),
        attr(CKA_PRIVATE, no),    attr(CKA_LABEL, label),           attr(CKA_ID, id),
        attr(CKA_SUBJECT, subject), attr(CKA_ISSUER, issuer),       attr(CKA_SERIAL_NUMBER, serial),
        attr(CKA_VALUE, der),
    };
    const std::lock_guard lock(mutex_);
    const auto old = find({attr(CKA_CLASS, cls), attr(CKA_ID, id)});
    CK_OBJECT_HANDLE created = CK_INVALID_HANDLE;
    if (const CK_RV rv = fn_->C_CreateObject(session_, tmpl.data(), tmpl.size(), &created); rv != CKR_OK)
        return "cannot store the certificate on the token '" + label_ + "': " + describe(rv);
    // The new one first, then the old ones: a failure never leaves none.
    for (const auto o : old)
        fn_->C_DestroyObject(session_, o);
    return {};
}

} // namespace ascep::keys
