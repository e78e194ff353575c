// The small files a fleet run keeps in DIR beside its journal (issue 22).
// Their names start with '.', which no device id may (manifest.cpp), so
// they never meet a device directory.
//
//   DIR/.shard         "K/N\n": the --shard of the runs that write DIR. Two
//                      shards given one DIR would mix their journals; the
//                      second is refused before it sends anything.
//   DIR/.last_success  unix seconds of the end of the last run that left no
//                      device failed (every device issued or still PENDING at
//                      the CA): what "renewal stopped running" alerts need.
#pragma once

#include "fleet/shard.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace ascep::fleet {

/// DIR/.shard's spec, nullopt when there is none (a new DIR, or one written
/// before issue 22). A file that is not "K/N" sets `error`.
std::optional<shard_spec> read_shard_file(const std::string& dir, std::string& error);

/// Before a run of `shard` writes DIR: records it when DIR has no .shard yet
/// (durably, before the first journal line); refuses with a message naming
/// both specs when DIR belongs to another shard. Returns the message, or
/// an empty string when the run may go on.
std::string claim_shard(const std::string& dir, shard_spec shard);

std::optional<std::int64_t> read_last_success(const std::string& dir);
/// Returns why it could not be written, or an empty string.
std::string write_last_success(const std::string& dir, std::int64_t unix_seconds);

} // namespace ascep::fleet
