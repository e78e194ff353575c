// Fixed RSA identities shared by the fuzz targets and the corpus generators.
// They are fixed, not generated per run, so that EnvelopedData seeds encrypted
// to them decrypt inside the fuzzer and the content-decryption path gets
// coverage. 1024 bits keeps each RSA operation cheap; these keys protect
// nothing. Made with:
//   openssl req -x509 -newkey rsa:1024 -nodes -days 36500 -set_serial 4242
//     -subj "/CN=ascep fuzz recipient"
// and, for the CA of the SCEP targets (the recipient plays the client there):
//   openssl req -x509 -newkey rsa:1024 -nodes -days 36500 -set_serial 4343
//     -subj "/CN=ascep fuzz CA"
#pragma once

#include <botan/data_src.h>
#include <botan/pkcs8.h>
#include <botan/x509cert.h>

#include <cstdint>
#include <cstdlib>
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

inline constexpr std::string_view ca_key_pem = R"(
-----BEGIN PRIVATE KEY-----
MIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBANNjhBE2WpDtMyvP
asMoe77kNOJxPP18Ii07/uwxPBq3csGDIq9Q85XwGg0iRVhIzcjfGqB34AhcBLsp
/PYbFo7n5qaTsX3bSgpINak5w4YQN+yflge7wxkPtoH5QZ9+X6qSPOud7KvMbiVw
7esrZBK12SRuJS4/QU0IdcAtbvVpAgMBAAECgYEAm6zGLgbhW6nT7YerEF5YA5T8
fWb3i5ZHdRih/D+mC+bd1DVG7eWn/dv8039Rolq7chsb+OFPU9iwg0XAzV3VlcGB
uT2JPztuGLnwO92eZ9pAZWBJcwb8hhr5gCpRvYRMvNJNO+crHBkF9qAf+kEjCLSb
xM19rrdQ1Nk7dt506oECQQD1b6qOq6CJXvX2gGPOlLTh7v30zJWFId3LQIgkLD41
V18KPy189jRVPwFjlLYiHJAGRtDgwOCkwfgwwSFka7XFAkEA3HyyyKCNDcjbKU53
izU86lkPFSGFIuaVOoiWZBLVu4xBsRkfJnv8pEegbyoi05K8JHOY4bGNRPRMQpfk
c1HfVQJBAMW6ho+WGSlShZlnagD9sJPsdFAJmdO9qu+aN5PcyOk0UG7y4vSvbQ3Y
SogtQGZO2IEWACVxfgl98zNkBEDgvXkCQCtej+AszHIIrytJ1vPX7fp+uBvE8yYx
SusvkL1wgwAYD5fhRCJSwxghSqpzFFSfiUh2QH0saohEsXdr3zDbyt0CQCTblzwG
xoYOJKcryohT4iEC5mOm/Xf3s4UYVfPnDOYAj/bJktPr7FJyZCQd4R/+qEbgRln3
dk+3A4UPpyC/u4s=
-----END PRIVATE KEY-----
)";

inline constexpr std::string_view ca_cert_pem = R"(
-----BEGIN CERTIFICATE-----
MIIB/DCCAWWgAwIBAgICEPcwDQYJKoZIhvcNAQELBQAwGDEWMBQGA1UEAwwNYXNj
ZXAgZnV6eiBDQTAgFw0yNjExMjcxMDU4NDNaGA8yMTI2MTEwMzEwNTg0M1owGDEW
MBQGA1UEAwwNYXNjZXAgZnV6eiBDQTCBnzANBgkqhkiG9w0BAQEFAAOBjQAwgYkC
gYEA02OEETZakO0zK89qwyh7vuQ04nE8/XwiLTv+7DE8GrdywYMir1DzlfAaDSJF
WEjNyN8aoHfgCFwEuyn89hsWjufmppOxfdtKCkg1qTnDhhA37J+WB7vDGQ+2gflB
n35fqpI8653sq8xuJXDt6ytkErXZJG4lLj9BTQh1wC1u9WkCAwEAAaNTMFEwHQYD
VR0OBBYEFE0Q6Rba48b3md12HePhMZ3uxHD4MB8GA1UdIwQYMBaAFE0Q6Rba48b3
md12HePhMZ3uxHD4MA8GA1UdEwEB/wQFMAMBAf8wDQYJKoZIhvcNAQELBQADgYEA
WbLT8YgiE+SENpgUjX/lgczunXB8kO/EPd6cUaP5RM+plw7/ysi0GAIhIACVI0wx
qezhs4FBUlOsMECY0JaXMMWfdez9ao1tl/r+zxhLEUFMAXYbjL0hgDusCSzf56Fa
IFkwjBSq6bYQhj53ktUmBzdGwulkM38GkglAoA2v5PM=
-----END CERTIFICATE-----
)";

struct recipient {
    std::unique_ptr<Botan::Private_Key> key;
    Botan::X509_Certificate cert;
};

inline recipient load_identity(std::string_view key_pem, std::string_view cert_pem)
{
    Botan::DataSource_Memory key_src(reinterpret_cast<const std::uint8_t*>(key_pem.data()), key_pem.size());
    Botan::DataSource_Memory cert_src(reinterpret_cast<const std::uint8_t*>(cert_pem.data()), cert_pem.size());
    return {Botan::PKCS8::load_key(key_src), Botan::X509_Certificate(cert_src)};
}

/// A target's fixture, made on first use and destroyed at exit: loading keys
/// per input would cost more than the parsing.
template <typename T>
T& once()
{
    static T instance;
    return instance;
}

/// FUZZ_VERBOSE=1: the SCEP targets print what they made of each input (to
/// check that the seeds reach deep code).
inline bool verbose()
{
    static const bool on = std::getenv("FUZZ_VERBOSE") != nullptr;
    return on;
}

/// The recipient of fuzz_cms's envelopes; the client of the SCEP targets.
inline recipient load_recipient()
{
    return load_identity(recipient_key_pem, recipient_cert_pem);
}

/// The CA (and reply signer) of the SCEP targets.
inline recipient load_ca()
{
    return load_identity(ca_key_pem, ca_cert_pem);
}

} // namespace ascep::fuzz
