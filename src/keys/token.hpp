// A logged-in session on the PKCS#11 token a URI names: the module loaded
// through p11-kit (module-path= in the URI, else --pkcs11-module, else every
// module the system configures for p11-kit, as its proxy module would load
// them), the token found by the URI's token attributes, the user logged in
// with the PIN (keys/pin.hpp). Keys on it are keys::pkcs11_key.
//
// Every call blocks on the token's driver (a TPM takes tens of
// milliseconds per signature). One mutex serialises the session: PKCS#11
// allows one operation at a time per session.
#pragma once

#include "keys/pin.hpp"
#include "keys/pkcs11_uri.hpp"

#include <p11-kit/pkcs11.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace ascep::keys {

class pkcs11_key;

using bytes = std::vector<std::uint8_t>;

class token : public std::enable_shared_from_this<token> {
public:
    /// Loads the module, finds the token, opens a session and logs in.
    /// nullptr and `why` (one line, never the PIN): the module cannot be
    /// loaded, no token matches, the PIN is missing or refused.
    static std::shared_ptr<token> open(const pkcs11_uri& uri, const token_settings& settings, std::string& why);

    ~token();
    token(const token&) = delete;
    token& operator=(const token&) = delete;

    /// The token's label, for messages.
    const std::string& label() const noexcept { return label_; }

    /// The private key labelled `label` (CKA_LABEL), else nullptr. More than
    /// one such key is an error (`why`), as is a key that is not RSA.
    std::shared_ptr<const pkcs11_key> find_key(const std::string& label, std::string& why);
    /// The private key with CKA_ID `id`.
    std::shared_ptr<const pkcs11_key> find_key_by_id(const bytes& id, std::string& why);
    /// Whether any private key object has this label.
    bool has_key(const std::string& label);
    /// The CKA_IDs of the private keys labelled `label`.
    std::vector<bytes> key_ids(const std::string& label);

    /// Generates an RSA key pair on the token: CKA_TOKEN, CKA_PRIVATE and
    /// CKA_SENSITIVE on, CKA_EXTRACTABLE off, a fresh random CKA_ID, both
    /// halves labelled `label`. nullptr and `why` when the token refuses.
    std::shared_ptr<const pkcs11_key> generate_rsa(const std::string& label, unsigned bits, std::string& why);

    /// Sets CKA_LABEL on every object (private key, public key,
    /// certificate) whose CKA_ID is `id`. Empty, or why it failed.
    std::string relabel(const bytes& id, const std::string& label);
    /// Destroys every object whose CKA_ID is `id`. Empty, or why not.
    std::string destroy(const bytes& id);

    /// Stores `der` as a CKO_CERTIFICATE (X.509) object with CKA_ID `id`
    /// and CKA_LABEL `label`, replacing certificate objects with that id.
    std::string store_certificate(const bytes& der, const bytes& subject, const bytes& issuer, const bytes& serial,
                                  const bytes& id, const std::string& label);

    /// Whether the token lists `mechanism` with all of `flags`.
    bool supports(CK_MECHANISM_TYPE mechanism, CK_FLAGS flags) const;

    /// For pkcs11_key: the function list, the session, the lock.
    CK_FUNCTION_LIST* functions() const noexcept { return fn_; }
    CK_SESSION_HANDLE session() const noexcept { return session_; }
    std::mutex& mutex() const noexcept { return mutex_; }

    /// An attribute's value, nullopt when the object has none or hides it.
    /// The caller holds mutex().
    std::optional<bytes> attribute(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type) const;

private:
    token() = default;

    /// Objects matching `tmpl`. The caller holds mutex().
    std::vector<CK_OBJECT_HANDLE> find(std::vector<CK_ATTRIBUTE> tmpl) const;
    std::shared_ptr<const pkcs11_key> key_for(CK_OBJECT_HANDLE handle, std::string& why);

    CK_FUNCTION_LIST** modules_ = nullptr; ///< p11-kit's list, when the system's modules were loaded
    CK_FUNCTION_LIST* module_ = nullptr;   ///< a module loaded by path
    CK_FUNCTION_LIST* fn_ = nullptr;       ///< the module that holds the token
    CK_SLOT_ID slot_ = 0;
    CK_SESSION_HANDLE session_ = CK_INVALID_HANDLE;
    std::string label_;
    std::vector<CK_MECHANISM_TYPE> mechanisms_;
    mutable std::mutex mutex_;
};

/// Text for a PKCS#11 return value: "CKR_PIN_INCORRECT (...)".
std::string describe(CK_RV rv);

} // namespace ascep::keys
