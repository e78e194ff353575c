// What a replaced file keeps: `ascep renew` installs a new key and
// certificate where the old ones were, and a key that a web server reads
// through its group (root:ssl-cert, 0640) must stay readable by it; a
// symlinked key or certificate (/etc/ssl/private/site.key ->
// /srv/certs/site.key) must stay a symlink to the renewed file.
#pragma once

#include <string>

namespace ascep::io {

/// Gives `target` the owner, group and permission bits of `model`
/// (chown only when they differ, so an unprivileged user renewing their
/// own files needs no privilege), then fsyncs it so that the change is
/// durable before the rename that installs it. Returns an empty string, or
/// why it failed (errno text with the paths; EPERM when the owner or group
/// cannot be given: run as root or as the owner).
std::string match_owner_and_mode(const std::string& model, const std::string& target);

/// `path` with each symlink of its last component followed (relative
/// targets taken from the link's directory), up to 40 links: the file a
/// write through `path` would reach. The directories on the way are kept
/// as written. A path that is not a symlink, or does not exist, comes back
/// unchanged; `why` is set for a loop or an unreadable link.
std::string follow_symlinks(const std::string& path, std::string& why);

} // namespace ascep::io
