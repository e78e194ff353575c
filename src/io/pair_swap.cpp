#include "io/pair_swap.hpp"

#include "io/durable_file.hpp"
#include "io/file_attributes.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace ascep::io {
pair_decision next_step(const pair_files& f, const pair_paths& p)
{
    if (!f.key)
        return {pair_step::broken, "the key " + p.key + " is missing"};
    if (!f.key_new && !f.cert_new) {
        if (!f.cert)
            return {pair_step::broken, "the certificate " + p.cert + " is missing"};
        return {pair_step::idle, {}};
    }
    if (f.key_new && !f.cert_new) {
        if (!f.cert)
            return {pair_step::broken, "the certificate " + p.cert + " is missing while " + p.key_new() +
                                           " waits for its certificate"};
        return {pair_step::request, {}};
    }
    if (f.key_new)
        return {f.cert ? pair_step::keep_previous : pair_step::install_key, {}};
    if (!f.cert)
        return {pair_step::install_cert, {}};
    // Installing the key happens only after CERT is removed, so a new
    // certificate beside a present CERT without KEY.new is no state of ours.
    return {pair_step::broken, p.cert_new() + " exists but " + p.key_new() + " does not, and " + p.cert +
                                   " is still there: check which key " + p.cert_new() +
                                   " is for, then remove or install it by hand"};
}

pair_files look_at(const pair_paths& p)
{
    return {file_exists(p.key), file_exists(p.cert), file_exists(p.key_new()), file_exists(p.cert_new())};
}

std::string abandon_new_key(const pair_paths& p)
{
    return remove_durable(p.key_new());
}

std::string finish_swap(const pair_paths& p, pair_step from)
{
    std::string why;
    switch (from) {
    case pair_step::keep_previous:
        // The new files take the owner, group and mode of the ones they
        // replace now, while those still exist (CERT goes next); a re-run
        // that finds this state does it again, to the same effect.
        if (why = match_owner_and_mode(p.key, p.key_new()); !why.empty())
            return why;
        if (why = match_owner_and_mode(p.cert, p.cert_new()); !why.empty())
            return why;
        // KEY and CERT are still the old pair here (a re-run that finds this
        // state copies them again: the same content).
        if (why = copy_file_durable(p.key, p.key_prev()); !why.empty())
            return why;
        if (why = match_owner_and_mode(p.key, p.key_prev()); !why.empty())
            return why;
        if (why = copy_file_durable(p.cert, p.cert_prev()); !why.empty())
            return why;
        if (why = match_owner_and_mode(p.cert, p.cert_prev()); !why.empty())
            return why;
        crash_point("previous-kept");
        if (why = remove_durable(p.cert); !why.empty())
            return why;
        crash_point("cert-removed");
        [[fallthrough]];
    case pair_step::install_key:
        if (why = rename_durable(p.key_new(), p.key); !why.empty())
            return why;
        crash_point("key-installed");
        [[fallthrough]];
    case pair_step::install_cert:
        return rename_durable(p.cert_new(), p.cert);
    case pair_step::idle:
    case pair_step::request:
    case pair_step::broken:
        break;
    }
    return "nothing to install";
}

} // namespace ascep::io
