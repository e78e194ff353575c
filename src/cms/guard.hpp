// The edge of the cms layer: runs decoding code that may throw (our asn1
// helpers, Botan) and turns whatever it throws into a cms::errc.
#pragma once

#include "asn1/ber.hpp"
#include "cms/error.hpp"

#include <boost/system/result.hpp>
#include <botan/exceptn.h>

#include <new>

namespace ascep::cms {

/// Thrown inside the layer for failures that are not decoding errors.
class cms_failure : public std::runtime_error {
public:
    explicit cms_failure(errc code) : std::runtime_error("cms"), code_(code) {}
    errc code() const noexcept { return code_; }

private:
    errc code_;
};

inline errc translate(const asn1::decode_failure& e)
{
    switch (e.code()) {
    case asn1::errc::too_large: return errc::too_large;
    case asn1::errc::too_deep: return errc::too_deep;
    case asn1::errc::unsupported_algorithm: return errc::unsupported_algorithm;
    case asn1::errc::malformed: break;
    }
    return errc::malformed;
}

/// Calls f(); exceptions become `fallback` unless they carry their own code.
/// std::bad_alloc is not caught: running out of memory is not bad input.
template <typename T, typename F>
boost::system::result<T> guarded(errc fallback, F&& f)
{
    try {
        return f();
    } catch (const std::bad_alloc&) {
        throw;
    } catch (const cms_failure& e) {
        return make_error_code(e.code());
    } catch (const asn1::decode_failure& e) {
        return make_error_code(translate(e));
    } catch (const std::exception&) {
        return make_error_code(fallback);
    }
}

} // namespace ascep::cms
