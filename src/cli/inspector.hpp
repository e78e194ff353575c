// inspect FILE: the inspector, which prints everything that decodes and
// collects what is wrong (a problem makes the run exit 97 after the fields).
// Its members live in three files, by what they look at:
//   inspect_operation.cpp    what the file is (dispatch), chains, lists, run_inspect;
//   inspect_pki_message.cpp  a SCEP pkiMessage: header, signer, decrypted content;
//   inspect_cms.cpp          any CMS: signer algorithms, signature checks,
//                            EnvelopedData and its decryption, other SignedData.
#pragma once

#include "cli/files.hpp"
#include "cli/inspect_describe.hpp"
#include "cli/inspect_input.hpp"
#include "cli/key_source.hpp"
#include "cli/options.hpp"
#include "cli/reporter.hpp"
#include "cms/enveloped_data.hpp"
#include "cms/signed_data.hpp"
#include "scep/csr.hpp"
#include "scep/pki_message.hpp"

#include <boost/json/object.hpp>
#include <boost/system/error_code.hpp>
#include <botan/auto_rng.h>
#include <botan/pk_keys.h>
#include <botan/x509_crl.h>
#include <botan/x509cert.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ascep::cli::inspection {

/// What inspect was given besides FILE.
struct inspect_keys {
    std::vector<Botan::X509_Certificate> ca_certs; // -c: CA and RA certificates
    key_handle key;                                // -k (a file or a token key)
    std::optional<Botan::X509_Certificate> cert;   // -l
};

/// A PKCS#10 request and its DER (for the signature check). Read with
/// scep::read_csr, not Botan's PKCS10_Request, which refuses the version 2
/// that iOS devices send and any request whose signature does not verify,
/// where inspect should show what decodes and say what is wrong.
struct request_view {
    scep::csr_summary csr;
    bytes der;
};

/// nullopt when `der` is not a PKCS#10 request.
std::optional<request_view> decode_request(const bytes& der);

/// "1 certificate", "2 certificates".
std::string count_of(std::size_t n, const std::string& what);

class inspector {
public:
    inspector(const options& opts, reporter& out, inspect_keys keys);

    /// Prints `in` and returns the exit code.
    int run(const inspect_input& in);

private:
    /// Checks a signature with one candidate certificate.
    using verifier = std::function<boost::system::error_code(const Botan::X509_Certificate&)>;

    const options& opts_;
    reporter& out_;
    inspect_keys keys_;
    Botan::AutoSeeded_RNG rng_;
    std::vector<std::string> problems_;
    /// Why a pkiMessage's envelope did not decode, when it did not.
    std::string envelope_error_;

    void line(const std::string& label, const std::string& text) { out_.info(label + ": " + text); }
    void emit(const description& d, const std::string& prefix, bool verbose_only = false);
    void problem(std::string what) { problems_.push_back(std::move(what)); }
    int finish();
    void set_kind(const char* kind, const std::string& text);

    // What the file is (inspect_operation.cpp).
    void inspect_der(const bytes& der);
    void inspect_pem_chain(const std::vector<bytes>& blocks);
    void inspect_signed(const bytes& der);

    // SCEP pkiMessage (inspect_pki_message.cpp).
    void inspect_pki_message(const scep::incoming_message& msg);
    /// "pkiStatus: FAILURE (2)"; JSON pki_status and pki_status_number.
    void print_value(const char* label, const std::string& key, std::string_view name, int number);
    void print_nonce(const char* label, const char* key, const std::optional<bytes>& nonce);
    void decrypt_message(const scep::incoming_message& msg);
    void print_csr(const bytes& der, const std::string& transaction_id, boost::json::object& into);
    void print_request(const request_view& req, const std::string& prefix, boost::json::object* into = nullptr);
    /// A CertRep SUCCESS holds a degenerate SignedData: the issued
    /// certificate (PKCSReq, RenewalReq, CertPoll, GetCert) or a CRL (GetCRL).
    void print_degenerate(const bytes& der, boost::json::object& into);

    // Any CMS (inspect_cms.cpp).
    void print_signer_algorithms(const cms::signer_info& si, boost::json::object& j, const std::string& prefix = "");
    /// Checks one signer. With -c the signer must be one of those CA/RA
    /// certificates; a request is signed by its sender, so its carried
    /// certificate counts too. Without -c the carried certificate is used.
    void check_signature(const cms::signed_data& sd, const cms::signer_info& si, bool signed_by_sender,
                         boost::json::object& into, const verifier& verify, const std::string& prefix = "");
    void print_envelope(const cms::enveloped_data& env, boost::json::object& into);
    /// The envelope's content, or nullopt (and a problem) when it does not open.
    std::optional<bytes> decrypt(const cms::enveloped_data& env);
    void inspect_generic_signed(const cms::signed_data& sd);
    void inspect_enveloped(const bytes& der);

    // Lists (inspect_operation.cpp).
    void print_certificates(const std::vector<Botan::X509_Certificate>& certs, const std::string& prefix,
                            const char* key, bool show, boost::json::object* into = nullptr);
    void print_crls(const std::vector<Botan::X509_CRL>& crls, const std::string& prefix, boost::json::object& into);
};

} // namespace ascep::cli::inspection
