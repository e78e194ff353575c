// ascep::cms errors. Every public cms function reports failure with one of
// these; no Botan exception leaves the layer.
#pragma once

#include <boost/system/error_code.hpp>

namespace ascep::cms {

enum class errc {
    /// Not a well-formed CMS structure (bad BER, wrong tags, missing fields).
    malformed = 1,
    /// The input is larger than the decoding limit.
    too_large,
    /// The input nests deeper than the decoding limit.
    too_deep,
    /// An algorithm we do not implement (digest, cipher, key transport, key type).
    unsupported_algorithm,
    /// A ContentInfo holds another content type than the one asked for.
    wrong_content_type,
    /// The signature does not verify with the signer's public key.
    bad_signature,
    /// The messageDigest attribute does not match the content.
    digest_mismatch,
    /// The contentType attribute differs from the encapsulated content type.
    content_type_mismatch,
    /// A required signed attribute (contentType, messageDigest) is missing or malformed.
    missing_attribute,
    /// The certificate given is not the one the SignerInfo names.
    signer_mismatch,
    /// No recipient could be decrypted with the key and certificate given.
    no_matching_recipient,
    /// The content key or the content did not decrypt (wrong key, bad padding).
    decryption_failed,
    /// Signing or encrypting failed (unusable key, e.g. not RSA).
    invalid_key,
};

const boost::system::error_category& error_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept
{
    return {static_cast<int>(e), error_category()};
}

} // namespace ascep::cms

template <>
struct boost::system::is_error_code_enum<ascep::cms::errc> : std::true_type {};
