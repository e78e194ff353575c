#include "asn1/ber.hpp"
#include "asn1/oids.hpp"
#include "cms/content_info.hpp"
#include "cms/guard.hpp"
#include "cms/signed_data.hpp"
#include "cms/x509_cache.hpp"


namespace ascep::cms {
namespace {

using Botan::BER_Object;

asn1::digest_algorithm to_digest(const BER_Object& obj)
{
    const auto id = asn1::to_algorithm_id(obj);
    const auto d = asn1::digest_from_oid(id.oid);
    if (!d)
        asn1::fail("unsupported digest " + id.oid.to_string(), asn1::errc::unsupported_algorithm);
    return *d;
}

signer_info read_signer_info(const BER_Object& obj)
{
    if (!asn1::is_sequence(obj))
        asn1::fail("SignerInfo is not a SEQUENCE");
    auto fields = asn1::children(obj);
    std::size_t i = 0;
    auto next = [&]() -> const BER_Object& {
        if (i >= fields.size())
            asn1::fail("SignerInfo is truncated");
        return fields[i++];
    };

    signer_info si;
    si.version = asn1::to_small_int(next());
    si.sid = certificate_id::decode_from(next());
    si.digest = to_digest(next());

    const BER_Object* field = &next();
    if (asn1::is_context(*field, 0)) {
        if ((field->get_class() & Botan::CONSTRUCTED) == 0)
            asn1::fail("signedAttrs is not constructed");
        // The signature covers the DER SET OF encoding, with the universal SET
        // tag instead of the [0] IMPLICIT tag it travels under (RFC 5652 §5.4).
        const auto body = asn1::contents(*field);
        si.has_signed_attributes = true;
        si.signed_attributes_der = asn1::encode_tlv(Botan::SET, Botan::CONSTRUCTED, body);
        si.signed_attributes = decode_attribute_set_contents(body);
        field = &next();
    }
    const auto sig_alg = asn1::to_algorithm_id(*field);
    if (!asn1::is_rsa_signature_oid(sig_alg.oid))
        asn1::fail("unsupported signature algorithm " + sig_alg.oid.to_string(), asn1::errc::unsupported_algorithm);
    si.signature_algorithm = sig_alg.oid;

    const BER_Object& sig = next();
    if (!asn1::is_universal(sig, Botan::OCTET_STRING))
        asn1::fail("signature is not an OCTET STRING");
    si.signature = asn1::octets(sig);

    // unsignedAttrs [1] may follow; SCEP puts nothing there, so it is skipped.
    if (i < fields.size() && asn1::is_context(fields[i], 1))
        ++i;
    if (i != fields.size())
        asn1::fail("SignerInfo has unexpected trailing fields");
    return si;
}

void read_encapsulated_content(const BER_Object& obj, signed_data& sd)
{
    if (!asn1::is_sequence(obj))
        asn1::fail("EncapsulatedContentInfo is not a SEQUENCE");
    auto fields = asn1::children(obj);
    if (fields.empty() || fields.size() > 2)
        asn1::fail("EncapsulatedContentInfo has the wrong number of fields");
    sd.content_type = asn1::to_oid(fields[0]);
    if (fields.size() == 1)
        return;
    if (!fields[1].is_a(0, Botan::ASN1_Tag(Botan::CONTEXT_SPECIFIC | Botan::CONSTRUCTED)))
        asn1::fail("eContent is not [0] EXPLICIT");
    auto inner = asn1::children(fields[1]);
    if (inner.size() != 1 || !asn1::is_universal(inner[0], Botan::OCTET_STRING))
        asn1::fail("eContent must hold one OCTET STRING");
    sd.content = asn1::octets(inner[0]);
}

void read_certificates(const BER_Object& obj, signed_data& sd)
{
    for (const auto& choice : asn1::children(obj)) {
        // CertificateChoices: only plain X.509 certificates (a SEQUENCE) are
        // used in SCEP; attribute and other certificate kinds are skipped.
        if (!asn1::is_sequence(choice))
            continue;
        // Replies carry the same CA certificate every time; Botan loads the
        // key of a self-issued one to parse it: decode each encoding once.
        sd.certificates.push_back(certificate_from_der(asn1::encode_tlv(choice)));
    }
}

void read_crls(const BER_Object& obj, signed_data& sd)
{
    for (const auto& choice : asn1::children(obj)) {
        if (!asn1::is_sequence(choice))
            continue; // otherRevocationInfo [1]
        sd.crls.emplace_back(asn1::encode_tlv(choice));
    }
}

signed_data read_signed_data(std::span<const std::uint8_t> input)
{
    auto ci = read_content_info(input);
    if (ci.content_type != asn1::oids::signed_data)
        throw cms_failure(errc::wrong_content_type);
    if (!ci.content.is_set() || !asn1::is_sequence(ci.content))
        asn1::fail("SignedData is missing or not a SEQUENCE");

    auto fields = asn1::children(ci.content);
    if (fields.size() < 4)
        asn1::fail("SignedData has too few fields");
    signed_data sd;
    std::size_t i = 0;
    sd.version = asn1::to_small_int(fields[i++]);
    if (!fields[i++].is_a(Botan::SET, Botan::CONSTRUCTED))
        asn1::fail("digestAlgorithms is not a SET");
    read_encapsulated_content(fields[i++], sd);
    if (i < fields.size() && asn1::is_context(fields[i], 0))
        read_certificates(fields[i++], sd);
    if (i < fields.size() && asn1::is_context(fields[i], 1))
        read_crls(fields[i++], sd);
    if (i + 1 != fields.size() || !fields[i].is_a(Botan::SET, Botan::CONSTRUCTED))
        asn1::fail("signerInfos is missing or not the last field");
    for (const auto& si : asn1::children(fields[i]))
        sd.signers.push_back(read_signer_info(si));
    return sd;
}

} // namespace

const Botan::X509_Certificate* signed_data::find_certificate(const certificate_id& signer) const
{
    for (const auto& cert : certificates) {
        try {
            if (signer.matches(cert))
                return &cert;
        } catch (const std::exception&) {
            // A certificate whose key we cannot read is not the signer.
        }
    }
    return nullptr;
}

boost::system::result<signed_data> parse_signed_data(std::span<const std::uint8_t> content_info_der)
{
    return guarded<signed_data>(errc::malformed, [&] { return read_signed_data(content_info_der); });
}

} // namespace ascep::cms
