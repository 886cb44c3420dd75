#!/usr/bin/env python3
"""Runs a command several times with stdout to /dev/null; records the
fastest wall-clock time and the largest peak RSS.

The peak RSS comes from GNU time (`/usr/bin/time -f %M`), which forks the
command from a small process: a fork from this Python process would count
Python's own pages in the child's high-water mark.

usage: measure.py RESULTS LABEL SIZE_MIB RUNS -- CMD ARGS...
Appends "LABEL<TAB>SECONDS<TAB>KIB" to RESULTS and prints a summary line.
"""
import os
import subprocess
import sys
import tempfile
import time


def main():
    results, label, size_mib, runs = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
    cmd = sys.argv[sys.argv.index("--") + 1:]
    best, peak = None, 0
    with tempfile.NamedTemporaryFile("r") as rss:
        for _ in range(runs):
            with open(os.devnull, "wb") as null:
                start = time.perf_counter()
                code = subprocess.call(
                    ["/usr/bin/time", "-f", "%M", "-o", rss.name, *cmd],
                    stdout=null,
                    stdin=subprocess.DEVNULL,
                )
                elapsed = time.perf_counter() - start
            if code != 0:
                sys.exit(f"{label}: exit status {code}: {' '.join(cmd)}")
            best = elapsed if best is None else min(best, elapsed)
            rss.seek(0)
            peak = max(peak, int(rss.read().split()[-1]))
    with open(results, "a") as f:
        f.write(f"{label}\t{best:.6f}\t{peak}\n")
    rate = size_mib * 1.048576 / best if size_mib else 0
    print(f"  {label:<46} {best:8.3f} s {rate:9.0f} MB/s  peak RSS {peak / 1024:6.1f} MiB", flush=True)


if __name__ == "__main__":
    main()
