// The test CA's state directory (--dir):
//   ca.key ca.crt                 the CA (key PKCS#8 PEM, mode 0600)
//   ra-sign.* ra-enc.*            the RA certificates (--ra)
//   next-ca.key next-ca.crt       the rollover CA (`rollover`), for GetNextCACert
//   serial                        the next serial number, hex
//   issued/<SERIAL>.crt           every certificate issued (PEM)
//   transactions/<ID>.json        every transaction (pending, approved, rejected, issued)
//   crl.pem                       the current CRL (holds the revocations)
//   lock                          flock(2) for read-modify-write
// Every file is written atomically (files.hpp) and read again on each use,
// so another process (approve, revoke) is seen at once and kill -9 loses
// nothing. I/O failures throw std::system_error or std::runtime_error.
#pragma once

#include "testca/authority.hpp"
#include "testca/files.hpp"
#include "testca/transaction.hpp"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ascep::testca {

class state_store {
public:
    /// Creates the directory (and its subdirectories) when missing.
    explicit state_store(std::filesystem::path dir);

    const std::filesystem::path& dir() const { return dir_; }

    /// Held around every read-modify-write (serial, transactions, CRL).
    std::unique_ptr<dir_lock> lock() const;

    /// "ca", "ra-sign", "ra-enc", "next-ca".
    std::optional<identity> load_identity(std::string_view name) const;
    void save_identity(std::string_view name, const identity& id);

    /// The next serial, advanced on disk before it is returned, so a crash
    /// after this never reuses it. Hold the lock.
    Botan::BigInt allocate_serial();

    void save_issued(const Botan::X509_Certificate& cert);
    std::optional<Botan::X509_Certificate> find_issued(const Botan::BigInt& serial) const;
    /// Ordered by serial.
    std::vector<Botan::X509_Certificate> issued() const;

    std::optional<transaction> load_transaction(const std::string& id) const;
    void save_transaction(const transaction& t);
    /// Ordered by creation time.
    std::vector<transaction> transactions() const;

    std::optional<Botan::X509_CRL> crl() const;
    void save_crl(const Botan::X509_CRL& crl);

    /// The file a transaction ID is kept in: the ID itself when it is made of
    /// [A-Za-z0-9._-] (sscep's hex MD5), else "~" + hex SHA-256 of it.
    static std::string transaction_file_name(const std::string& id);

private:
    std::filesystem::path dir_;
};

/// Loads the CA (and RA certificates when `ra`), creating what is missing:
/// key generation happens here, at startup, never per request.
ca_material load_or_create_ca(state_store& store, std::size_t key_bits, bool ra, clock::time_point now,
                              Botan::RandomNumberGenerator& rng);

/// Makes (or replaces) the rollover CA served by GetNextCACert.
identity make_rollover_ca(state_store& store, std::size_t key_bits, clock::time_point now,
                          Botan::RandomNumberGenerator& rng);

/// Puts `serial` on the CRL (re-signed by the CA). Errors, as text: the serial
/// was not issued here. Returns the new CRL.
Botan::X509_CRL revoke_serial(state_store& store, const identity& ca, const Botan::BigInt& serial,
                              clock::time_point now, Botan::RandomNumberGenerator& rng);

/// transaction <-> JSON text (the files under transactions/).
std::string to_json(const transaction& t);
/// Throws std::runtime_error on a malformed record.
transaction transaction_from_json(std::string_view text);

} // namespace ascep::testca
