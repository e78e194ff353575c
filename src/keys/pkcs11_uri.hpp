// RFC 7512 PKCS#11 URIs ("pkcs11:token=gw;object=device?pin-source=file:/etc/gw.pin"),
// parsed by p11-kit. What ascep reads from one: which token (by its
// token-info fields, matched by p11-kit), which object (label, id), and the
// query attributes module-path and pin-source. A URI that carries a
// pin-value is refused: a URI is typed on command lines and in config
// files, where a PIN must not be.
#pragma once

#include <p11-kit/pkcs11.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct p11_kit_uri;

namespace ascep::keys {

/// True when `text` names a token key ("pkcs11:..."), not a file.
bool is_pkcs11_uri(std::string_view text) noexcept;

/// "pkcs11:object=LABEL" and "pkcs11:id=%01%02", percent-encoded by p11-kit.
std::string label_uri(const std::string& label);
std::string id_uri(const std::vector<std::uint8_t>& id);

class pkcs11_uri {
public:
    /// Parses `text`; nullopt and `why` (one line, without the URI's
    /// query) for a malformed URI or one with a pin-value.
    static std::optional<pkcs11_uri> parse(const std::string& text, std::string& why);

    /// The object's label (CKA_LABEL, "object="), empty when not given.
    const std::string& object() const noexcept { return object_; }
    /// The object's CKA_ID ("id="), empty when not given.
    const std::vector<std::uint8_t>& id() const noexcept { return id_; }
    /// "module-path=", empty when not given.
    const std::string& module_path() const noexcept { return module_path_; }
    /// "pin-source=", empty when not given.
    const std::string& pin_source() const noexcept { return pin_source_; }
    /// "token=", for messages; empty when not given.
    const std::string& token_label() const noexcept { return token_; }
    /// Whether the token-info fields the URI gives (token, manufacturer,
    /// model, serial) all match `info`.
    bool matches(const CK_TOKEN_INFO& info) const;
    /// The URI without its query part, for messages.
    const std::string& text() const noexcept { return display_; }

private:
    std::shared_ptr<p11_kit_uri> uri_;
    std::string object_;
    std::vector<std::uint8_t> id_;
    std::string module_path_;
    std::string pin_source_;
    std::string token_;
    std::string display_;
};

} // namespace ascep::keys
