#include "scep/ca_roles.hpp"

#include "asn1/rfc4514.hpp"
#include "scep/error.hpp"

#include <botan/pkix_enums.h>
#include <botan/x509_ext.h>

#include <boost/throw_exception.hpp>

#include <algorithm>
#include <optional>
#include <set>
#include <stdexcept>

namespace ascep::scep {
namespace {

using cert_list = std::vector<Botan::X509_Certificate>;
using index_list = std::vector<std::size_t>;

bool has_extension(const Botan::X509_Certificate& c, const char* oid_name)
{
    return c.v3_extensions().extension_set(Botan::OID::from_string(oid_name));
}

bool is_ca(const Botan::X509_Certificate& c)
{
    // An X.509 v1 root has no extensions at all, and is still a CA.
    return c.is_CA_cert() || (c.is_self_signed() && !has_extension(c, "X509v3.BasicConstraints"));
}

bool allows(const Botan::X509_Certificate& c, Botan::Key_Constraints usage)
{
    // No keyUsage extension means "any usage" (RFC 5280 §4.2.1.3).
    return c.constraints() == Botan::NO_CONSTRAINTS || (c.constraints() & usage) != 0;
}

bool states(const Botan::X509_Certificate& c, Botan::Key_Constraints usage)
{
    return c.constraints() != Botan::NO_CONSTRAINTS && (c.constraints() & usage) != 0;
}

std::string name_of(const Botan::X509_Certificate& c)
{
    return asn1::rfc4514(c.subject_dn());
}

std::string names_of(const cert_list& set, const index_list& which)
{
    std::string out;
    for (std::size_t i = 0; i < which.size(); ++i) {
        if (i != 0)
            out += i + 1 == which.size() ? " and " : ", ";
        out += name_of(set[which[i]]);
    }
    return out;
}

/// The roles, worked out over indices into a set without repeats.
class role_chooser {
public:
    role_chooser(cert_list set, const Botan::X509_Certificate* encryption)
        : set_(std::move(set)), forced_encryption_(encryption)
    {
        for (std::size_t i = 0; i < set_.size(); ++i)
            (is_ca(set_[i]) ? cas_ : ras_).push_back(i);
    }

    boost::system::result<ca_roles, ca_roles_error> choose()
    {
        if (auto e = choose_issuing_ca())
            return std::move(*e);
        if (auto e = choose_encryption())
            return std::move(*e);
        ca_roles out;
        out.ca = set_[issuing_];
        out.encryption = forced_encryption_ ? *forced_encryption_ : set_[encryption_];
        for (const auto i : ras_)
            if (allows(set_[i], Botan::DIGITAL_SIGNATURE))
                out.signers.push_back(set_[i]);
        out.signers.push_back(set_[issuing_]);
        out.chain = issuer_chain(set_[issuing_], set_);
        out.chain.insert(out.chain.begin(), set_[issuing_]);
        chain_ = out.chain;
        out.all = set_;
        return out;
    }

    /// The note for set_[i]; valid after choose() succeeded.
    role_note note(std::size_t i) const
    {
        const auto& c = set_[i];
        if (i == issuing_)
            return {"issuing CA", !forced_encryption_ && encryption_ == issuing_
                                      ? issuing_reason_ + "; requests are encrypted to it (no RA encryption certificate)"
                                      : issuing_reason_};
        if (std::find(cas_.begin(), cas_.end(), i) != cas_.end()) {
            if (std::find(chain_.begin(), chain_.end(), c) != chain_.end())
                return {"chain", "a CA above the issuing CA: used for chain.pem and to verify, never as recipient or "
                                 "issuer name"};
            return {"unused", "a CA certificate outside the issuing CA's chain"};
        }
        const bool encrypts = forced_encryption_ ? c == *forced_encryption_ : i == encryption_;
        const bool signs = allows(c, Botan::DIGITAL_SIGNATURE);
        const std::string why_encrypts = forced_encryption_ ? "named by -e" : encryption_reason_;
        if (encrypts && signs)
            return {"RA encryption and signing", why_encrypts + "; may sign replies"};
        if (encrypts)
            return {"RA encryption", why_encrypts};
        if (signs)
            return {"RA signing", c.constraints() == Botan::NO_CONSTRAINTS
                                      ? "not a CA, no keyUsage extension: may sign replies"
                                      : "not a CA, digitalSignature: may sign replies"};
        return {"unused", "not a CA, and neither keyEncipherment nor digitalSignature"};
    }

