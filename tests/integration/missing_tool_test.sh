#!/bin/sh
# The interop suites never vanish quietly (issue 23): with a program they
# drive missing, tools/check stops at `meson setup` and names it; with
# -Dinterop=disabled the configuration goes through and its summary says
# which suites are skipped.
#   usage: missing_tool_test.sh SOURCE_ROOT
# Each case configures a fresh build directory in a temporary directory
# (nothing is compiled) with PATH stripped of one program (openssl, swtpm,
# strongSwan's pki), or python3's cryptography module hidden.
set -u
src=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# $work/bin: every program on PATH but the ones named.
strip_path() {
    rm -rf "$work/bin"
    mkdir "$work/bin"
    hidden=" $* "
    old_ifs=$IFS
    IFS=:
    for d in $PATH; do
        [ -d "$d" ] || continue
        for f in "$d"/*; do
            n=${f##*/}
            case $hidden in *" $n "*) continue ;; esac
            [ -e "$work/bin/$n" ] || ln -s "$f" "$work/bin/$n"
        done
    done
    IFS=$old_ifs
}

# tools/check in $work/DIR with PROGRAM missing from PATH fails before
# building, naming it. (ninja is hidden too, so that a tools/check which
# went on could not start a whole build here: meson setup itself would fail
# on it, without naming PROGRAM.)
#   usage: check_fails_naming PROGRAM DIR
check_fails_naming() {
    strip_path "$1" ninja
    out=$(PATH="$work/bin" "$src/tools/check" "$work/$2" -Dstatic_deps=false 2>&1)
    code=$?
    [ "$code" -ne 0 ] || fail "tools/check passed without $1"
    echo "$out" | grep -q "Program '$1' not found" || fail "tools/check did not name $1: $out"
    [ ! -f "$work/$2/build.ninja" ] || fail "a build directory was configured without $1"
}

# 1. openssl missing.
check_fails_naming openssl b1

# 2. python3's cryptography missing (hidden from the python3 meson finds):
#    fails naming the module (ninja hidden for the same reason).
strip_path ninja
mkdir -p "$work/hide"
cat >"$work/hide/sitecustomize.py" <<'PY'
import sys
class _Hide:
    def find_spec(self, name, path=None, target=None):
        if name == "cryptography" or name.startswith("cryptography."):
            raise ImportError("hidden by missing_tool_test.sh")
        return None
sys.meta_path.insert(0, _Hide())
PY
out=$(PATH="$work/bin" PYTHONPATH="$work/hide" "$src/tools/check" "$work/b2" -Dstatic_deps=false 2>&1)
code=$?
[ "$code" -ne 0 ] || fail "tools/check passed without python3-cryptography"
echo "$out" | grep -q "missing modules: cryptography" || fail "tools/check did not name cryptography: $out"

# 3. -Dinterop=disabled: configures without openssl, and the summary says
#    which suites are skipped.
strip_path openssl
out=$(PATH="$work/bin" meson setup "$work/b3" "$src" -Dstatic_deps=false -Dinterop=disabled 2>&1)
code=$?
[ "$code" -eq 0 ] || fail "meson setup -Dinterop=disabled failed without openssl: $out"
echo "$out" | grep -q "SKIPPED (-Dinterop=disabled)" || fail "the summary does not say the suites are skipped: $out"
echo "$out" | grep -q "proxy-tls" || fail "the summary does not name proxy-tls: $out"

# 4. swtpm missing (the tpm suite's software TPM).
check_fails_naming swtpm b4

# 5. strongSwan's pki missing (the client table's and testca-ci's peer).
check_fails_naming pki b5

if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed"
    exit 1
fi
echo "ok: missing programs are named; -Dinterop=disabled is said"
