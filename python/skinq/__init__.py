"""skinq: skin photographs in, trustworthy numbers out -- the Python binding of libskinq.

Every result is the same dict the CLI's ``--json`` prints (the library writes both). Errors are
``skinq.Error`` subclasses carrying the library's status, the CLI's exit code and its one-line
message. Long calls release the GIL; each call runs on a context of its own (thread-safe).
"""
import json as _json

from . import _skinq

__all__ = ["analyze", "compare", "maps", "MAP_NAMES", "Store", "version", "Error", "UsageError", "BadInputError", "AnalysisError", "StoreError"]


class Error(Exception):
    """A skinq failure: .status (the library's status text), .exit_code (the CLI's), .message."""

    def __init__(self, status, exit_code, message):
        super().__init__(message)
        self.status, self.exit_code, self.message = status, exit_code, message


class UsageError(Error, ValueError):
    """An invalid argument or option value (the CLI's exit code 2)."""


class BadInputError(Error):
    """An input file or array that cannot be read or is refused (exit code 3)."""


class AnalysisError(Error):
    """The analysis is impossible: empty ROI, registration failed, too few data (exit code 4)."""


class StoreError(Error):
    """The session store failed (exit code 5)."""


_BY_EXIT = {2: UsageError, 3: BadInputError, 4: AnalysisError, 5: StoreError}


def _raise(status, exit_code, message):
    raise _BY_EXIT.get(exit_code, Error)(status, exit_code, message)


_skinq._set_raise(_raise)


def version():
    """libskinq's version ("MAJOR.MINOR.PATCH")."""
    return _skinq.version()


def analyze(image, *, roi=None, mask=None, auto_skin=False, ref=None, px_per_mm=None, white=None,
            texture=True, threads=None, _maps_dir=None, _maps_size=0):
    """One photo's colour and texture metrics: the dict of ``skinq analyze --json``.

    image: a path, or a numpy array HxWx3 (RGB, sRGB-encoded) or HxW of uint8/uint16 (any strides;
    zero-copy when the rows hold interleaved pixels). roi/ref/white: (x, y, w, h). mask: a path or
    an HxW bool/uint8 array (nonzero = inside). auto_skin: True or 'auto', 'face', 'limb'.
    threads: worker threads (None = every core). An array has image.path/size_bytes/sha256 None.
    """
    return _json.loads(_skinq.analyze(image, roi=roi, mask=mask, auto_skin=auto_skin, ref=ref,
                                      px_per_mm=px_per_mm, white=white, texture=bool(texture),
                                      threads=threads or 0, maps_dir=_maps_dir, maps_size=_maps_size))


def compare(before, after, *, roi=None, mask=None, auto_skin=False, ref=None, px_per_mm=None, white=None,
            texture=True, threads=None, chart=None, no_align=False, ecc_size=1024, maps_dir=None):
    """Before/after of one site: the dict of ``skinq compare --json``.

    before, after: paths (the photos' files: registration and provenance read them). The analysis
    keywords are analyze()'s (roi, ref on before's pixels; white in each photo's own); chart: a
    ColorChecker corners JSON or 'auto'; no_align: take the photos as aligned; ecc_size: the ECC
    refinement's long side (0 full, -1 none); maps_dir: write the compare PNG maps there.
    """
    return _json.loads(_skinq.compare(before, after, roi=roi, mask=mask, auto_skin=auto_skin, ref=ref,
                                      px_per_mm=px_per_mm, white=white, texture=bool(texture),
                                      threads=threads or 0, chart=chart, no_align=bool(no_align),
                                      ecc_size=ecc_size, maps_dir=maps_dir))


MAP_NAMES = ("a", "erythema_index", "hemoglobin", "melanin")


def maps(image, *, max_size=1024, **kw):
    """The colour maps as numpy arrays: per cell of factor x factor pixels the mean of CIELAB a*,
    the erythema index, hemoglobin and melanin (float32, NaN where a cell has no pixel counted),
    and inside (bool: the cell holds ROI pixels); "factor" and "analysis" (analyze()'s dict) too.
    max_size: the maps' longest side (1 cell = 1 pixel when the image fits). Keywords: analyze()'s.
    """
    import os
    import tempfile

    import numpy as np

    with tempfile.TemporaryDirectory(prefix="skinq-maps-") as d:
        doc = analyze(image, _maps_dir=d, _maps_size=max_size, **kw)
        out = {n: np.load(os.path.join(d, n + ".npy")) for n in MAP_NAMES}
        out["inside"] = np.load(os.path.join(d, "inside.npy")).astype(bool)
    out["factor"] = doc.pop("maps")["downsample"]
    out["analysis"] = doc
    return out


class Store:
    """A session store (the file of ``skinq track``), read only: nothing is ever written to it.

    Each call opens the file for its own duration (safe from any thread); a missing file or one
    that is not a skinq store raises StoreError here already.
    """

    def __init__(self, path):
        import os
        self.path = os.fspath(path)
        self.sites()  # a missing or foreign file fails now, not at the first query

    def __repr__(self):
        return f"skinq.Store({self.path!r})"

    def sites(self, subject=None):
        """Every (subject, site): first_date, last_date, sessions, images, px_per_mm (None: unknown)."""
        return _skinq.store_query(self.path, "sites", subject, None, None)

    def subjects(self):
        """The subjects' ids, sorted."""
        return sorted({s["subject"] for s in self.sites()})

    def sessions(self, subject=None, site=None):
        """The sessions (of a subject, a site), as ``skinq track sessions --json`` lists them (plus
        subject and site): session, date, time, label, procedure, cycle, day, cycle_day, images."""
        return _skinq.store_query(self.path, "sessions", subject, site, None)

    def export(self, subject=None, site=None, metric=None):
        """Tidy rows, one a stored measurement, as ``skinq track export --json``: subject, site,
        session, date, time, label, procedure, cycle, day, cycle_day, metric, value, unit, image,
        sha256, skinq_version."""
        return _skinq.store_query(self.path, "export", subject, site, metric)

    def trend(self, subject, site, metric, *, model="exponential", cycle=None, from_day=None, to_day=None,
              mdc=None):
        """One metric's course at a site: the dict of ``skinq trend --json`` (points, baseline, each
        cycle's healing fit and whether it is a finding, the linear slope, the course). AnalysisError
        when nothing is stored or no window has enough points."""
        nan = float("nan")
        return _json.loads(_skinq.store_trend(self.path, subject, site, metric, model, cycle or 0,
                                              nan if from_day is None else from_day,
                                              nan if to_day is None else to_day, nan if mdc is None else mdc))

    def to_pandas(self, subject=None, site=None, metric=None):
        """export() as a pandas DataFrame (pandas is an optional dependency)."""
        try:
            import pandas
        except ImportError as e:
            raise ImportError("skinq.Store.to_pandas() needs pandas, which is not installed "
                              "(pip install pandas); Store.export() gives the same rows as dicts") from e
        return pandas.DataFrame(self.export(subject, site, metric))