    const cert_list& set() const { return set_; }

private:
    using failure = std::optional<ca_roles_error>;

    static ca_roles_error ambiguous(std::string text) { return {errc::ambiguous_ca, std::move(text)}; }

    bool issued_by(std::size_t child, std::size_t parent) const { return issued(set_[parent], set_[child]); }

    /// The CAs of the set that issued `child`.
    index_list issuers_of(std::size_t child) const
    {
        index_list out;
        for (const auto ca : cas_)
            if (issued_by(child, ca))
                out.push_back(ca);
        return out;
    }

    failure choose_issuing_ca()
    {
        if (cas_.empty()) {
            if (set_.size() == 1) {
                issuing_ = 0;
                issuing_reason_ = "the only certificate given";
                return std::nullopt;
            }
            return ambiguous("none of the " + std::to_string(set_.size()) + " certificates (" +
                             names_of(set_, ras_) +
                             ") is a CA certificate; give the issuing CA's certificate in -c");
        }
        // The CA that issued the RA certificates.
        std::set<std::size_t> ra_issuers;
        for (const auto ra : ras_)
            for (const auto ca : issuers_of(ra))
                ra_issuers.insert(ca);
        if (ra_issuers.size() > 1) {
            const index_list which(ra_issuers.begin(), ra_issuers.end());
            if (const auto hint = forced_issuer(which))
                return pick(*hint, "issued the -e certificate");
            return ambiguous("the RA certificates were issued by different CAs (" + names_of(set_, which) +
                             "); choose with -e ENC.crt (the RA encryption certificate) or keep one CA and its "
                             "RA certificates in -c");
        }
        if (ra_issuers.size() == 1)
            return pick(*ra_issuers.begin(), "issued the RA certificates");

        // Otherwise the bottom of the chain: a CA that issued no other CA.
        index_list bottoms;
        for (const auto ca : cas_)
            if (std::none_of(cas_.begin(), cas_.end(), [&](std::size_t other) { return issued_by(other, ca); }))
                bottoms.push_back(ca);
        if (bottoms.size() == 1)
            return pick(bottoms.front(), cas_.size() == 1 ? "the only CA certificate"
                                                          : "the bottom of the chain: issued no other CA "
                                                            "certificate of the set");
        if (const auto hint = forced_issuer(bottoms.empty() ? cas_ : bottoms))
            return pick(*hint, "named by -e");
        if (bottoms.empty())
            return ambiguous("the CA certificates " + names_of(set_, cas_) +
                             " issued each other, so none is the bottom of a chain; give the issuing CA's "
                             "certificate alone in -c");
        return ambiguous(std::to_string(bottoms.size()) + " unrelated CA certificates could be the issuing CA (" +
                         names_of(set_, bottoms) +
                         "); give the issuing CA's certificate alone in -c, or its encryption certificate "
                         "with -e");
    }

    /// Which of `candidates` -e settles on: the -e certificate itself or its issuer.
    std::optional<std::size_t> forced_issuer(const index_list& candidates) const
    {
        if (!forced_encryption_)
            return std::nullopt;
        for (const auto c : candidates)
            if (set_[c] == *forced_encryption_ || issued(set_[c], *forced_encryption_))
                return c;
        return std::nullopt;
    }

    failure pick(std::size_t ca, std::string reason)
    {
        issuing_ = ca;
        issuing_reason_ = std::move(reason);
        return std::nullopt;
    }

