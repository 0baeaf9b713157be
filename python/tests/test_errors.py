"""Every exception type: the status, the CLI's exit code and the one-line message it carries."""
import numpy as np
import pytest

import skinq


def check(exc, cls, exit_code, words):
    e = exc.value
    assert type(e) is cls and isinstance(e, skinq.Error)
    assert e.exit_code == exit_code and e.status and "\n" not in e.message and str(e) == e.message
    assert words in e.message, e.message


def test_usage_errors(rgb8, rgb8_png):
    with pytest.raises(skinq.UsageError) as x:
        skinq.analyze(rgb8_png, roi=(0, 0, 10, 10), mask=np.ones(rgb8.shape[:2], bool))
    check(x, skinq.UsageError, 2, "choose one of roi, mask and auto_skin")
    with pytest.raises(skinq.UsageError) as x:
        skinq.analyze(rgb8_png, roi=(0, 0, 0, 10))
    check(x, skinq.UsageError, 2, "roi wants (x, y, w, h)")
    with pytest.raises(skinq.UsageError) as x:
        skinq.analyze(rgb8.astype(np.float32))
    check(x, skinq.UsageError, 2, "uint8 or uint16")
    with pytest.raises(skinq.UsageError) as x:
        skinq.analyze(np.zeros((10, 10, 4), np.uint8))
    check(x, skinq.UsageError, 2, "HxWx3")
    with pytest.raises(skinq.UsageError) as x:
        skinq.analyze(12345)
    check(x, skinq.UsageError, 2, "a path or a numpy array")
    with pytest.raises(skinq.UsageError) as x:
        skinq.analyze(rgb8, px_per_mm=-3)
    check(x, skinq.UsageError, 2, "px_per_mm")
    with pytest.raises(ValueError):  # a UsageError is a ValueError too
        skinq.analyze(rgb8, auto_skin="knee")


def test_bad_input_errors(tmp_path, rgb8):
    missing = str(tmp_path / "missing.png")
    with pytest.raises(skinq.BadInputError) as x:
        skinq.analyze(missing)
    check(x, skinq.BadInputError, 3, "missing.png")
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg" * 3)
    with pytest.raises(skinq.BadInputError) as x:
        skinq.analyze(str(junk))
    check(x, skinq.BadInputError, 3, "junk.jpg")
    with pytest.raises(skinq.BadInputError) as x:  # a mask of another size
        skinq.analyze(rgb8, mask=np.ones((10, 10), bool))
    assert x.value.exit_code == 3


def test_analysis_errors(rgb8):
    with pytest.raises(skinq.AnalysisError) as x:  # an empty region of interest
        skinq.analyze(rgb8, mask=np.zeros(rgb8.shape[:2], bool))
    check(x, skinq.AnalysisError, 4, "")
    assert x.value.status == "empty region of interest"
