#include "testca/state_store.hpp"

#include <boost/json.hpp>
#include <botan/base64.h>
#include <botan/data_src.h>
#include <botan/hash.h>
#include <botan/hex.h>
#include <botan/pkcs8.h>
#include <botan/x509_key.h>

#include <algorithm>
#include <stdexcept>

namespace ascep::testca {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

const char* const issued_dir = "issued";
const char* const transactions_dir = "transactions";

std::string key_file(std::string_view name) { return std::string(name) + ".key"; }
std::string cert_file(std::string_view name) { return std::string(name) + ".crt"; }

bool safe_id(const std::string& id)
{
    return !id.empty() && id.size() <= 128 && id.front() != '.' &&
           std::all_of(id.begin(), id.end(), [](unsigned char c) {
               return std::isalnum(c) || c == '.' || c == '_' || c == '-';
           });
}

} // namespace

state_store::state_store(fs::path dir) : dir_(std::move(dir))
{
    fs::create_directories(dir_ / issued_dir);
    fs::create_directories(dir_ / transactions_dir);
}

std::unique_ptr<dir_lock> state_store::lock() const
{
    return std::make_unique<dir_lock>(dir_ / "lock");
}

std::optional<identity> state_store::load_identity(std::string_view name) const
{
    const auto key_pem = read_file(dir_ / key_file(name));
    const auto cert_pem = read_file(dir_ / cert_file(name));
    if (!key_pem || !cert_pem)
        return std::nullopt;
    Botan::DataSource_Memory key_src(*key_pem);
    std::shared_ptr<const Botan::Private_Key> key(Botan::PKCS8::load_key(key_src));
    Botan::DataSource_Memory cert_src(*cert_pem);
    return identity{std::move(key), Botan::X509_Certificate(cert_src)};
}

void state_store::save_identity(std::string_view name, const identity& id)
{
    // The key first: a certificate without its key would be unusable after a crash.
    write_file_atomic(dir_ / key_file(name), Botan::PKCS8::PEM_encode(*id.key), 0600);
    write_file_atomic(dir_ / cert_file(name), id.cert.PEM_encode());
}

Botan::BigInt state_store::allocate_serial()
{
    if (deferred_ && reserved_ && reserved_->first < reserved_->second)
        return reserved_->first++;
    const auto text = read_text(dir_ / "serial");
    Botan::BigInt next = 16; // small, readable serials; below 16 left for humans
    if (text) {
        auto trimmed = *text;
        while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.back())))
            trimmed.pop_back();
        auto parsed = parse_serial("0x" + trimmed);
        if (!parsed)
            throw std::runtime_error("corrupt serial file in " + dir_.string());
        next = *parsed;
    }
    if (deferred_) {
        // The server: a block of serials on disk at once (a command that
        // allocates meanwhile starts above it), handed out from memory.
        reserved_.emplace(next + 1, next + serial_block);
        put(dir_ / "serial", serial_hex(reserved_->second) + "\n");
        return next;
    }
    put(dir_ / "serial", serial_hex(next + 1) + "\n");
    return next;
}

void state_store::save_issued(const Botan::X509_Certificate& cert)
{
    put(dir_ / issued_dir / (serial_hex(Botan::BigInt(cert.serial_number())) + ".crt"), cert.PEM_encode());
}

std::optional<Botan::X509_Certificate> state_store::find_issued(const Botan::BigInt& serial) const
{
    const auto pem = read_file(dir_ / issued_dir / (serial_hex(serial) + ".crt"));
    if (!pem)
        return std::nullopt;
    Botan::DataSource_Memory src(*pem);
    return Botan::X509_Certificate(src);
}

std::vector<Botan::X509_Certificate> state_store::issued() const
{
    std::vector<Botan::X509_Certificate> out;
    for (const auto& entry : fs::directory_iterator(dir_ / issued_dir)) {
        if (entry.path().extension() != ".crt")
            continue;
        const auto pem = read_file(entry.path());
        if (!pem)
            continue; // removed meanwhile
        Botan::DataSource_Memory src(*pem);
        out.emplace_back(src);
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        return Botan::BigInt(a.serial_number()) < Botan::BigInt(b.serial_number());
    });
    return out;
}

std::string state_store::transaction_file_name(const std::string& id)
{
    if (safe_id(id))
        return id + ".json";
    const auto hash = Botan::HashFunction::create_or_throw("SHA-256");
    return "~" + Botan::hex_encode(hash->process(id)) + ".json";
}

std::optional<transaction> state_store::load_transaction(const std::string& id) const
{
    const auto text = read_text(dir_ / transactions_dir / transaction_file_name(id));
    if (!text)
        return std::nullopt;
    return transaction_from_json(*text);
}

void state_store::save_transaction(const transaction& t)
{
    put(dir_ / transactions_dir / transaction_file_name(t.id), to_json(t));
}

std::vector<transaction> state_store::transactions() const
{
    std::vector<transaction> out;
    for (const auto& entry : fs::directory_iterator(dir_ / transactions_dir)) {
        if (entry.path().extension() != ".json")
            continue;
        if (auto text = read_text(entry.path()))
            out.push_back(transaction_from_json(*text));
    }
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.created < b.created; });
    return out;
}

std::optional<Botan::X509_CRL> state_store::crl() const
{
    const auto path = dir_ / "crl.pem";
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        crl_cache_.reset();
        return std::nullopt;
    }
    if (crl_cache_ && st.st_ino == crl_seen_.st_ino && st.st_size == crl_seen_.st_size &&
        st.st_mtim.tv_sec == crl_seen_.st_mtim.tv_sec && st.st_mtim.tv_nsec == crl_seen_.st_mtim.tv_nsec)
        return crl_cache_;
    const auto pem = read_file(path);
    if (!pem)
        return std::nullopt;
    Botan::DataSource_Memory src(*pem);
    crl_cache_.emplace(src);
    crl_seen_ = st;
    return crl_cache_;
}