    failure choose_encryption()
    {
        if (forced_encryption_)
            return std::nullopt;
        // RAs that say keyEncipherment; among several, those that do not
        // also sign (NDES's pair); then RAs without a keyUsage extension.
        index_list stated, unstated;
        for (const auto ra : ras_) {
            if (states(set_[ra], Botan::KEY_ENCIPHERMENT))
                stated.push_back(ra);
            else if (set_[ra].constraints() == Botan::NO_CONSTRAINTS)
                unstated.push_back(ra);
        }
        if (stated.size() > 1) {
            index_list only;
            std::copy_if(stated.begin(), stated.end(), std::back_inserter(only),
                         [&](std::size_t i) { return !states(set_[i], Botan::DIGITAL_SIGNATURE); });
            if (only.size() == 1)
                return pick_encryption(only.front(), "not a CA, keyEncipherment without digitalSignature");
            return ambiguous(std::to_string(stated.size()) + " RA certificates can encrypt (" +
                             names_of(set_, only.empty() ? stated : only) +
                             "); choose one with -e ENC.crt");
        }
        if (stated.size() == 1)
            return pick_encryption(stated.front(), "not a CA, keyEncipherment");
        if (unstated.size() > 1)
            return ambiguous(std::to_string(unstated.size()) + " RA certificates without a keyUsage extension (" +
                             names_of(set_, unstated) + ") could be the encryption certificate; choose one with -e "
                                                         "ENC.crt");
        if (unstated.size() == 1)
            return pick_encryption(unstated.front(), "not a CA, no keyUsage extension");
        encryption_ = issuing_;
        return std::nullopt;
    }

    failure pick_encryption(std::size_t ra, std::string reason)
    {
        encryption_ = ra;
        encryption_reason_ = std::move(reason);
        return std::nullopt;
    }

    cert_list set_;
    cert_list chain_; // the issuing CA and its issuers, once chosen
    const Botan::X509_Certificate* forced_encryption_;
    index_list cas_;
    index_list ras_;
    std::size_t issuing_ = 0;
    std::string issuing_reason_;
    std::size_t encryption_ = 0;
    std::string encryption_reason_;
};

} // namespace

void throw_exception_from_error(const ca_roles_error& e, const boost::source_location& loc)
{
    boost::throw_exception(std::runtime_error(e.text), loc);
}

bool issued(const Botan::X509_Certificate& a, const Botan::X509_Certificate& b)
{
    if (a == b || b.issuer_dn() != a.subject_dn())
        return false;
    const auto& authority = b.authority_key_id();
    const auto& subject = a.subject_key_id();
    return authority.empty() || subject.empty() || authority == subject;
}

cert_list issuer_chain(const Botan::X509_Certificate& leaf, const cert_list& pool)
{
    cert_list chain;
    const Botan::X509_Certificate* at = &leaf;
    for (;;) {
        const Botan::X509_Certificate* up = nullptr;
        for (const auto& c : pool) {
            if (!issued(c, *at))
                continue;
            if (up != nullptr && !(*up == c))
                return chain; // two candidates (a cross-certificate): stop rather than guess
            up = &c;
        }
        if (up == nullptr || *up == leaf || std::find(chain.begin(), chain.end(), *up) != chain.end())
            return chain;
        chain.push_back(*up);
        at = &chain.back();
    }
}

boost::system::result<ca_roles, ca_roles_error> select_ca_roles(const cert_list& set,
                                                                const Botan::X509_Certificate* encryption)
{
    if (set.empty())
        return ca_roles_error{errc::missing_content, "no CA certificate"};
    cert_list unique;
    for (const auto& c : set)
        if (std::find(unique.begin(), unique.end(), c) == unique.end())
            unique.push_back(c);

    role_chooser chooser(std::move(unique), encryption);
    auto roles = chooser.choose();
    if (!roles)
        return roles;
    for (const auto& c : set) {
        const auto at = std::find(chooser.set().begin(), chooser.set().end(), c) - chooser.set().begin();
        roles->notes.push_back(chooser.note(static_cast<std::size_t>(at)));
    }
    return roles;
}

} // namespace ascep::scep
