// --chain-order: the names it takes and the orders it makes of a chain's levels.
#include "testca/chain_order.hpp"

#include "test_pki.hpp"

#include <botan/pkix_types.h>
#include <catch2/catch.hpp>

#include <set>

using namespace ascep;

namespace {

struct chain_fixture {
    Botan::X509_Certificate ra_sign = test::self_signed("RA signing", 0).cert;
    Botan::X509_Certificate ra_enc = test::self_signed("RA encryption", 1).cert;
    Botan::X509_Certificate issuing = test::self_signed("Issuing CA", 2).cert;
    Botan::X509_Certificate root = test::self_signed("Root CA", 3).cert;
    testca::chain_levels levels{{ra_sign, ra_enc}, {issuing}, {root}};

    using chain = std::vector<Botan::X509_Certificate>;
};

} // namespace

TEST_CASE("--chain-order takes exactly its three names")
{
    for (const auto order : {testca::chain_order::leaf_first, testca::chain_order::root_first,
                             testca::chain_order::random})
        CHECK(testca::parse_chain_order(testca::name(order)) == order);
    CHECK(testca::parse_chain_order("leaf-first") == testca::chain_order::leaf_first);
    CHECK_FALSE(testca::parse_chain_order("Leaf-First"));
    CHECK_FALSE(testca::parse_chain_order("leaf_first"));
    CHECK_FALSE(testca::parse_chain_order(""));
    CHECK_FALSE(testca::parse_chain_order("reverse"));
}

TEST_CASE_METHOD(chain_fixture, "leaf-first and root-first turn the levels round; an RA level keeps its order")
{
    CHECK(testca::arrange_chain(levels, testca::chain_order::leaf_first, test::rng()) ==
          chain{ra_sign, ra_enc, issuing, root});
    CHECK(testca::arrange_chain(levels, testca::chain_order::root_first, test::rng()) ==
          chain{root, issuing, ra_sign, ra_enc});
    // The CA with RA certificates and no root: root-first is what --ra served
    // before --chain-order existed.
    const testca::chain_levels ndes{{ra_sign, ra_enc}, {issuing}};
    CHECK(testca::arrange_chain(ndes, testca::chain_order::root_first, test::rng()) ==
          chain{issuing, ra_sign, ra_enc});
    CHECK(testca::arrange_chain({{issuing}}, testca::chain_order::random, test::rng()) == chain{issuing});
}

TEST_CASE_METHOD(chain_fixture, "random: the same certificates, in more than one order, sometimes the root first")
{
    std::set<std::vector<std::string>> orders;
    bool root_first_seen = false;
    for (int i = 0; i < 50; ++i) {
        const auto c = testca::arrange_chain(levels, testca::chain_order::random, test::rng());
        REQUIRE(c.size() == 4);
        std::vector<std::string> names;
        for (const auto& cert : c)
            names.push_back(cert.subject_dn().get_first_attribute("CN"));
        CHECK(std::set<std::string>(names.begin(), names.end()) ==
              std::set<std::string>{"RA signing", "RA encryption", "Issuing CA", "Root CA"});
        root_first_seen = root_first_seen || c.front() == root;
        orders.insert(std::move(names));
    }
    // 24 orders are possible; 50 draws giving fewer than 5 distinct ones, or
    // never the root first (chance (3/4)^50), means the shuffle is broken.
    CHECK(orders.size() >= 5);
    CHECK(root_first_seen);
}
