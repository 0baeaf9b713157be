"""Shared fixtures: the built package on sys.path, the CLI beside it, PNG files of known pixels."""
import os
import struct
import subprocess
import sys
import zlib

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("SKINQ_SOURCE_DIR", os.path.dirname(os.path.dirname(HERE)))
# ctest sets PYTHONPATH to BUILD/python; by hand: the default build folder's
if not os.environ.get("PYTHONPATH"):
    sys.path.insert(0, os.path.join(SOURCE, "build", "python"))
BIN = os.environ.get("SKINQ_BIN", os.path.join(SOURCE, "build", "skinq"))


def write_png(path, arr):
    """An 8- or 16-bit gray or RGB PNG of exactly these pixels (no gamma, no ICC: read back as is)."""
    arr = np.ascontiguousarray(arr)
    h, w = arr.shape[:2]
    ch = 1 if arr.ndim == 2 else arr.shape[2]
    depth = 16 if arr.dtype == np.uint16 else 8
    raw = arr.astype(">u2" if depth == 16 else np.uint8).reshape(h, -1).tobytes()
    stride = w * ch * depth // 8
    data = b"".join(b"\0" + raw[y * stride:(y + 1) * stride] for y in range(h))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", w, h, depth, 0 if ch == 1 else 2, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(data, 6))
                + chunk(b"IEND", b""))
    return str(path)


def skin_image(h, w, depth=8, seed=1):
    """A skin-coloured photo-like image: smooth shading, a redder patch, pixel noise; RGB."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    base = np.array([200.0, 150.0, 125.0])
    shade = 0.85 + 0.15 * np.sin(x / 37.0) * np.cos(y / 53.0)
    img = base[None, None, :] * shade[..., None]
    patch = ((x - w * 0.6) ** 2 / (w * 0.15) ** 2 + (y - h * 0.5) ** 2 / (h * 0.2) ** 2) < 1
    img[patch] *= np.array([1.04, 0.9, 0.92])
    img += rng.normal(0, 4, img.shape)
    img = np.clip(img, 1, 254)
    if depth == 16:
        return np.round(img * 257).astype(np.uint16)
    return np.round(img).astype(np.uint8)


def cli_json(*args):
    """`skinq ARGS --json` parsed."""
    import json
    out = subprocess.run([BIN, *args, "--json"], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def without_file(doc):
    """An analysis dict without what only a file has (path, size, sha256)."""
    doc = dict(doc)
    doc["image"] = {k: v for k, v in doc["image"].items() if k not in ("path", "size_bytes", "sha256")}
    return doc


@pytest.fixture(scope="session")
def rgb8():
    return skin_image(181, 243, 8)


@pytest.fixture(scope="session")
def rgb8_png(tmp_path_factory, rgb8):
    return write_png(tmp_path_factory.mktemp("img") / "rgb8.png", rgb8)


@pytest.fixture(scope="session")
def series(tmp_path_factory):
    """The healing-series phantom (600x450: days 0..42, microneedling on day 1), under
    ROOT/samples/generated/healing-series as the README's example expects it."""
    root = tmp_path_factory.mktemp("series")
    out = root / "samples" / "generated" / "healing-series"
    out.mkdir(parents=True)
    subprocess.run([BIN, "synth", "--kind", "healing-series", "--out", str(out), "--width", "600", "--height",
                    "450"], check=True, capture_output=True)
    return out


@pytest.fixture(scope="session")
def store(series, tmp_path_factory):
    """A store of the series (subject S01, site cheek), built by `skinq track add`."""
    import datetime
    import json
    db = str(tmp_path_factory.mktemp("store") / "s.db")
    truth = json.load(open(series / "truth.json"))
    ref = ",".join(map(str, truth["reference_rect"]))
    for d in (0, 1, 2, 3, 5, 7, 14, 28, 42):
        date = (datetime.date(2026, 1, 5) + datetime.timedelta(days=d)).isoformat()
        proc = ["--procedure", "microneedling 1.5 mm"] if d == 1 else []
        subprocess.run([BIN, "track", "add", "--store", db, "--subject", "S01", "--site", "cheek", "--mask",
                        str(series / "mask.png"), "--ref", ref, "--px-per-mm", "6", "--no-texture", "--date", date,
                        *proc, str(series / f"day{d:02d}.jpg")], check=True, capture_output=True)
    return db


def assert_same(a, b, path=""):
    """a == b, floats to 1e-9 relative (the library's parallel sums, e.g. compare's delta_e2000 mean,
    differ in the last bits from run to run, the CLI's own runs too)."""
    import math
    if isinstance(a, float) or isinstance(b, float):
        assert isinstance(a, (int, float)) and isinstance(b, (int, float)), path
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12), f"{path}: {a} != {b}"
    elif isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), f"{path}: keys {list(a)} != {list(b)}"
        for k in a:
            assert_same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{path}[{i}]")
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


def iterations_during(call):
    """How many times this thread's Python loop runs while another thread is inside call(). Were the
    GIL held through the call, the loop could not run between the worker's "entered" and "returned"
    (the worker sets each flag in the same GIL slice as the call); short GIL slices make any release
    show."""
    import threading
    state = {"entered": False, "returned": False}

    def work():
        state["entered"] = True
        call()
        state["returned"] = True

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
    return during
