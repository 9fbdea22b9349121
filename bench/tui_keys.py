"""Drives the TUI in a pseudo-terminal and times each key from its write to the end of the
frame it causes (the last byte before the terminal goes quiet), with the app's own
key-to-drawn time from its log (target `latency`), and reads the peak RSS from /proc.

    python3 bench/tui_keys.py BIN ROWS [WIDTH HEIGHT]

Prints one line per group of keys (filter, sort, scroll) with p50/p95/max in ms, and the
peak RSS in MB. Exits 1 when a group's p95 is over 16 ms or the RSS over 300 MB.
"""
import fcntl, os, pty, re, select, shutil, struct, sys, tempfile, termios, time

BIN, ROWS = sys.argv[1], int(sys.argv[2])
WIDTH, HEIGHT = (int(sys.argv[3]), int(sys.argv[4])) if len(sys.argv) > 4 else (80, 24)
QUIET = 0.05  # a frame is one write; 50 ms of silence means it is over
BUDGET_MS, RSS_MB = 16.0, 300.0

state = tempfile.mkdtemp()
pid, fd = pty.fork()
if pid == 0:
    os.environ.update({
        "ECR_PORT_DEMO_SCALE": str(ROWS), "ECR_PORT_STATE_DIR": state,
        "ECR_PORT_LOG": "warn,latency=debug", "TERM": "xterm-256color",
        "XDG_CONFIG_HOME": os.path.join(state, "xdg"),
    })
    os.execv(BIN, [BIN, "--demo"])
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", HEIGHT, WIDTH, 0, 0))

def drain(quiet=QUIET, limit=120.0):
    """Reads until `quiet` s of silence; returns (bytes, time of the last byte)."""
    out, last, start = b"", time.perf_counter(), time.perf_counter()
    while time.perf_counter() - start < limit:
        r, _, _ = select.select([fd], [], [], quiet)
        if not r:
            break
        try:
            chunk = os.read(fd, 1 << 16)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
        last = time.perf_counter()
    return out, last

def rss_peak_mb():
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")

t0 = time.perf_counter()
# The header's spinner redraws while loading: a second of silence means the list is in (the
# log's `rows=` below says how many it held).
out, last = drain(quiet=1.0, limit=300)
load_s = last - t0

PGDN, DOWN = "\x1b[6~", "\x1b[B"
groups = {
    "filter (type, erase)": ["/"] + list("auth-") + ["\x7f"] * 5 + list("svc") + ["\x7f"] * 3 + ["\x1b"],
    "sort (next column, reverse)": ["s"] * 8 + ["R", "R", "1", "3", "3", "2"],
    "scroll (j, PgDn, G, g)": ["j"] * 30 + [DOWN] * 10 + [PGDN] * 30 + ["G", "g"] * 3,
}
results = {}
for name, keys in groups.items():
    times = []
    for key in keys:
        sent = time.perf_counter()
        os.write(fd, key.encode())
        out, last = drain()
        if out:
            times.append((last - sent) * 1000)
    results[name] = sorted(times)
peak = rss_peak_mb()
os.write(fd, b"q")
drain(quiet=0.3)
try:
    os.waitpid(pid, 0)
except ChildProcessError:
    pass

app, rows = [], set()
for root, _, files in os.walk(state):
    for f in files:
        if ".log" in f:
            with open(os.path.join(root, f), errors="replace") as fh:
                for m in re.finditer(r"micros=(\d+) rows=(\d+)", fh.read()):
                    app.append(int(m.group(1)) / 1000)
                    rows.add(int(m.group(2)))
shutil.rmtree(state, ignore_errors=True)
if rows != {ROWS}:
    sys.exit(f"tui_keys: the keys met {sorted(rows)} rows, not {ROWS}: the load was not over")

def pct(xs, p):
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else float("nan")

print(f"{ROWS:,} repositories at {WIDTH}x{HEIGHT}: loaded and drawn in {load_s:.2f} s")
ok = True
for name, xs in results.items():
    p95 = pct(xs, 95)
    ok &= p95 <= BUDGET_MS
    print(f"  {name:30} {len(xs):3} keys  key→frame p50 {pct(xs, 50):6.2f}  p95 {p95:6.2f}  max {max(xs):6.2f} ms")
app.sort()
if app:
    print(f"  {'in the app (key → drawn)':30} {len(app):3} keys  p50 {pct(app, 50):6.2f}  p95 {pct(app, 95):6.2f}  max {app[-1]:6.2f} ms")
print(f"  peak RSS {peak:.0f} MB (budget {RSS_MB:.0f} MB); key budget {BUDGET_MS:.0f} ms at p95")
ok &= peak <= RSS_MB
sys.exit(0 if ok else 1)
