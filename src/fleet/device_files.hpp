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
    std::string error; ///< set when the material could not be had; then nothing else is
    /// The errno of a failed write into DIR/<id> (make the directory, write
    /// key.pem or csr.pem): io::is_local_fault tells a full or read-only
    /// disk, which stops the run, from a problem of this device.
    std::error_code write_error;
};

/// The key: the manifest's key file, else DIR/<id>/key.pem, else a fresh
/// RSA key of `bits` written to key.pem first. The request: csr.pem when
/// `reuse_csr` and it is for the key (a request already sent must be polled
/// with the same one), else a new one from the row, written to csr.pem.
device_material prepare_material(const device& d, const device_paths& paths, unsigned bits,
                                 const std::string& default_challenge, bool reuse_csr);

/// cert.pem, when it exists, parses and certifies the key of csr.pem: the
/// device was issued by an earlier run.
std::optional<Botan::X509_Certificate> issued_certificate(const device_paths& paths);

/// Writes chain.pem, then cert.pem (cert.pem last: its presence means done).
/// Returns why it failed, or an empty string; `code` gets the errno.
std::string write_issued(const device_paths& paths, const Botan::X509_Certificate& cert,
                         const std::vector<Botan::X509_Certificate>& chain, std::error_code& code);

} // namespace ascep::fleet