void state_store::save_crl(const Botan::X509_CRL& crl)
{
    put(dir_ / "crl.pem", crl.PEM_encode());
}

void state_store::put(const fs::path& path, std::string_view content)
{
    if (!deferred_) {
        write_file_atomic(path, content);
        return;
    }
    write_file_replace(path, content);
    dirty_ = true;
}

void state_store::sync() const
{
    sync_file_system(dir_);
}

ca_material load_or_create_ca(state_store& store, const ca_setup& setup, clock::time_point now,
                              Botan::RandomNumberGenerator& rng)
{
    const auto held = store.lock();
    ca_material m;
    auto root = store.load_identity("root");
    auto ca = store.load_identity("ca");
    if (ca && !root && setup.intermediate)
        throw std::runtime_error("the CA in " + store.dir().string() +
                                 " is self-signed (made without --intermediate) and cannot be put under a root; "
                                 "start with an empty --dir, or without --intermediate");
    if (!ca) {
        // A root without a CA is a first start with --intermediate that
        // stopped in between: finish the hierarchy it began.
        if (!root && setup.intermediate) {
            root = make_root_ca(setup.key_bits, "ascep test root CA", store.allocate_serial(), now, rng);
            store.save_identity("root", *root);
        }
        ca = root ? make_issuing_ca(*root, setup.key_bits, "ascep test issuing CA", store.allocate_serial(), now, rng)
                  : make_ca(setup.key_bits, "ascep test CA", store.allocate_serial(), now, rng);
        store.save_identity("ca", *ca);
    }
    if (root && !issued_by(ca->cert, root->cert))
        throw std::runtime_error("ca.crt in " + store.dir().string() + " was not issued by root.crt");
    m.ca = std::move(*ca);
    if (root)
        m.root = root->cert;
    if (setup.ra) {
        m.ra_sign = store.load_identity("ra-sign");
        if (!m.ra_sign) {
            m.ra_sign = make_ra(m.ca, setup.key_bits, "ascep test RA signing", Botan::DIGITAL_SIGNATURE,
                                store.allocate_serial(), now, rng);
            store.save_identity("ra-sign", *m.ra_sign);
        }
        m.ra_enc = store.load_identity("ra-enc");
        if (!m.ra_enc) {
            m.ra_enc = make_ra(m.ca, setup.key_bits, "ascep test RA encryption", Botan::KEY_ENCIPHERMENT,
                               store.allocate_serial(), now, rng);
            store.save_identity("ra-enc", *m.ra_enc);
        }
    }
    if (!store.crl())
        store.save_crl(make_crl(m.ca, std::nullopt, {}, now, rng));
    return m;
}

identity make_rollover_ca(state_store& store, std::size_t key_bits, clock::time_point now,
                          Botan::RandomNumberGenerator& rng)
{
    const auto held = store.lock();
    const auto root = store.load_identity("root");
    auto next = root ? make_issuing_ca(*root, key_bits, "ascep test issuing CA (next)", store.allocate_serial(), now, rng)
                     : make_ca(key_bits, "ascep test CA (next)", store.allocate_serial(), now, rng);
    store.save_identity("next-ca", next);
    return next;
}

Botan::X509_CRL revoke_serial(state_store& store, const identity& ca, const Botan::BigInt& serial,
                              clock::time_point now, Botan::RandomNumberGenerator& rng)
{
    const auto held = store.lock();
    const auto cert = store.find_issued(serial);
    if (!cert)
        throw std::runtime_error("no certificate with serial " + serial_hex(serial) + " was issued here");
    const auto previous = store.crl();
    if (previous && previous->is_revoked(*cert))
        return *previous;
    auto crl = make_crl(ca, previous, {*cert}, now, rng);
    store.save_crl(crl);
    return crl;
}

std::string to_json(const transaction& t)
{
    json::object o;
    o["id"] = t.id;
    o["type"] = std::string(scep::name(t.type));
    o["state"] = std::string(name(t.state));
    o["polls"] = t.polls;
    o["csr"] = Botan::base64_encode(t.csr);
    o["subject"] = t.subject;
    if (t.serial)
        o["serial"] = serial_hex(*t.serial);
    o["created"] = t.created;
    return json::serialize(o) + "\n";
}

transaction transaction_from_json(std::string_view text)
{
    try {
        const auto v = json::parse(text);
        const auto& o = v.as_object();
        transaction t;
        t.id = json::value_to<std::string>(o.at("id"));
        const auto type = json::value_to<std::string>(o.at("type"));
        t.type = type == scep::name(scep::message_type::renewal_req) ? scep::message_type::renewal_req
                                                                     : scep::message_type::pkcs_req;
        const auto state = transaction_state_from(json::value_to<std::string>(o.at("state")));
        if (!state)
            throw std::runtime_error("unknown state");
        t.state = *state;
        t.polls = json::value_to<unsigned>(o.at("polls"));
        const auto csr = Botan::base64_decode(json::value_to<std::string>(o.at("csr")));
        t.csr.assign(csr.begin(), csr.end());
        t.subject = json::value_to<std::string>(o.at("subject"));
        if (const auto* s = o.if_contains("serial")) {
            auto serial = parse_serial("0x" + json::value_to<std::string>(*s));
            if (!serial)
                throw std::runtime_error("bad serial");
            t.serial = *serial;
        }
        t.created = json::value_to<std::int64_t>(o.at("created"));
        return t;
    } catch (const std::exception& e) {
        throw std::runtime_error(std::string("malformed transaction record: ") + e.what());
    }
}

} // namespace ascep::testca
