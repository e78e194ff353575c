// Object identifiers used by CMS (RFC 5652) and SCEP (RFC 8894 §3.2.1).
#pragma once

#include <botan/asn1_obj.h>

namespace ascep::asn1::oids {

// Content types (PKCS#7).
inline const Botan::OID data{1, 2, 840, 113549, 1, 7, 1};
inline const Botan::OID signed_data{1, 2, 840, 113549, 1, 7, 2};
inline const Botan::OID enveloped_data{1, 2, 840, 113549, 1, 7, 3};

// PKCS#9 attributes that CMS itself uses.
inline const Botan::OID content_type{1, 2, 840, 113549, 1, 9, 3};
inline const Botan::OID message_digest{1, 2, 840, 113549, 1, 9, 4};
inline const Botan::OID signing_time{1, 2, 840, 113549, 1, 9, 5};
inline const Botan::OID challenge_password{1, 2, 840, 113549, 1, 9, 7};
inline const Botan::OID extension_request{1, 2, 840, 113549, 1, 9, 14};

// SCEP attributes (id-VeriSign 2.16.840.1.113733.1.9.x).
inline const Botan::OID scep_message_type{2, 16, 840, 1, 113733, 1, 9, 2};
inline const Botan::OID scep_pki_status{2, 16, 840, 1, 113733, 1, 9, 3};
inline const Botan::OID scep_fail_info{2, 16, 840, 1, 113733, 1, 9, 4};
inline const Botan::OID scep_sender_nonce{2, 16, 840, 1, 113733, 1, 9, 5};
inline const Botan::OID scep_recipient_nonce{2, 16, 840, 1, 113733, 1, 9, 6};
inline const Botan::OID scep_transaction_id{2, 16, 840, 1, 113733, 1, 9, 7};
inline const Botan::OID scep_fail_info_text{1, 3, 6, 1, 5, 5, 7, 24, 1};

// Public key algorithms as they appear in SignerInfo and KeyTransRecipientInfo.
inline const Botan::OID rsa_encryption{1, 2, 840, 113549, 1, 1, 1};
inline const Botan::OID rsaes_oaep{1, 2, 840, 113549, 1, 1, 7};
inline const Botan::OID mgf1{1, 2, 840, 113549, 1, 1, 8};
inline const Botan::OID md5_with_rsa{1, 2, 840, 113549, 1, 1, 4};
inline const Botan::OID sha1_with_rsa{1, 2, 840, 113549, 1, 1, 5};
inline const Botan::OID sha256_with_rsa{1, 2, 840, 113549, 1, 1, 11};
inline const Botan::OID sha384_with_rsa{1, 2, 840, 113549, 1, 1, 12};
inline const Botan::OID sha512_with_rsa{1, 2, 840, 113549, 1, 1, 13};
inline const Botan::OID sha224_with_rsa{1, 2, 840, 113549, 1, 1, 14};

// Digests.
inline const Botan::OID md5{1, 2, 840, 113549, 2, 5};
inline const Botan::OID sha1{1, 3, 14, 3, 2, 26};
inline const Botan::OID sha224{2, 16, 840, 1, 101, 3, 4, 2, 4};
inline const Botan::OID sha256{2, 16, 840, 1, 101, 3, 4, 2, 1};
inline const Botan::OID sha384{2, 16, 840, 1, 101, 3, 4, 2, 2};
inline const Botan::OID sha512{2, 16, 840, 1, 101, 3, 4, 2, 3};

// Content-encryption ciphers (all CBC).
inline const Botan::OID des_cbc{1, 3, 14, 3, 2, 7};
inline const Botan::OID des_ede3_cbc{1, 2, 840, 113549, 3, 7};
inline const Botan::OID aes128_cbc{2, 16, 840, 1, 101, 3, 4, 1, 2};
inline const Botan::OID aes192_cbc{2, 16, 840, 1, 101, 3, 4, 1, 22};
inline const Botan::OID aes256_cbc{2, 16, 840, 1, 101, 3, 4, 1, 42};
// Botan registers no OID for Blowfish-CBC; this is Cryptlib's, which OpenSSL uses.
inline const Botan::OID blowfish_cbc{1, 3, 6, 1, 4, 1, 3029, 1, 2};

} // namespace ascep::asn1::oids
