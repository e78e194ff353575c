// Role selection (scep::select_ca_roles) over every order of every set that
// real CAs send: a root, an intermediate, a second-level intermediate that
// issues, and NDES's RA signing and RA encryption certificates.
#include "scep/ca_roles.hpp"
#include "scep/error.hpp"
#include "test_pki.hpp"

#include <botan/pkix_types.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <optional>

namespace Catch {
template <>
struct StringMaker<boost::system::result<ascep::scep::ca_roles, ascep::scep::ca_roles_error>> {
    static std::string convert(const boost::system::result<ascep::scep::ca_roles, ascep::scep::ca_roles_error>& r)
    {
        return r ? std::string("(roles)") : "error: " + r.error().text;
    }
};
} // namespace Catch

using namespace ascep;

namespace {

using cert_list = std::vector<Botan::X509_Certificate>;

enum member { root, mid, issuing, ra_sign, ra_enc, member_count };

/// root -> mid -> issuing -> {ra_sign, ra_enc}.
struct hierarchy {
    test::identity root_ca = test::self_signed("Root", 0);
    test::identity mid_ca = test::issue_ca(root_ca, 1, "Intermediate");
    test::identity issuing_ca = test::issue_ca(mid_ca, 2, "Issuing");
    Botan::X509_Certificate sign = test::issue_ra(issuing_ca, 3, Botan::DIGITAL_SIGNATURE, "RA sign");
    Botan::X509_Certificate enc = test::issue_ra(issuing_ca, 4, Botan::KEY_ENCIPHERMENT, "RA enc");

    const Botan::X509_Certificate& cert(int m) const
    {
        switch (m) {
        case root: return root_ca.cert;
        case mid: return mid_ca.cert;
        case issuing: return issuing_ca.cert;
        case ra_sign: return sign;
        default: return enc;
        }
    }
};

const hierarchy& pki()
{
    static const hierarchy h;
    return h;
}

/// What the rules say for a set, worked out from the hierarchy's shape
/// rather than from the certificates: nullopt where the set is ambiguous.
struct expected_roles {
    int ca;
    int encryption;
    std::vector<int> signers; // RAs first, then the CA
    std::vector<int> chain;
};

std::optional<expected_roles> expect(const std::vector<int>& set)
{
    const auto has = [&](int m) { return std::find(set.begin(), set.end(), m) != set.end(); };
    const bool any_ra = has(ra_sign) || has(ra_enc);
    const bool any_ca = has(root) || has(mid) || has(issuing);
    int ca = -1;
    if (!any_ca) {
        if (set.size() != 1)
            return std::nullopt; // RA certificates alone: no CA to name
        ca = set.front();
    } else if (any_ra && has(issuing)) {
        ca = issuing; // it issued the RAs
    } else {
        // The bottom: a CA issuing no other CA of the set. Only a gap-free
        // run of the hierarchy has exactly one.
        std::vector<int> bottoms;
        for (int m : {root, mid, issuing})
            if (has(m) && !(m < issuing && has(m + 1)))
                bottoms.push_back(m);
        if (bottoms.size() != 1)
            return std::nullopt;
        ca = bottoms.front();
    }
    expected_roles e{ca, has(ra_enc) ? ra_enc : ca, {}, {ca}};
    if (has(ra_sign))
        e.signers.push_back(ra_sign);
    e.signers.push_back(ca);
    for (int up = ca - 1; ca <= issuing && up >= root && has(up); --up)
        e.chain.push_back(up);
    return e;
}

cert_list certs_of(const std::vector<int>& set)
{
    cert_list out;
    for (int m : set)
        out.push_back(pki().cert(m));
    return out;
}

} // namespace

