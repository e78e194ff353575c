#!/bin/sh
# A complete CI job against ascep-testca (docs/testca.md, "A CI job"): start
# the test CA on a free loopback port with --url-file, enroll with a SCEP
# client (ascep here; put your device image's client in its place), assert
# on STATE/events.jsonl what the client saw, stop the CA.
#
# The CA answers one request in four with 503 + Retry-After (--faults,
# --seed so that a failing run can be repeated exactly): a client that does
# not honour Retry-After fails this job.
#
# env: ASCEP, ASCEP_TESTCA  the binaries (default: from PATH)
#      WORK                 where to keep the state, logs and certificates
#                           (default: a new temporary directory, removed
#                           unless the job fails)
# Exit 0 when every check holds; otherwise 1 with what failed.
set -eu

ASCEP=${ASCEP:-ascep}
ASCEP_TESTCA=${ASCEP_TESTCA:-ascep-testca}
keep=${WORK:+yes}
WORK=${WORK:-$(mktemp -d)}
mkdir -p "$WORK"
STATE=$WORK/state
CA_PID=

fail() {
    echo "testca-job: FAILED: $*" >&2
    if [ -f "$WORK/ca.log" ]; then
        echo "--- ca.log (last lines)" >&2
        tail -n 20 "$WORK/ca.log" >&2
    fi
    echo "testca-job: everything is in $WORK" >&2
    keep=yes
    exit 1
}

stop_ca() {
    if [ -n "$CA_PID" ] && kill -0 "$CA_PID" 2>/dev/null; then
        kill -TERM "$CA_PID"
        wait "$CA_PID" || true
    fi
    CA_PID=
}

cleanup() {
    stop_ca
    [ "$keep" = yes ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The challenge in a file, never on a command line (ps shows those).
umask 077
printf '%s\n' "ci-challenge-$$" >"$WORK/challenge"
umask 022

# 1. Start the CA. --listen 127.0.0.1:0 picks a free port; the URL file
#    appears, whole, once the CA accepts connections.
"$ASCEP_TESTCA" --dir "$STATE" --listen 127.0.0.1:0 --url-file "$WORK/url" \
    --challenge-file "$WORK/challenge" --faults 'http503=1@0.25' --seed 2112 \
    >/dev/null 2>"$WORK/ca.log" &
CA_PID=$!
tries=0
until [ -s "$WORK/url" ]; do
    kill -0 "$CA_PID" 2>/dev/null || fail "ascep-testca exited before it listened"
    tries=$((tries + 1))
    [ "$tries" -lt 1200 ] || fail "no URL file after 120 s"
    sleep 0.1
done
URL=$(cat "$WORK/url")
echo "testca-job: CA at $URL"

# 2. Enroll, as the client under test does.
"$ASCEP" getca -u "$URL" -c "$WORK/ca.crt" >/dev/null || fail "getca"
"$ASCEP" mkrequest --prefix "$WORK/device" -dns device.example.test \
    --challenge-file "$WORK/challenge" >/dev/null || fail "mkrequest"
"$ASCEP" enroll -u "$URL" -c "$WORK/ca.crt" -k "$WORK/device.key" -r "$WORK/device.csr" \
    -l "$WORK/device.crt" >"$WORK/enroll.log" 2>&1 || fail "enroll (see $WORK/enroll.log)"
openssl verify -CAfile "$STATE/ca.crt" "$WORK/device.crt" >/dev/null || fail "the certificate does not verify"

# 3. Stop the CA (SIGTERM: clean, state and event log durable) and assert
#    on what it saw: one certificate issued for one PKCSReq transaction,
#    and every 503 it sent answered by the same request again.
stop_ca
python3 - "$STATE/events.jsonl" <<'PY' || fail "events.jsonl"
import json, sys
events = [json.loads(line) for line in open(sys.argv[1])]
requests = [e for e in events if "operation" in e]
issued = [e for e in requests if e.get("messageType") == "PKCSReq" and e["result"].startswith("SUCCESS")]
tids = {e["transactionID"] for e in requests if e.get("messageType") == "PKCSReq"}
busy = [e for e in requests if e["fault"] == "http503"]
assert len(issued) == 1, f"{len(issued)} certificates issued, expected 1"
assert len(tids) == 1, f"{len(tids)} transactions, expected 1"
for i, e in enumerate(requests):
    if e["fault"] == "http503":
        # A 503 is not processed, so its line has no transactionID: the
        # same operation later is the same request (one enrollment here).
        again = [l for l in requests[i + 1:] if l["operation"] == e["operation"]]
        assert again, f"the 503 at {e['time']} ({e['operation']}) was not asked again"
print(f"testca-job: {len(requests)} requests, {len(busy)} answered 503 + Retry-After and asked again, 1 issued")
PY
echo "testca-job: passed"
