"""skinq: skin photographs in, trustworthy numbers out -- the Python binding of libskinq.

Every result is the same dict the CLI's ``--json`` prints (the library writes both). Errors are
``skinq.Error`` subclasses carrying the library's status, the CLI's exit code and its one-line
message. Long calls release the GIL; each call runs on a context of its own (thread-safe).
"""
import json as _json

from . import _skinq

__all__ = ["analyze", "compare", "repeat", "depth", "maps", "MAP_NAMES", "Store", "version", "Error", "UsageError", "BadInputError", "AnalysisError", "StoreError"]


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


def repeat(images, *, roi=None, mask=None, auto_skin=False, ref=None, px_per_mm=None, white=None, texture=True,
           threads=None, chart=None, no_align=False, ecc_size=1024):
    """Re-captures of one unchanged site: the dict of ``skinq repeat IMAGE... --json``.

    images: two or more paths; each photo is registered onto the first and measured as compare()
    measures an after photo. Per metric (dict["metrics"]) n, mean, sd, cv_percent, sem, mdc95, unit;
    per photo (dict["images"]) its alignment and values. Keywords: compare()'s (mask's file is
    named in dict["options"]). AnalysisError when a photo cannot be registered onto the first.
    """
    return _json.loads(_skinq.repeat(images, roi=roi, mask=mask, auto_skin=auto_skin, ref=ref, px_per_mm=px_per_mm,
                                     white=white, texture=bool(texture), threads=threads or 0, chart=chart,
                                     no_align=bool(no_align), ecc_size=ecc_size))


def _usage(message):
    raise UsageError("invalid argument", 2, message)


def _number(name, v, low, strict):
    """v as a float (None: NaN, not given), > low (strict) or >= low; UsageError otherwise."""
    if v is None:
        return float("nan")
    try:
        f = float(v)
    except (TypeError, ValueError):
        f = float("nan")
    if not (f > low if strict else f >= low) or f == float("inf"):
        _usage(f"{name} must be a number {'>' if strict else '>='} {low:g}, not {v!r}")
    return f


def depth(images=(), *, height=None, z_scale=None, lights=None, px_per_mm=None, mask=None, min_depth=None,
          ref_scale=5.0, outlier_tau=0.05, ps_method=None, region=None, truth_normals=None, translucency=0.0,
          min_confidence=0.1, maps_dir=None, threads=None):
    """Surface height and scar depth: the dict of ``skinq depth ... --json``. One of:

    - ``height=H.png, z_scale=Z``: a height map (8/16-bit gray PNG), height_mm = value * Z;
    - ``lights=L.json or DIR`` (photometric stereo), images: the stack's paths in any order (matched
      by name) or () for the lights file's own; a DiLiGenT folder's mask.png is the region unless
      region is given;
    - ``images=IMAGE`` (one path): only a relative shading-based depression index.

    px_per_mm: the lateral scale (a lights file's is used otherwise); mask: scar regions (path or HxW
    bool/uint8 array) instead of thresholding at min_depth (mm; default 0.05 mm, 1 px without a
    scale); ref_scale: the reference surface's scale (mm). Photometric stereo only: outlier_tau,
    ps_method ('auto', 'ls', 'subset', 'trimmed', 'irls', 'lobe'), region (path or array),
    truth_normals (angular errors against them), translucency (mm), min_confidence. maps_dir: write
    the PNG maps there. The keywords are the CLI's options (``skinq depth --help``).
    """
    import os
    if isinstance(images, (str, bytes, os.PathLike)):
        images = [images]
    images = list(images)
    if height is not None and lights is not None:
        _usage("give either height or lights, not both")
    if height is not None and images:
        _usage("height takes no images")
    if height is not None and z_scale is None:
        _usage("height needs z_scale (mm per unit of the height map)")
    if height is None and z_scale is not None:
        _usage("z_scale only applies to height")
    if height is None and lights is None and len(images) != 1:
        _usage("a single photo takes one image (use lights for a stack)" if images
               else "no input: give height, lights or one image")
    if lights is None and (region is not None or truth_normals is not None or ps_method is not None
                           or (translucency or 0) > 0):
        _usage("region, truth_normals, ps_method and translucency only apply to lights")
    if len(images) > 1024:
        _usage("at most 1024 images")
    nums = (_number("z_scale", z_scale, 0, True), _number("px_per_mm", px_per_mm, 0, True),
            _number("min_depth", min_depth, 0, True), _number("ref_scale", ref_scale, 0, True),
            _number("outlier_tau", outlier_tau, 0, False), _number("translucency", translucency, 0, False),
            _number("min_confidence", min_confidence, 0, False))
    z, ppm, md, rs, tau, tr, mc = nums
    return _json.loads(_skinq.depth(images, height, z, lights, ppm, mask, md, rs, tau, ps_method, region,
                                    truth_normals, tr, mc, maps_dir, threads or 0))


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

    def repeatability(self, subject, site):
        """A site's own repeatability from its sessions with 2 or more photos: the dict of ``skinq
        repeat --subject ID --site NAME --json`` (per metric sessions, n, df, pooled within-session
        sd, mdc95, unit). AnalysisError when no session has 2 photos."""
        return _json.loads(_skinq.store_repeatability(self.path, subject, site))

    def to_pandas(self, subject=None, site=None, metric=None):
        """export() as a pandas DataFrame (pandas is an optional dependency)."""
        try:
            import pandas
        except ImportError as e:
            raise ImportError("skinq.Store.to_pandas() needs pandas, which is not installed "
                              "(pip install pandas); Store.export() gives the same rows as dicts") from e
        return pandas.DataFrame(self.export(subject, site, metric))
