#include "asn1/der_set.hpp"
#include "cms/software_key.hpp"
#include "asn1/oids.hpp"
#include "cms/content_info.hpp"
#include "cms/guard.hpp"
#include "cms/signed_data.hpp"

#include <botan/asn1_obj.h>
#include <botan/der_enc.h>
#include <botan/hash.h>

namespace ascep::cms {
namespace {

bytes digest_algorithm_id(asn1::digest_algorithm d)
{
    // MD5 and SHA-1 carry NULL parameters by long habit (and RFC 3370); the
    // SHA-2 family omits them (RFC 5754 §2).
    bytes out;
    Botan::DER_Encoder enc(out);
    enc.start_cons(Botan::SEQUENCE).encode(asn1::oid_of(d));
    if (d == asn1::digest_algorithm::md5 || d == asn1::digest_algorithm::sha1)
        enc.encode_null();
    enc.end_cons();
    return out;
}

/// [n] IMPLICIT SET OF, the components in the caller's order. Not DER
/// order, on purpose: outside signedAttrs CMS is BER (RFC 5652 §5.1), and
/// for certificates the order carries meaning in the field. SCEP clients
/// take the first certificate of a reply as the issued one (RFC 8894
/// §3.3.2.1 wants it to be the leaf) and print a GetCACert chain in the
/// order received (sscep's ca.crt-0, -1...); the test CA sets that order on
/// purpose. Our own requests carry one certificate, which is DER either way.
bytes set_in_given_order(unsigned tag, const std::vector<bytes>& components)
{
    bytes body;
    for (const auto& c : components)
        body.insert(body.end(), c.begin(), c.end());
    return asn1::encode_tlv(Botan::ASN1_Tag(tag), Botan::ASN1_Tag(Botan::CONTEXT_SPECIFIC | Botan::CONSTRUCTED), body);
}

void encode_certificate_sets(Botan::DER_Encoder& enc, const std::vector<Botan::X509_Certificate>& certs,
                             const std::vector<Botan::X509_CRL>& crls)
{
    if (!certs.empty()) {
        std::vector<bytes> encoded;
        for (const auto& c : certs)
            encoded.push_back(c.BER_encode());
        enc.raw_bytes(set_in_given_order(0, encoded));
    }
    if (!crls.empty()) {
        std::vector<bytes> encoded;
        for (const auto& c : crls)
            encoded.push_back(c.BER_encode());
        enc.raw_bytes(set_in_given_order(1, encoded));
    }
}

bytes signed_attributes_for(const signing_request& req)
{
    auto hash = Botan::HashFunction::create_or_throw(asn1::botan_name(req.digest));
    hash->update(req.content);
    const auto digest = hash->final_stdvec();

    std::vector<attribute> attrs;
    attrs.push_back({asn1::oids::content_type, {encode_oid(req.content_type)}});
    if (req.signing_time) {
        bytes when;
        Botan::DER_Encoder(when).encode(Botan::ASN1_Time(*req.signing_time));
        attrs.push_back({asn1::oids::signing_time, {when}});
    }
    attrs.push_back({asn1::oids::message_digest, {encode_octet_string(digest)}});
    attrs.insert(attrs.end(), req.extra_attributes.begin(), req.extra_attributes.end());
    return encode_attribute_set(attrs);
}

bytes build(const signing_request& req, const private_key_ops& key, const Botan::X509_Certificate& signer_cert)
{
    if (key.public_key().algo_name() != "RSA")
        throw cms_failure(errc::invalid_key);

    bytes signed_attrs = signed_attributes_for(req);
    auto signed_ = key.sign(signed_attrs, req.digest);
    if (!signed_)
        throw cms_failure(errc::invalid_key);
    const bytes signature = std::move(*signed_);
    // Sign the SET, send it as [0] IMPLICIT: same bytes, tag 0x31 -> 0xA0.
    signed_attrs[0] = 0xA0;

    bytes signer_info;
    Botan::DER_Encoder si(signer_info);
    si.start_cons(Botan::SEQUENCE).encode(std::size_t{1});
    issuer_and_serial::of(signer_cert).encode_into(si);
    si.raw_bytes(digest_algorithm_id(req.digest));
    si.raw_bytes(signed_attrs);
    si.start_cons(Botan::SEQUENCE).encode(asn1::oids::rsa_encryption).encode_null().end_cons();
    si.encode(signature, Botan::OCTET_STRING);
    si.end_cons();

    bytes body;
    Botan::DER_Encoder enc(body);
    enc.start_cons(Botan::SEQUENCE).encode(std::size_t{1});
    enc.raw_bytes(asn1::encode_der_set_of({digest_algorithm_id(req.digest)}));
    enc.start_cons(Botan::SEQUENCE).encode(req.content_type);
    if (!req.omit_content)
        enc.start_cons(Botan::ASN1_Tag(0), Botan::CONTEXT_SPECIFIC).encode(req.content, Botan::OCTET_STRING).end_cons();
    enc.end_cons();
    encode_certificate_sets(enc, req.certificates, {});
    enc.raw_bytes(asn1::encode_der_set_of({signer_info}));
    enc.end_cons();
    return wrap_content_info(asn1::oids::signed_data, body);
}

} // namespace

boost::system::result<bytes> make_signed_data(const signing_request& request, const private_key_ops& key,
                                              const Botan::X509_Certificate& signer_cert)
{
    return guarded<bytes>(errc::invalid_key, [&] { return build(request, key, signer_cert); });
}

boost::system::result<bytes> make_signed_data(const signing_request& request, const Botan::Private_Key& key,
                                              const Botan::X509_Certificate& signer_cert)
{
    const software_key ops(key);
    return make_signed_data(request, ops, signer_cert);
}

bytes make_certs_only(const std::vector<Botan::X509_Certificate>& certs, const std::vector<Botan::X509_CRL>& crls)
{
    bytes body;
    Botan::DER_Encoder enc(body);
    enc.start_cons(Botan::SEQUENCE).encode(std::size_t{1});
    enc.raw_bytes(asn1::encode_der_set_of({})); // no digest algorithms
    enc.start_cons(Botan::SEQUENCE).encode(asn1::oids::data).end_cons();
    encode_certificate_sets(enc, certs, crls);
    enc.raw_bytes(asn1::encode_der_set_of({})); // no signers
    enc.end_cons();
    return wrap_content_info(asn1::oids::signed_data, body);
}

} // namespace ascep::cms