TEST_CASE("roles of every order of every set of one to four certificates")
{
    const auto& h = pki();
    std::size_t orders = 0, ambiguous = 0;
    for (unsigned mask = 1; mask < (1u << member_count); ++mask) {
        std::vector<int> set;
        for (int m = 0; m < member_count; ++m)
            if (mask & (1u << m))
                set.push_back(m);
        if (set.size() > 4)
            continue;
        const auto want = expect(set);
        std::sort(set.begin(), set.end());
        do {
            ++orders;
            const auto certs = certs_of(set);
            INFO("set (in order):" << [&] {
                std::string s;
                for (int m : set)
                    s += " " + h.cert(m).subject_dn().get_first_attribute("CN");
                return s;
            }());
            const auto roles = scep::select_ca_roles(certs);
            if (!want) {
                ++ambiguous;
                REQUIRE_FALSE(roles);
                CHECK(roles.error().code == scep::errc::ambiguous_ca);
                CHECK_FALSE(roles.error().text.empty());
                continue;
            }
            REQUIRE(roles);
            CHECK(roles->ca == h.cert(want->ca));
            CHECK(roles->encryption == h.cert(want->encryption));
            CHECK(roles->signers == certs_of(want->signers));
            CHECK(roles->chain == certs_of(want->chain));
            CHECK(roles->all.size() == set.size());
            REQUIRE(roles->notes.size() == set.size());
            for (std::size_t i = 0; i < set.size(); ++i)
                if (set[i] == want->ca)
                    CHECK(roles->notes[i].role == "issuing CA");
        } while (std::next_permutation(set.begin(), set.end()));
    }
    CHECK(orders == 5 + 10 * 2 + 10 * 6 + 5 * 24);
    CHECK(ambiguous > 0);
}

TEST_CASE("the step-ca and NDES shapes name the right certificates")
{
    const auto& h = pki();
    SECTION("intermediate then root, and root then intermediate")
    {
        for (const auto& set : {cert_list{h.issuing_ca.cert, h.mid_ca.cert}, cert_list{h.mid_ca.cert, h.issuing_ca.cert}}) {
            const auto roles = scep::select_ca_roles(set).value();
            CHECK(roles.ca == h.issuing_ca.cert);
            CHECK(roles.encryption == h.issuing_ca.cert); // never the CA above it
            CHECK(roles.chain == cert_list{h.issuing_ca.cert, h.mid_ca.cert});
        }
    }
    SECTION("notes say why, in the set's order")
    {
        const auto roles = scep::select_ca_roles({h.root_ca.cert, h.enc, h.issuing_ca.cert, h.mid_ca.cert, h.sign}).value();
        REQUIRE(roles.notes.size() == 5);
        CHECK(roles.notes[0].role == "chain");
        CHECK(roles.notes[1].role == "RA encryption");
        CHECK(roles.notes[2].role == "issuing CA");
        CHECK(roles.notes[2].reason == "issued the RA certificates");
        CHECK(roles.notes[3].role == "chain");
        CHECK(roles.notes[4].role == "RA signing");
        CHECK(roles.chain == cert_list{h.issuing_ca.cert, h.mid_ca.cert, h.root_ca.cert});
    }
    SECTION("a certificate given twice counts once")
    {
        const auto roles = scep::select_ca_roles({h.issuing_ca.cert, h.mid_ca.cert, h.issuing_ca.cert}).value();
        CHECK(roles.ca == h.issuing_ca.cert);
        CHECK(roles.all.size() == 2);
        CHECK(roles.notes.size() == 3);
    }
}

