// A device's files in DIR/<id>/: key.pem (0600), csr.pem, cert.pem,
// chain.pem. DIR/<id> itself is made durable in DIR when it is created
// (io::make_directory_durable); every write is atomic and fsync'ed
// (io::write_file_atomic), and
// the key is on disk before any request for it leaves: a crash can lose work
// but never a key whose certificate the CA issued. These functions block
// (disk, RSA): fleet runs them on its worker pools.
#pragma once

#include "cms/private_key_ops.hpp"
#include "fleet/manifest.hpp"
#include "keys/passphrase.hpp"

#include <botan/pk_keys.h>
#include <botan/x509cert.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

namespace ascep::fleet {

struct device_paths {
    std::string dir;
    std::string key;
    std::string csr;
    std::string cert;
    std::string chain;
    /// Renewal (renewal_files.hpp): the new pair beside the current one,
    /// and previous/ for the pair it replaces.
    std::string key_new;
    std::string csr_new;
    std::string cert_new;
    std::string chain_new;
    std::string previous;
};

device_paths paths_for(const std::string& out_dir, const std::string& id);

struct device_material {
    std::shared_ptr<Botan::Private_Key> key;
    /// `key` with its RSA private operation, made while signing the request
    /// on the worker pool; give it to enroll_request::key_ops so the rest of
    /// the enrollment reuses it.
    std::shared_ptr<const cms::private_key_ops> key_ops;
    std::vector<std::uint8_t> csr; ///< DER
    bool generated_key = false;
    /// Renewal: the current pair, which signs the request (RenewalReq).
    std::shared_ptr<Botan::Private_Key> old_key;
    std::optional<Botan::X509_Certificate> old_cert;
    std::string error; ///< set when the material could not be had; then nothing else is
    /// The errno of a failed write into DIR/<id> (make the directory, write
    /// key.pem or csr.pem): io::is_local_fault tells a full or read-only
    /// disk, which stops the run, from a problem of this device.
    std::error_code write_error;
};

/// The key: the manifest's key file, else DIR/<id>/key.pem, else a fresh
/// RSA key of `bits` written to key.pem first. `pass` (--key-pass; may be
/// null) decrypts the keys read and encrypts the one written. The request: csr.pem when
/// `reuse_csr` and it is for the key (a request already sent must be polled
/// with the same one), else a new one from the row, written to csr.pem.
device_material prepare_material(const device& d, const device_paths& paths, unsigned bits,
                                 const std::string& default_challenge, bool reuse_csr, const keys::passphrase* pass);

/// The pieces of prepare_material, for renewal_files.cpp.
/// A private key from `path` (keys::read_private_key: PKCS#8, encrypted
/// under `pass`, or PKCS#1); null and `why` when unusable.
std::shared_ptr<Botan::Private_Key> load_private_key(const std::string& path, const keys::passphrase* pass,
                                                     std::string& why);
/// A fresh RSA key of `bits`, written to `path` (0600, fsync'ed; encrypted
/// under `pass` when given) before it is returned; null and `why` on
/// failure (`code`: the write's errno).
std::shared_ptr<Botan::Private_Key> make_key_file(const std::string& path, unsigned bits, const keys::passphrase* pass,
                                                  std::string& why, std::error_code* code = nullptr);
/// Sets m.csr and m.key_ops for m.key: `csr_path` when `reuse_csr` and it
/// is a request for that key, else a new request from the row, written to
/// `csr_path`. On failure sets m.error (m.write_error for a failed write)
/// and clears m.key.
void request_for(device_material& m, const device& d, const std::string& csr_path,
                 const std::string& default_challenge, bool reuse_csr);

/// Before a run writes anything: the first DIR/<id>/key.pem found in
/// `out_dir` (an earlier run's) decides whether `pass` is right. Encrypted
/// and `pass` null, or `pass` does not decrypt it: why (one line), and the
/// run must not start (keys written under another passphrase, or none,
/// would sit beside it). Else an empty string.
std::string check_key_pass(const std::string& out_dir, const keys::passphrase* pass);

/// The certificate at `cert_path` when it parses and certifies the key of
/// the request at `csr_path`.
std::optional<Botan::X509_Certificate> certificate_for_request(const std::string& cert_path,
                                                               const std::string& csr_path);

/// cert.pem, when it exists, parses and certifies the key of csr.pem: the
/// device was issued by an earlier run.
std::optional<Botan::X509_Certificate> issued_certificate(const device_paths& paths);

/// Writes chain.pem, then cert.pem (cert.pem last: its presence means done).
/// Returns why it failed, or an empty string; `code` gets the errno.
std::string write_issued(const device_paths& paths, const Botan::X509_Certificate& cert,
                         const std::vector<Botan::X509_Certificate>& chain, std::error_code& code);

} // namespace ascep::fleet
