"""Shared helpers for the tools/bench/ scripts (not a test library).

Everything here talks to 127.0.0.1 only, starts servers on free ports and
stops them by PID when the script exits (normally, by exception or by
SIGINT/SIGTERM).
"""

import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ASCEP = os.environ.get("ASCEP", os.path.join(REPO, "build/src/cli/ascep"))
ASCEP_TESTCA = os.environ.get("ASCEP_TESTCA", os.path.join(REPO, "build/src/testca/ascep-testca"))
KEY_CACHE = os.environ.get("ASCEP_BENCH_KEYS", "/tmp/ascep-bench-keys")
CORES = os.cpu_count() or 1

_procs = []      # servers and clients to stop at exit (Popen objects)
_tmpdirs = []    # directories to remove at exit
last_rusage = [None]  # rusage of the last run_measured process (user/sys split)


def log(msg):
    print(msg, flush=True)


def die(msg):
    print("error: " + msg, file=sys.stderr, flush=True)
    sys.exit(1)


_owner = os.getpid()


def _cleanup():
    if os.getpid() != _owner:  # a forked key generation worker: not ours to clean
        return
    for p in reversed(_procs):
        if p.poll() is None:
            try:
                os.kill(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    for p in reversed(_procs):
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            try:
                os.kill(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()
        except ChildProcessError:
            pass
    for d in _tmpdirs:
        shutil.rmtree(d, ignore_errors=True)


atexit.register(_cleanup)


def _on_signal(signum, _frame):
    sys.exit(128 + signum)  # runs atexit


signal.signal(signal.SIGINT, _on_signal)
signal.signal(signal.SIGTERM, _on_signal)


def check_binaries(*names):
    for path in (ASCEP, ASCEP_TESTCA):
        if not os.access(path, os.X_OK):
            die(f"{path} is not executable (set ASCEP=... / ASCEP_TESTCA=...)")
    for n in names:
        if shutil.which(n) is None:
            die(f"{n} not found in PATH (Debian package: {'scep' if n.startswith('scep') else n})")


def tmpdir(prefix):
    d = tempfile.mkdtemp(prefix="ascep-bench-" + prefix + "-")
    _tmpdirs.append(d)
    return d


def keep(d):
    """Leave the directory `d` (made by tmpdir) in place at exit."""
    if d in _tmpdirs:
        _tmpdirs.remove(d)


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout=30):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            die(f"server exited with {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    die(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def spawn(cmd, **kw):
    """Start a process that is stopped (by PID) at exit unless it ended."""
    p = subprocess.Popen(cmd, **kw)
    _procs.append(p)
    return p


def run(cmd, **kw):
    """Run cmd, fail loudly if it fails, return stdout."""
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    if r.returncode != 0:
        die(f"{' '.join(cmd)} exited {r.returncode}: {r.stderr.strip()[-2000:]}")
    return r.stdout


def run_measured(cmd, ok=(0,), **kw):
    """Run cmd to the end; return (rc, user+sys CPU seconds, maxrss KiB, wall s)
    of that process (and any children it waited for), from wait4(2)."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, **kw)
    _procs.append(p)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    rc = os.waitstatus_to_exitcode(status)
    p.returncode = rc
    _procs.remove(p)
    last_rusage[0] = ru
    if ok is not None and rc not in ok:
        die(f"{' '.join(cmd)} exited {rc}")
    return rc, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, wall


def run_sampled(cmd, interval=0.25, **kw):
    """Like run_measured (ok=None), but also samples /proc/PID/task/*/schedstat
    while it runs; returns (rc, cpu, maxrss, wall, run_delay): run_delay is the
    time its threads spent runnable but waiting for a CPU (summed over
    threads; from the last sample of each thread, so up to `interval` late)."""
    import threading
    delays = {}
    done = threading.Event()
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, **kw)
    _procs.append(p)

    def sampler():
        while not done.is_set():
            try:
                for tid in os.listdir(f"/proc/{p.pid}/task"):
                    try:
                        with open(f"/proc/{p.pid}/task/{tid}/schedstat") as f:
                            delays[tid] = int(f.read().split()[1]) / 1e9
                    except (OSError, ValueError, IndexError):
                        pass
            except OSError:
                pass
            done.wait(interval)

    th = threading.Thread(target=sampler, daemon=True)
    th.start()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    done.set()
    th.join()
    rc = os.waitstatus_to_exitcode(status)
    p.returncode = rc
    _procs.remove(p)
    return rc, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, wall, sum(delays.values())


def proc_cpu(pid):
    """user+sys CPU seconds of a running process (all its threads)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    tck = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / tck


def proc_status(pid):
    """VmRSS and VmHWM (KiB) of a running process."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                k, v = line.split(":", 1)
                out[k] = int(v.split()[0])
    return out


# ---------------------------------------------------------------- keys

def _genkey(arg):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    path, bits = arg
    k = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    pem = k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                          serialization.NoEncryption())
    with open(path + ".tmp", "wb") as f:
        f.write(pem)
    os.rename(path + ".tmp", path)


def ensure_keys(bits, n, pkcs1=False):
    """n RSA keys of `bits` bits, PKCS#8 PEM, cached in KEY_CACHE/rsa<bits>/
    (made with openssl genrsa, in parallel, once; reused by later runs).
    With pkcs1, also NNNNN.rsa.pem (traditional PKCS#1, for scepclient).
    Returns the list of PKCS#8 paths."""
    d = os.path.join(KEY_CACHE, f"rsa{bits}")
    os.makedirs(d, exist_ok=True)
    paths = [os.path.join(d, f"{i:05d}.pem") for i in range(n)]
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        t0 = time.monotonic()
        try:
            import cryptography  # noqa: F401  (optional: in-process is ~2x cheaper than a fork per key)
            how = "python3-cryptography"
        except ImportError:
            how = "openssl genrsa"
        log(f"  generating {len(missing)} RSA-{bits} keys with {how} into {d} (cached for later runs) ...")
        if how == "openssl genrsa":
            # write to a temporary name and rename: an interrupted run leaves no half key
            script = f'openssl genrsa -out "$1.tmp" {bits} 2>/dev/null && mv "$1.tmp" "$1"'
            r = subprocess.run(["xargs", "-0", "-n", "1", "-P", str(CORES), "sh", "-c", script, "sh"],
                               input="\0".join(missing).encode())
            if r.returncode != 0:
                die("openssl genrsa failed")
        else:
            import multiprocessing
            with multiprocessing.Pool(CORES) as pool:
                for _ in pool.imap_unordered(_genkey, [(p, bits) for p in missing], chunksize=16):
                    pass
        log(f"  ... done in {time.monotonic() - t0:.1f}s")
    if pkcs1:
        need = [p for p in paths if not os.path.exists(p[:-4] + ".rsa.pem")]
        if need:
            script = 'openssl rsa -in "$1" -traditional -out "$1.tmp" 2>/dev/null && mv "$1.tmp" "${1%.pem}.rsa.pem"'
            r = subprocess.run(["xargs", "-0", "-n", "1", "-P", str(CORES), "sh", "-c", script, "sh"],
                               input="\0".join(need).encode())
            if r.returncode != 0:
                die("openssl rsa -traditional failed")
    return paths


# ---------------------------------------------------------------- servers

def start_scepserver(workdir, challenge):
    """A fresh Debian scepserver (new depot) on a free port; returns its URL.
    It listens on all interfaces; we only ever send it loopback traffic."""
    depot = os.path.join(workdir, "depot")
    run(["scepserver", "ca", "-init", "-depot", depot])
    port = free_port()
    logf = open(os.path.join(workdir, "scepserver.log"), "w")
    p = spawn(["scepserver", "-depot", depot, "-port", str(port), "-challenge", challenge,
               "-allowrenew", "0"], stdout=logf, stderr=subprocess.STDOUT, cwd=workdir)
    wait_port(port, p)
    return p, f"http://127.0.0.1:{port}/scep"


def start_testca(workdir, *args):
    """ascep-testca on 127.0.0.1:0; returns (proc, url, state dir, log path)."""
    state = os.path.join(workdir, "ca-state")
    os.makedirs(state, exist_ok=True)
    urlf = os.path.join(workdir, "url.txt")
    logp = os.path.join(workdir, "testca.log")
    p = spawn([ASCEP_TESTCA, "--dir", state, "--listen", "127.0.0.1:0", *args],
              stdout=open(urlf, "w"), stderr=open(logp, "w"))
    end = time.monotonic() + 60
    while True:
        with open(urlf) as f:
            line = f.readline()
        if line.endswith("\n"):
            return p, line.strip(), state, logp
        if p.poll() is not None:
            die(f"ascep-testca exited {p.returncode}: {open(logp).read()[-2000:]}")
        if time.monotonic() > end:
            die("ascep-testca printed no URL in 60s")
        time.sleep(0.05)


def getca(url, out):
    run([ASCEP, "getca", "-u", url, "-c", out])
    # getca may write ca.crt-0, ca.crt-1 ... for an RA chain; our CAs have none
    if not os.path.exists(out):
        die(f"ascep getca wrote no {out}")
    return out


def write_manifest(path, rows, header=("id", "subject", "key")):
    with open(path, "w") as f:
        f.write(",".join(header) + "\n")
        for r in rows:
            f.write(",".join(r) + "\n")


def summary(title, lines):
    w = max(len(k) for k, _ in lines)
    log("")
    log("=" * 72)
    log(title)
    log("=" * 72)
    for k, v in lines:
        log(f"{k.ljust(w)}  {v}")
    log("=" * 72)
