// STATE/events.jsonl: one JSON line per request and per fault injected, so
// that a CI job can assert what its client saw (docs/testca.md lists the
// fields). Lines are appended with one write(2) each (O_APPEND), so a line
// is whole or absent; they are fdatasync'ed when the server stops.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

namespace ascep::testca {

struct request_event {
    std::chrono::system_clock::time_point time;
    /// The profile's name; empty for a single CA.
    std::string profile;
    /// "GetCACaps", "GetCACert", "PKIOperation", ... as asked (may be "-" when missing).
    std::string operation;
    /// For PKIOperation: "PKCSReq", "RenewalReq", "CertPoll", "GetCert", "GetCRL".
    std::string message_type;
    std::string transaction_id;
    /// For PKIOperation: the subject of the certificate that signed the request.
    std::string signer;
    /// Faults injected into this request, comma-separated ("" when none).
    std::string fault;
    /// What the CA answered: "SUCCESS serial=1A (auto-approved)", "PENDING (...)",
    /// "503 Retry-After 1", "closed before the reply", ...
    std::string result;
    unsigned status = 0;
};

class event_log {
public:
    /// Opens (creates) `path` for appending. Throws std::system_error.
    explicit event_log(const std::filesystem::path& path);
    ~event_log();
    event_log(const event_log&) = delete;
    event_log& operator=(const event_log&) = delete;

    void write(const request_event& e);
    /// A line of its own: {"time":...,"event":"start",...} with the given fields.
    void write_start(const std::string& listen_url, const std::string& faults, std::uint64_t seed);
    /// fdatasync.
    void sync();

private:
    void append(const std::string& line);
    int fd_ = -1;
};

/// The JSON line (without the newline) for `e`.
std::string to_json_line(const request_event& e);

} // namespace ascep::testca
