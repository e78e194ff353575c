// Test hook for crash-safety tests: ASCEP_TEST_CRASH_AT=NAME makes the
// process kill itself with SIGKILL when it reaches the point NAME, so a
// test can stop a run exactly between two steps of a crash-safe sequence
// (tests/integration/fleet_test.cpp "journal compaction"). The points:
//   journal-compaction-before-rename  the compacted journal is written and
//                                     synced, the old one still in place
//   journal-compaction-after-rename   the compacted journal replaced the old
// Without the variable (every real run) a point costs one string compare:
// the variable is read once per process, here and nowhere else.
#pragma once

#include <string_view>

namespace ascep::io {

/// SIGKILLs this process when ASCEP_TEST_CRASH_AT equals `point`.
void crash_point(std::string_view point);

} // namespace ascep::io