TEST_CASE("ambiguous sets are errors that say how to choose")
{
    const auto& h = pki();
    const auto other_root = test::self_signed("Other root", 5);
    const auto other_ca = test::issue_ca(other_root, 6, "Other issuing");

    SECTION("two unrelated CAs")
    {
        const auto r = scep::select_ca_roles({h.issuing_ca.cert, other_ca.cert});
        REQUIRE_FALSE(r);
        CHECK(r.error().code == scep::errc::ambiguous_ca);
        CHECK_THAT(r.error().text, Catch::Contains("Issuing") && Catch::Contains("Other issuing") &&
                                        Catch::Contains("-c") && Catch::Contains("-e"));
        SECTION("-e settles it when it names one of them")
        {
            const auto chosen = scep::select_ca_roles({h.issuing_ca.cert, other_ca.cert}, &other_ca.cert).value();
            CHECK(chosen.ca == other_ca.cert);
            CHECK(chosen.encryption == other_ca.cert);
        }
        SECTION("one certificate in -c settles it")
        {
            CHECK(scep::select_ca_roles({other_ca.cert}).value().ca == other_ca.cert);
        }
    }
    SECTION("RA certificates issued by different CAs")
    {
        const auto foreign_ra = test::issue_ra(other_ca, 7, Botan::KEY_ENCIPHERMENT, "Other RA");
        const auto r = scep::select_ca_roles({h.issuing_ca.cert, h.sign, other_ca.cert, foreign_ra});
        REQUIRE_FALSE(r);
        CHECK_THAT(r.error().text, Catch::Contains("different CAs"));
        const auto chosen = scep::select_ca_roles({h.issuing_ca.cert, h.sign, other_ca.cert, foreign_ra}, &foreign_ra);
        REQUIRE(chosen);
        CHECK(chosen->ca == other_ca.cert);
        CHECK(chosen->encryption == foreign_ra);
    }
    SECTION("two RA encryption certificates")
    {
        const auto enc2 = test::issue_ra(h.issuing_ca, 7, Botan::KEY_ENCIPHERMENT, "RA enc 2");
        const auto r = scep::select_ca_roles({h.enc, h.issuing_ca.cert, enc2});
        REQUIRE_FALSE(r);
        CHECK_THAT(r.error().text, Catch::Contains("RA enc 2") && Catch::Contains("-e"));
        CHECK(scep::select_ca_roles({h.enc, h.issuing_ca.cert, enc2}, &enc2).value().encryption == enc2);
    }
    SECTION("two RA certificates without keyUsage")
    {
        const auto a = test::issue_ra(h.issuing_ca, 7, Botan::NO_CONSTRAINTS, "RA any 1");
        const auto b = test::issue_ra(h.issuing_ca, 8, Botan::NO_CONSTRAINTS, "RA any 2");
        CHECK(scep::select_ca_roles({a, h.issuing_ca.cert, b}).error().code == scep::errc::ambiguous_ca);
        SECTION("one of them is the encryption certificate and both may sign")
        {
            const auto one = scep::select_ca_roles({a, h.issuing_ca.cert}).value();
            CHECK(one.encryption == a);
            CHECK(one.signers == cert_list{a, h.issuing_ca.cert});
        }
    }
    SECTION("an RA that both encrypts and signs gives way to one that only encrypts")
    {
        const auto both = test::issue_ra(h.issuing_ca, 7,
                                         Botan::Key_Constraints(Botan::KEY_ENCIPHERMENT | Botan::DIGITAL_SIGNATURE),
                                         "RA both");
        for (const auto& set : {cert_list{both, h.enc, h.issuing_ca.cert}, cert_list{h.issuing_ca.cert, h.enc, both}}) {
            const auto roles = scep::select_ca_roles(set).value();
            CHECK(roles.encryption == h.enc);
            CHECK(roles.signers == cert_list{both, h.issuing_ca.cert});
        }
    }
    SECTION("an empty set")
    {
        CHECK(scep::select_ca_roles({}).error().code == scep::errc::missing_content);
    }
}

TEST_CASE("issuer_chain follows issuer links, nearest first, whatever the pool's order")
{
    const auto& h = pki();
    const auto leaf = test::issue_ra(h.issuing_ca, 7, Botan::DIGITAL_SIGNATURE, "device");
    cert_list pool{h.root_ca.cert, h.sign, h.mid_ca.cert, h.issuing_ca.cert};
    std::sort(pool.begin(), pool.end(), [](const auto& a, const auto& b) { return a.BER_encode() < b.BER_encode(); });
    do {
        CHECK(scep::issuer_chain(leaf, pool) == cert_list{h.issuing_ca.cert, h.mid_ca.cert, h.root_ca.cert});
    } while (std::next_permutation(pool.begin(), pool.end(),
                                   [](const auto& a, const auto& b) { return a.BER_encode() < b.BER_encode(); }));
    CHECK(scep::issuer_chain(leaf, {h.root_ca.cert}).empty()); // a gap: nothing to follow
    CHECK(scep::issuer_chain(h.root_ca.cert, pool).empty());    // a root has no issuer above it
    CHECK(scep::issuer_chain(leaf, {h.issuing_ca.cert, h.root_ca.cert}) == cert_list{h.issuing_ca.cert});
}
