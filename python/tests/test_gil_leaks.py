"""The GIL is released during analysis; repeated calls leak neither references nor memory."""
import gc
import os
import sys
import threading

import numpy as np

import skinq
from conftest import skin_image


def test_gil_released_while_analysing():
    # While a thread is inside skinq.analyze on a large image, this thread's Python loop keeps
    # running. Were the GIL held through the call, this loop could not run between the worker's
    # "entered" and "returned" (the worker sets each flag in the same GIL slice as the call).
    img = skin_image(1500, 2000, 8)
    state = {"entered": False, "returned": False}

    def work():
        state["entered"] = True
        skinq.analyze(img, threads=1)
        state["returned"] = True

    # short GIL slices: a call holding the GIL (e.g. 7 ** 3000000, ~2 s) leaves this loop 0 iterations,
    # while skinq.analyze (~1 s here with one thread) leaves it millions
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        t = threading.Thread(target=work)
        t.start()
        during = 0
        while not state["returned"]:
            if state["entered"]:
                during += 1
        t.join()
    finally:
        sys.setswitchinterval(interval)
    assert during > 50000, during


def rss_kib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def test_no_leaks(tmp_path):
    img = skin_image(200, 260, 8)
    flipped = img[:, ::-1]  # the copying path too
    mask = np.zeros(img.shape[:2], bool)
    mask[20:180, 30:240] = True
    path = str(tmp_path / "x.png")
    from conftest import write_png
    write_png(path, img)
    refs = [sys.getrefcount(o) for o in (img, flipped, mask, path)]

    def round_():
        skinq.analyze(img, mask=mask)
        skinq.analyze(flipped, roi=(1, 2, 100, 100))
        skinq.analyze(path)
        try:
            skinq.analyze(img, mask=np.zeros((3, 3), bool))
        except skinq.BadInputError:
            pass

    for _ in range(5):  # warm up: allocator pools, FFTW plans, the face model
        round_()
    gc.collect()
    before = rss_kib()
    for _ in range(40):
        round_()
    gc.collect()
    grown = rss_kib() - before
    assert [sys.getrefcount(o) for o in (img, flipped, mask, path)] == refs
    if os.environ.get("SKINQ_ASAN"):  # ASan's quarantine keeps freed memory: RSS grows without a leak
        return
    # 160 analyses: a leak of one image buffer (150 KiB) each would be 24 MiB
    assert grown < 4096, f"RSS grew {grown} KiB over 160 calls"
