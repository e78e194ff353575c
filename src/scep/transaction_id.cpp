#include "scep/transaction_id.hpp"

#include <botan/hash.h>
#include <botan/hex.h>

namespace ascep::scep {

std::string transaction_id_for(const Botan::Public_Key& key)
{
    // MD5 is not used for security here: it is an identifier, and the one
    // sscep computes; any other choice would break resuming across tools.
    auto md5 = Botan::HashFunction::create_or_throw("MD5");
    md5->update(key.subject_public_key());
    return Botan::hex_encode(md5->final_stdvec(), true);
}

} // namespace ascep::scep
