#!/usr/bin/env python3
"""Two Python threads analysing at once vs one: the GIL is released, so two threads on two cores
finish in less than 1.6x one thread's time (issue 23). Not a test (timings on shared machines are
noisy): run it by hand, e.g.

    PYTHONPATH=build/python taskset -c 0,1 /usr/bin/python3 benchmarks/python_threads.py

It re-runs itself under `taskset -c 0,1` when it is not pinned to exactly 2 CPUs already. Each
skinq.analyze uses one worker thread (threads=1), so the parallelism measured is Python's; the
median of --runs (default 7) runs of each is reported, with the ratio.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
if not os.environ.get("PYTHONPATH"):
    sys.path.insert(0, os.path.join(os.path.dirname(HERE), "build", "python"))
import skinq  # noqa: E402


def image(h, w):
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:h, 0:w]
    base = np.array([200.0, 150.0, 125.0]) * (0.85 + 0.15 * np.sin(x / 37.0) * np.cos(y / 53.0))[..., None]
    return np.clip(base + rng.normal(0, 4, base.shape), 1, 254).astype(np.uint8)


def timed(n_threads, img, per_thread, texture, processes=False):
    def work():
        for _ in range(per_thread):
            skinq.analyze(img, threads=1, texture=texture)

    import multiprocessing
    ts = [(multiprocessing.Process if processes else threading.Thread)(target=work) for _ in range(n_threads)]
    t0 = time.perf_counter()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--size", default="1500x2000", help="HxW of the test image")
    ap.add_argument("--per-thread", type=int, default=2, help="analyses each thread runs")
    ap.add_argument("--no-texture", action="store_true", help="colour only (no FFTW texture pass)")
    a = ap.parse_args()
    if len(os.sched_getaffinity(0)) != 2 and shutil.which("taskset") and os.cpu_count() >= 2:
        os.execvp("taskset", ["taskset", "-c", "0,1", sys.executable, *sys.argv])
    h, w = map(int, a.size.split("x"))
    img = image(h, w)
    skinq.analyze(img, threads=1, texture=not a.no_texture)  # warm up (FFTW plans, tables)
    one, two = [], []
    for _ in range(a.runs):  # interleaved, so drifting load hits both alike
        one.append(timed(1, img, a.per_thread, not a.no_texture))
        two.append(timed(2, img, a.per_thread, not a.no_texture))
    m1, m2 = statistics.median(one), statistics.median(two)
    # the control: the same work in two processes (no GIL at all); on a loaded machine its ratio
    # shows what two cores can give, and threads near it mean the GIL is not the limit
    p1 = statistics.median(timed(1, img, a.per_thread, not a.no_texture, True) for _ in range(a.runs))
    p2 = statistics.median(timed(2, img, a.per_thread, not a.no_texture, True) for _ in range(a.runs))
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"cpu: {cpu}; pinned to CPUs {sorted(os.sched_getaffinity(0))}; image {h}x{w}, "
          f"{a.per_thread} analyses a thread, threads=1 each, texture {not a.no_texture}, median of {a.runs}; "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"one thread : {m1:.3f} s  (runs {', '.join(f'{t:.3f}' for t in one)})")
    print(f"two threads: {m2:.3f} s  (runs {', '.join(f'{t:.3f}' for t in two)})")
    print(f"ratio two/one: {m2 / m1:.2f}  (goal < 1.6; 1.0 = perfect overlap, 2.0 = serialised)")
    print(f"control, processes: one {p1:.3f} s, two {p2:.3f} s, ratio {p2 / p1:.2f}")
    return 0 if m2 / m1 < 1.6 else 1


if __name__ == "__main__":
    sys.exit(main())
