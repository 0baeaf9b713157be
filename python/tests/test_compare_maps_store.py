"""skinq.compare (the CLI's JSON), skinq.maps (arrays), skinq.Store (sites, sessions, export)."""
import json
import os
import subprocess

import numpy as np
import pytest

import skinq
from conftest import BIN, assert_same, cli_json, write_png


def test_compare_is_the_cli_json(series):
    before, after = str(series / "day00.jpg"), str(series / "day03.jpg")
    mask = str(series / "mask.png")
    got = skinq.compare(before, after, mask=mask, px_per_mm=6, texture=False)
    assert_same(got, cli_json("compare", before, after, "--mask", mask, "--px-per-mm", "6", "--no-texture"))
    assert got["alignment"]["ok"] is True
    # the treated skin is redder on day 3 than before the procedure
    assert got["delta"]["color"]["a"]["mean"]["change"] > 0.5
    assert got["before"]["image"]["path"] == before


def test_compare_errors(tmp_path, series, rgb8):
    with pytest.raises(skinq.BadInputError) as e:
        skinq.compare(str(series / "day00.jpg"), str(tmp_path / "none.jpg"))
    assert "none.jpg" in e.value.message
    flat = write_png(tmp_path / "flat.png", np.full((450, 600, 3), 128, np.uint8))
    with pytest.raises(skinq.AnalysisError) as e:  # nothing to register on
        skinq.compare(str(series / "day00.jpg"), flat)
    assert e.value.exit_code == 4 and e.value.status == "alignment failed"
    assert "cannot align" in e.value.message


def test_maps_are_the_analysis_cell_means(rgb8):
    m = skinq.maps(rgb8, roi=(20, 10, 200, 150), max_size=64)
    f = m["factor"]
    assert f == 4 and m["a"].shape == (46, 61) and m["a"].dtype == np.float32
    for n in skinq.MAP_NAMES:
        assert m[n].shape == m["inside"].shape
    inside = m["inside"]
    assert inside.sum() > 0 and not inside[0, 0] and inside[20, 30]
    # cells without an ROI pixel are NaN; those inside hold a* near the analysis' mean
    assert np.isnan(m["a"][0, 0]) and np.all(np.isfinite(m["a"][inside]))
    mean = m["analysis"]["color"]["a"]["mean"]
    assert abs(np.nanmean(m["a"][5:38, 7:53]) - mean) < 0.5
    # the redder patch (x ~ 0.6 W, y ~ 0.5 H) shows in the map
    assert m["a"][22, 36] > m["a"][5, 8] + 2
    assert "maps" not in m["analysis"]
    full = skinq.maps(rgb8, texture=False)  # fits in 1024: one cell a pixel
    assert full["factor"] == 1 and full["a"].shape == rgb8.shape[:2]


def test_store(store):
    s = skinq.Store(store)
    assert s.subjects() == ["S01"]
    sites = s.sites()
    assert [(x["subject"], x["site"], x["sessions"]) for x in sites] == [("S01", "cheek", 9)]
    sessions = s.sessions("S01", "cheek")
    assert [x["date"] for x in sessions][:3] == ["2026-01-05", "2026-01-06", "2026-01-07"]
    assert sessions[1]["procedure"] == "microneedling 1.5 mm" and sessions[1]["day"] == 0
    rows = s.export(subject="S01")
    out = subprocess.run([BIN, "track", "export", "--store", store, "--json", "--subject", "S01"], check=True,
                         capture_output=True, text=True).stdout
    # the tidy rows of `track export --json` (the stored doubles exactly: cJSON prints 15 digits)
    assert_same(rows, json.loads(out)["rows"])
    a = s.export(metric="color.a.mean")
    assert len(a) == 9 and {r["metric"] for r in a} == {"color.a.mean"}


def test_store_errors(tmp_path):
    with pytest.raises(skinq.StoreError) as e:
        skinq.Store(tmp_path / "missing.db")
    assert e.value.exit_code == 5 and "missing.db" in e.value.message
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    before = junk.read_bytes()
    with pytest.raises(skinq.StoreError):
        skinq.Store(junk)
    assert junk.read_bytes() == before  # read-only: a refused file is left as it was


def test_to_pandas(store):
    try:
        import pandas  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="needs pandas"):
            skinq.Store(store).to_pandas()
    else:
        df = skinq.Store(store).to_pandas(metric="color.a.mean")
        assert len(df) == 9 and list(df["metric"].unique()) == ["color.a.mean"]


def test_trend_is_the_cli_json(store):
    s = skinq.Store(store)
    got = s.trend("S01", "cheek", "color.hemoglobin.mean")
    out = subprocess.run([BIN, "trend", "--store", store, "--subject", "S01", "--site", "cheek", "--metric",
                          "color.hemoglobin.mean", "--json"], check=True, capture_output=True, text=True).stdout
    assert_same(got, json.loads(out))
    assert len(got["points"]) == 9 and got["procedures"] == 1 and got["cycles"][0]["fit"]["model"] == "exponential"
    assert s.trend("S01", "cheek", "color.a.mean", mdc=0.5)["cycles"][0]["fit"]["mdc95"] == 0.5
    with pytest.raises(skinq.AnalysisError, match="no values of 'color.a.mean' stored for S01/knee"):
        s.trend("S01", "knee", "color.a.mean")
    with pytest.raises(skinq.UsageError, match="unknown metric"):
        s.trend("S01", "cheek", "color.nonsense")
    with pytest.raises(skinq.UsageError, match="two-phase"):
        s.trend("S01", "cheek", "color.a.mean", model="cubic")
