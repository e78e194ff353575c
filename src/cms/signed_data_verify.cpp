#include "asn1/oids.hpp"
#include "cms/attribute.hpp"
#include "cms/guard.hpp"
#include "cms/x509_cache.hpp"
#include "cms/signed_data.hpp"

#include <botan/hash.h>
#include <botan/pubkey.h>

#include <variant>

namespace ascep::cms {
namespace {

void check_attributes(const signed_data& sd, const signer_info& si, std::span<const std::uint8_t> content)
{
    const attribute* type = si.find(asn1::oids::content_type);
    const attribute* digest = si.find(asn1::oids::message_digest);
    if (!type || !digest)
        throw cms_failure(errc::missing_attribute);
    const auto type_der = type->single_value();
    if (!type_der)
        throw cms_failure(errc::missing_attribute);
    if (*type_der != encode_oid(sd.content_type))
        throw cms_failure(errc::content_type_mismatch);
    const auto digest_der = digest->single_value();
    const auto claimed = digest_der ? decode_octet_string(*digest_der) : std::nullopt;
    if (!claimed)
        throw cms_failure(errc::missing_attribute);
    auto hash = Botan::HashFunction::create_or_throw(asn1::botan_name(si.digest));
    hash->update(content.data(), content.size());
    if (*claimed != hash->final_stdvec())
        throw cms_failure(errc::digest_mismatch);
}

std::monostate verify(const signed_data& sd, const signer_info& si, const Botan::X509_Certificate& cert,
                      std::span<const std::uint8_t> detached)
{
    if (!si.sid.matches(cert))
        throw cms_failure(errc::signer_mismatch);
    std::span<const std::uint8_t> content = detached;
    if (sd.content)
        content = *sd.content;

    std::span<const std::uint8_t> signed_bytes = content;
    if (si.has_signed_attributes) {
        check_attributes(sd, si, content);
        signed_bytes = si.signed_attributes_der;
    }

    const auto key = public_key_of(cert);
    if (key->algo_name() != "RSA")
        throw cms_failure(errc::unsupported_algorithm);
    Botan::PK_Verifier verifier(*key, "EMSA3(" + asn1::botan_name(si.digest) + ")");
    if (!verifier.verify_message(signed_bytes.data(), signed_bytes.size(), si.signature.data(), si.signature.size()))
        throw cms_failure(errc::bad_signature);
    return {};
}

} // namespace

boost::system::error_code verify_signer(const signed_data& sd, const signer_info& signer,
                                        const Botan::X509_Certificate& cert,
                                        std::span<const std::uint8_t> detached_content)
{
    const auto r = guarded<std::monostate>(errc::bad_signature,
                                           [&] { return verify(sd, signer, cert, detached_content); });
    return r ? boost::system::error_code{} : r.error();
}

} // namespace ascep::cms
