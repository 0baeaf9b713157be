"""skinq.analyze: the CLI's JSON, arrays equal to files of the same pixels, options, masks."""
import os

import numpy as np
import pytest

import skinq
from conftest import assert_same, cli_json, skin_image, without_file, write_png


def test_file_dict_is_the_cli_json(rgb8_png):
    # one writer: the library's JSON, read by the CLI and by Python alike
    assert skinq.analyze(rgb8_png, roi=(10, 20, 150, 120), px_per_mm=12.5) == cli_json(
        "analyze", rgb8_png, "--roi", "10,20,150,120", "--px-per-mm", "12.5")
    doc = skinq.analyze(rgb8_png)
    assert doc["image"]["path"] == rgb8_png and len(doc["image"]["sha256"]) == 64
    assert doc["image"]["width"] == 243 and doc["image"]["height"] == 181
    assert doc["color"]["a"]["mean"] > 5 and "texture" in doc
    assert "texture" not in skinq.analyze(rgb8_png, texture=False)


def test_path_like_and_bytes(rgb8_png):
    import pathlib
    a = skinq.analyze(pathlib.Path(rgb8_png), texture=False)
    assert a == skinq.analyze(rgb8_png.encode(), texture=False)
    assert a["image"]["path"] == rgb8_png


@pytest.mark.parametrize("depth", [8, 16])
def test_array_equals_file(tmp_path, depth):
    img = skin_image(160, 211, depth, seed=depth)
    path = write_png(tmp_path / "x.png", img)
    kw = dict(roi=(5, 7, 180, 140), ref=(0, 0, 40, 30), px_per_mm=10)
    a, f = skinq.analyze(img, **kw), skinq.analyze(path, **kw)
    assert a["image"]["path"] is None and a["image"]["sha256"] is None and a["image"]["bit_depth"] == depth
    if depth == 8:  # the 8-bit pass sums a colour histogram: exact whatever the pixels' order
        assert without_file(a) == without_file(f)
    else:  # 16-bit sums per pixel; the PNG is streamed in row blocks, the array is not: on the scalar
        # path (SKINQ_ISA=scalar) the std's partial sums meet in another order (seen: 4e-15 relative)
        assert_same(without_file(a), without_file(f))
    assert a["color"]["L"]["mean"] == f["color"]["L"]["mean"]  # exactly, not approximately


def strided_views(img):
    """Views of img's pixels laid out in memory every way numpy makes them, with the pixels they show."""
    bgr = np.ascontiguousarray(img[..., ::-1])
    big = np.zeros((img.shape[0] + 9, img.shape[1] + 13, 3), img.dtype)
    big[4:-5, 6:-7] = img
    return {
        "flipped": (img[:, ::-1], img[:, ::-1].copy()),
        "upside-down": (img[::-1], img[::-1].copy()),
        "every-other": (img[::2, ::2], img[::2, ::2].copy()),
        "fortran": (np.asfortranarray(img), img),
        "bgr-view": (bgr[..., ::-1], img),
        "cut-out": (big[4:-5, 6:-7], img),  # rows of a wider array: zero-copy, stride > width
    }


@pytest.mark.parametrize("kind", ["flipped", "upside-down", "every-other", "fortran", "bgr-view", "cut-out"])
def test_strided_arrays_equal_their_file(tmp_path, rgb8, kind):
    view, pixels = strided_views(rgb8)[kind]
    assert not view.flags.c_contiguous
    path = write_png(tmp_path / "v.png", pixels)
    assert without_file(skinq.analyze(view, roi=(3, 4, 100, 70))) == without_file(skinq.analyze(path, roi=(3, 4, 100, 70)))


def test_gray_array_as_gray_file(tmp_path, rgb8):
    gray = rgb8[..., 1].copy()
    path = write_png(tmp_path / "g.png", gray)
    try:
        expect = without_file(skinq.analyze(path))
    except skinq.Error as e:  # the library refuses gray for colour: the array the same way
        with pytest.raises(type(e)) as got:
            skinq.analyze(gray)
        assert got.value.status == e.status
    else:
        assert without_file(skinq.analyze(gray)) == expect


def test_mask_array_equals_mask_file(tmp_path, rgb8):
    m = np.zeros(rgb8.shape[:2], bool)
    m[30:150, 40:200] = True
    m[60:80, 90:120] = False
    mpath = write_png(tmp_path / "m.png", m.astype(np.uint8) * 255)
    by_file = skinq.analyze(rgb8, mask=mpath)
    assert by_file["roi"]["source"] == skinq.analyze(rgb8, mask=m)["roi"]["source"]
    assert skinq.analyze(rgb8, mask=m) == by_file
    assert skinq.analyze(rgb8, mask=m.astype(np.uint8)) == by_file
    assert by_file["roi"]["inside"] == int(m.sum())


def test_threads_do_not_change_numbers(rgb8):
    assert skinq.analyze(rgb8, threads=1) == skinq.analyze(rgb8, threads=2)
