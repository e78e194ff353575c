// Checks across options, once argv and the config file are merged: what
// each operation requires, which options need one another, and defaults.
#include "cli/options.hpp"
#include "keys/pkcs11_uri.hpp"

#include <botan/hex.h>

#include <cctype>
#include <utility>

namespace ascep::cli {
std::string as_pkcs11_uri(const std::string& name)
{
    if (name.empty() || keys::is_pkcs11_uri(name))
        return name;
    if (name.starts_with("id_") && name.size() > 3) {
        std::vector<std::uint8_t> id;
        try {
            id = Botan::hex_decode(name.substr(3));
        } catch (const std::exception&) {
            return keys::label_uri(name); // not hex: a label after all
        }
        return keys::id_uri(id);
    }
    if (name.starts_with("label_") && name.size() > 6)
        return keys::label_uri(name.substr(6));
    return keys::label_uri(name);
}

result<void> finalize(options& o)
{
    if (o.help)
        return {};
    const std::string op = std::string(name_of(o.op));
    auto missing = [&op](std::string_view what) { return usage_error(op + ": missing " + std::string(what)); };


    // enroll -m writes the request and sends nothing: no URL, no -l needed.
    const bool sends = !(o.op == operation::enroll && !o.request_out.empty());
    if (is_network(o.op) && sends && o.url.empty())
        return missing("URL (-u, or URL in the config file)");

    switch (o.op) {
    case operation::getcaps:
        break;
    case operation::getca:
        if (o.ca_cert.empty())
            return missing("CA certificate file to write (-c)");
        break;
    case operation::getnextca:
        if (o.ca_cert.empty())
            return missing("CA certificate (-c)");
        if (o.chain_out.empty())
            return missing("next CA chain file (-C)");
        break;
    case operation::enroll:
        if (o.ca_cert.empty())
            return missing("CA certificate (-c)");
        if (o.key.empty())
            return missing("private key (-k)");
        if (o.csr.empty())
            return missing("certificate request (-r)");
        if (sends && o.local_cert.empty())
            return missing("local certificate file to write (-l)");
        if (!o.old_key.empty() && o.old_cert.empty())
            return usage_error(op + ": -K (old key) needs -O (old certificate)");
        if (o.old_key.empty() && !o.old_cert.empty())
            return usage_error(op + ": -O (old certificate) needs -K (old key)");
        break;
    case operation::getcert:
        if (o.ca_cert.empty())
            return missing("CA certificate (-c)");
        if (o.key.empty())
            return missing("private key (-k)");
        if (o.local_cert.empty())
            return missing("local certificate (-l)");
        if (!o.serial)
            return missing("serial number (-s)");
        if (o.out.empty())
            return missing("certificate file to write (-w)");
        break;
    case operation::getcrl:
        if (o.ca_cert.empty())
            return missing("CA certificate (-c)");
        if (o.key.empty())
            return missing("private key (-k)");
        if (o.local_cert.empty())
            return missing("local certificate (-l)");
        if (o.out.empty())
            return missing("CRL file to write (-w)");
        break;
    case operation::mkrequest:
        if (o.alt_names.empty() && o.subject.empty())
            return usage_error(op + ": missing -ip, -dns or -email NAME (or --subject)");
        break;
    case operation::inspect:
        if (o.input_file.empty())
            return missing("FILE to inspect");
        if (!o.key.empty() && o.local_cert.empty())
            return usage_error(op + ": -k needs -l (the certificate of that key) to decrypt");
        if (o.key.empty() && !o.local_cert.empty())
            return usage_error(op + ": -l needs -k (the private key) to decrypt");
        break;
    case operation::renew:
        if (o.ca_cert.empty())
            return missing("CA certificate (-c)");
        if (o.key.empty())
            return missing("private key (-k)");
        if (o.local_cert.empty())
            return missing("certificate to renew (-l)");
        if (!o.renew_within)
            return missing("renewal window (--within DURATION, e.g. 30d)");
        break;
    case operation::fleet:
        if (o.manifest.empty())
            return missing("device manifest (--manifest)");
        if (o.out.empty())
            return missing("output directory (--out)");
        if (o.ca_cert.empty() && o.ca_fingerprint.empty())
            return usage_error(op + ": say which CA to trust: -c FILE (its certificate, e.g. from getca) or "
                                    "--ca-fingerprint SHA256 (then GetCACert fetches it and must match)");
        if (o.reuse_key && !o.renew_within)
            return usage_error(op + ": --reuse-key needs --renew-within (it says which key a renewal uses)");
        break;
    case operation::fleet_status:
        if (o.out.empty())
            return missing("output directory of the fleet (--out DIR)");
        if (!o.renew_within)
            o.renew_within = std::chrono::seconds(30 * 86400);
        break;
    }

    if (!o.challenge_file.empty() && !o.challenge.empty())
        return usage_error(op + ": give the challenge once: --challenge-file or a challenge on the command line, "
                                "not both");
    if (o.debug)
        o.verbose = true;
    if ((o.op == operation::getca || o.op == operation::getnextca) && !o.fingerprint)
        o.fingerprint = asn1::digest_algorithm::md5;
    if (o.op == operation::enroll || o.op == operation::fleet || o.op == operation::renew) {
        if (!o.poll_interval)
            o.poll_interval = default_poll_interval;
        if (!o.max_poll_time)
            o.max_poll_time = default_max_poll_time;
        if (!o.max_poll_count)
            o.max_poll_count = default_max_poll_count;
    }
    if (o.op == operation::mkrequest || o.op == operation::fleet) {
        if (!o.key_bits)
            o.key_bits = default_key_bits;
        if (o.prefix.empty())
            o.prefix = std::string(default_prefix);
    }
    if (o.op == operation::mkrequest) {
        if (o.key.empty())
            o.key = o.prefix + ".key";
        if (o.csr.empty())
            o.csr = o.prefix + ".csr";
    }
    // sscep's -g pkcs11: -k and -K name token keys. A URI stays as it is; a
    // libp11-style "label_NAME" / "id_HEX", or any other name, becomes a URI.
    if (o.engine == "pkcs11") {
        o.key = as_pkcs11_uri(o.key);
        o.old_key = as_pkcs11_uri(o.old_key);
    }
    return {};
}

} // namespace ascep::cli
