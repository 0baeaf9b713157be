"""The GIL is released during analysis; repeated calls leak neither references nor memory."""
import gc
import os
import sys

import numpy as np

import skinq
from conftest import iterations_during, skin_image


def test_gil_released_while_analysing():
    img = skin_image(1500, 2000, 8)
    # skinq.analyze takes ~1 s here with one thread; a call holding the GIL (e.g. 7 ** 3000000, ~2 s)
    # leaves the loop 0 iterations, a released one millions
    assert iterations_during(lambda: skinq.analyze(img, threads=1)) > 50000


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
