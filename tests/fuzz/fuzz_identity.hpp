// A fixed RSA identity shared by the fuzz target and the corpus generator.
// It is fixed, not generated per run, so that EnvelopedData seeds encrypted
// to it decrypt inside the fuzzer and the content-decryption path gets
// coverage. 1024 bits keeps each RSA decryption cheap; this key protects
// nothing. Made with:
//   openssl req -x509 -newkey rsa:1024 -nodes -days 36500 -set_serial 4242
//     -subj "/CN=ascep fuzz recipient"
#pragma once

#include <botan/data_src.h>
#include <botan/pkcs8.h>
#include <botan/x509cert.h>

#include <cstdint>
#include <memory>
#include <string_view>

namespace ascep::fuzz {

inline constexpr std::string_view recipient_key_pem = R"(
-----BEGIN PRIVATE KEY-----
MIICdgIBADANBgkqhkiG9w0BAQEFAASCAmAwggJcAgEAAoGBAN+v3Nf6UxEY+EF3
reKYrd6XXbQ1iBIVumfQAnNHyKs73kjEeUcHlE8KM6KLy39m6T6kDki3gpys+xI9
L307nBYznifw9VJxPqn4MSOYecbwNOafpsclbbZaBHwtcYoa83NJy5IYGk0Nhkzx
EHssgduuinQ6l7PlG2Em1nWTlPIRAgMBAAECgYA13N4b774y3sVg1lW7u7IaaG56
520Flc/WEaOVaNKsUPU8pnrhnLSct8MpP+pXmktN9yktX2sHGSw3/x3BVSpHRxWc
x6MH3cdT+AVN0xg80HTM13CUOLvXzleyo3gU1JkpEaFUrrSCVHZcLb3xnhYySshj
8rEOrV7tBhrk4jT/9QJBAPASjtfw2xEPVna+SA2Wnn2vQCx4h8rn5URYyrbtd2n6
4excSgyvu4h4DsX1I8L4oe/UnfPtHhqS/4FqpNwrPHcCQQDuhwJoO5SktB+4IPR8
TX60dGa9+UFsyaYHQeCNhfdUdPKWSVU/rjrg2E91nNYOpZ/MU2PLuCxXSBZLV2yk
HE+3AkA+yGuo12lC7eLrzNllDFXIgrNirea9TqXrmNjyu+l1wtGgkYYgCTke+F7M
sE445/LZmJ3yM7mis3y0aKJSndADAkAvVEK6A/h+pe8VThS1BXt6uw4X6/l7aJe1
IPE5o7dr3riz8WEk/aFZNBKwN6qRxXNry7AloCnMN9WUpYg9GBEJAkEA1XZuo7Lw
6mdryemNGQdIlfxpwleJPt10odzb5VBpClCgJAoFuasUBf7TSM2OsLZ/LtJWEYe+
HTquo8FSGv/gxw==
-----END PRIVATE KEY-----
)";

inline constexpr std::string_view recipient_cert_pem = R"(
-----BEGIN CERTIFICATE-----
MIICCjCCAXOgAwIBAgICEJIwDQYJKoZIhvcNAQELBQAwHzEdMBsGA1UEAwwUYXNj
ZXAgZnV6eiByZWNpcGllbnQwIBcNMjYxMTI3MDc0OTQyWhgPMjEyNjExMDMwNzQ5
NDJaMB8xHTAbBgNVBAMMFGFzY2VwIGZ1enogcmVjaXBpZW50MIGfMA0GCSqGSIb3
DQEBAQUAA4GNADCBiQKBgQDfr9zX+lMRGPhBd63imK3el120NYgSFbpn0AJzR8ir
O95IxHlHB5RPCjOii8t/Zuk+pA5It4KcrPsSPS99O5wWM54n8PVScT6p+DEjmHnG
8DTmn6bHJW22WgR8LXGKGvNzScuSGBpNDYZM8RB7LIHbrop0Opez5RthJtZ1k5Ty
EQIDAQABo1MwUTAdBgNVHQ4EFgQUL2TA8vIdtaFXyfqLNj02gTCYw9UwHwYDVR0j
BBgwFoAUL2TA8vIdtaFXyfqLNj02gTCYw9UwDwYDVR0TAQH/BAUwAwEB/zANBgkq
hkiG9w0BAQsFAAOBgQCGgZaMJYb6fPxOdCF7+/9gh0KMTYJ17uUkY2zlliEpcxRl
3Jj4+E6sYlOT92lJXr+URmjITii9xkWV5nl2bqq4zh2XQOlYeSdDMlL9uFqNAMRE
0Mrh1OjjzhfuRl1/kmxRHWb0yHq3FviDxIpkjjqEIAIDWcPPb+IO/mXwTht7Pg==
-----END CERTIFICATE-----
)";

struct recipient {
    std::unique_ptr<Botan::Private_Key> key;
    Botan::X509_Certificate cert;
};

inline recipient load_recipient()
{
    Botan::DataSource_Memory key_src(reinterpret_cast<const std::uint8_t*>(recipient_key_pem.data()),
                                     recipient_key_pem.size());
    Botan::DataSource_Memory cert_src(reinterpret_cast<const std::uint8_t*>(recipient_cert_pem.data()),
                                      recipient_cert_pem.size());
    return {Botan::PKCS8::load_key(key_src), Botan::X509_Certificate(cert_src)};
}

} // namespace ascep::fuzz
