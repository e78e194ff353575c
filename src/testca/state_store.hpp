// The test CA's state directory (--dir):
//   ca.key ca.crt                 the issuing CA (key PKCS#8 PEM, mode 0600):
//                                 self-signed, or under root.* (--intermediate)
//   root.key root.crt             the root above the issuing CA (--intermediate)
//   ra-sign.* ra-enc.*            the RA certificates (--ra)
//   next-ca.key next-ca.crt       the rollover CA (`rollover`), for GetNextCACert
//   serial                        the next serial number, hex (the server
//                                 reserves serial_block at a time)
//   issued/<SERIAL>.crt           every certificate issued (PEM)
//   transactions/<ID>.json        every transaction (pending, approved, rejected, issued)
//   crl.pem                       the current CRL (holds the revocations)
//   lock                          flock(2) for read-modify-write
// Every file is written atomically (files.hpp) and read again on each use,
// so another process (approve, revoke) is seen at once and kill -9 loses
// nothing. Each write waits for the disk (fsync), except under group
// commit (the server): then writes replace their files at once and one
// sync() makes everything written since the last one durable, for all the
// requests answered together (the server sends no reply before it).
// I/O failures throw std::system_error or std::runtime_error.
#pragma once

#include "testca/authority.hpp"
#include "testca/files.hpp"
#include "testca/transaction.hpp"

#include <filesystem>
#include <memory>
#include <sys/stat.h>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ascep::testca {

class state_store {
public:
    /// Creates the directory (and its subdirectories) when missing.
    explicit state_store(std::filesystem::path dir);

    const std::filesystem::path& dir() const { return dir_; }

    /// Held around every read-modify-write (serial, transactions, CRL).
    std::unique_ptr<dir_lock> lock() const;

    /// "ca", "root", "ra-sign", "ra-enc", "next-ca".
    std::optional<identity> load_identity(std::string_view name) const;
    void save_identity(std::string_view name, const identity& id);

    /// The next serial, advanced on disk before it is returned, so a crash
    /// after this never reuses it. Hold the lock. Under group commit (the
    /// server) the file is advanced by `serial_block` at a time and the
    /// serials of the block are handed out from memory: a restart leaves a
    /// gap of the block's unused serials.
    Botan::BigInt allocate_serial();
    static constexpr unsigned serial_block = 16;

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

    /// Group commit: from now on transactions, serials, issued certificates
    /// and the CRL are written without waiting for the disk; sync() does.
    void defer_durability() { deferred_ = true; }
    /// Something was written since the last take_dirty().
    bool dirty() const { return dirty_; }
    /// Returns dirty() and clears it (the loop thread, before a sync).
    bool take_dirty() { return std::exchange(dirty_, false); }
    /// Makes every write so far durable (syncfs of the state's file system).
    /// Touches nothing but the directory's name: may run on another thread
    /// while this one writes on (those writes wait for the next sync).
    void sync() const;

private:
    void put(const std::filesystem::path& path, std::string_view content);

    std::filesystem::path dir_;
    bool deferred_ = false;
    bool dirty_ = false;
    /// Under group commit: [first, second) reserved on disk, not yet handed out.
    std::optional<std::pair<Botan::BigInt, Botan::BigInt>> reserved_;
    /// crl.pem as last read (reading and parsing it on every enrollment
    /// cost more than the rest of the policy); reread when the file changes.
    mutable std::optional<Botan::X509_CRL> crl_cache_;
    mutable struct stat crl_seen_ {};
};

/// What the server is started with that shapes its CA (the serve options).
struct ca_setup {
    /// RSA key size for keys created now.
    std::size_t key_bits = 2048;
    /// --ra: RA signing and encryption certificates from the issuing CA.
    bool ra = false;
    /// --intermediate: an empty state directory gets a root and an issuing
    /// CA under it instead of one self-signed CA.
    bool intermediate = false;
};

/// Loads the CA (with its root, and RA certificates when `setup.ra`),
/// creating what is missing: key generation happens here, at startup, never
/// per request. A state directory that has a root keeps it, with or without
/// `setup.intermediate`. Throws std::runtime_error (besides I/O errors) when
/// `setup.intermediate` meets a self-signed CA made without it: putting that
/// CA under a new root would orphan what it issued, and ignoring the flag
/// would serve a topology the caller did not ask for. Also when ca.crt was
/// not issued by root.crt (a state directory put together by hand).
ca_material load_or_create_ca(state_store& store, const ca_setup& setup, clock::time_point now,
                              Botan::RandomNumberGenerator& rng);

/// Makes (or replaces) the rollover CA served by GetNextCACert: self-signed,
/// or, when the state has a root, a new issuing CA under that root (what a
/// real hierarchy rolls over).
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
