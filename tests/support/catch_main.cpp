// Catch2's main, for a Catch2 built from subprojects/catch2.wrap: Debian's
// package ships it prebuilt (libCatch2WithMain.a), WrapDB's 2.x port does not.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
