#!/usr/bin/env python3
"""make_corpus.py SEEDS FIXTURES SYNTH -- (re)make tests/fuzz/corpus/ from the peers' seed images
(SEEDS = ../shared/data/seeds: libjpeg-turbo testimages, PngSuite), skinq's own test fixtures
(FIXTURES = a folder written by `skinq_fixtures`) and phantoms (SYNTH = `skinq synth --kind all`).
The corpus is committed; this records how it was made."""
import os, random, shutil, struct, sys, zlib

seeds, fix, synth = sys.argv[1:4]
here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "corpus")


def put(target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def read(*p):
    with open(os.path.join(*p), "rb") as f:
        return f.read()


def chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_with(png, extra):  # insert chunks right after IHDR (8 + 25 bytes)
    return png[:33] + b"".join(extra) + png[33:]


def tiff_dated(date, offset):  # big-endian TIFF: IFD0 -> Exif IFD {DateTimeOriginal, OffsetTimeOriginal}
    d, o = date + b"\0", offset + b"\0"
    ifd0 = struct.pack(">HHHIII", 1, 0x8769, 4, 1, 26, 0)
    sub = struct.pack(">HHHIIHHIII", 2, 0x9003, 2, len(d), 56, 0x9011, 2, len(o), 56 + len(d), 0)
    return b"MM\0*" + struct.pack(">I", 8) + ifd0 + sub + d + o


shutil.rmtree(out, ignore_errors=True)
# ---- jpeg: libjpeg-turbo's (baseline, arithmetic, progressive, ICC) and skinq's own (EXIF orientation, CMYK)
for n in ["testorig.jpg", "testimgari.jpg", "testimgint.jpg", "monkey12.jpg"]:
    put("fuzz_jpeg", n, read(seeds, "libjpeg-turbo", n))
for n in ["good.jpg", "orient6.jpg", "orient3.jpg", "bad-cmyk.jpg", "bad-truncated.jpg"]:
    put("fuzz_jpeg", "skinq-" + n, read(fix, n))
# ---- png: PngSuite (bit depths, palettes, tRNS, interlace) and skinq's own; one with an iCCP
# (test3.icc from libjpeg-turbo's set, i.e. Little CMS) and one with an eXIf orientation
for n in ["basn0g01.png", "basn0g02.png", "basn0g16.png", "basn2c08.png", "basn2c16.png", "basn3p01.png",
          "basn3p08.png", "basn4a08.png", "basn4a16.png", "basn6a08.png", "basn6a16.png", "ftbbn3p08.png",
          "ftbwn0g16.png", "ftp1n3p08.png", "ibasn3p08.png", "ibasn6a16.png"]:
    put("fuzz_png", n, read(seeds, "pngsuite", n))
for n in ["good16.png", "rgba.png", "big-header.png", "bad-truncated.png"]:
    put("fuzz_png", "skinq-" + n, read(fix, n))
base = read(seeds, "pngsuite", "basn2c08.png")
icc = read(seeds, "libjpeg-turbo", "test3.icc")
put("fuzz_png", "iccp-basn2c08.png", png_with(base, [chunk(b"iCCP", b"test3\0\0" + zlib.compress(icc, 9))]))
exif = b"MM\0*\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x06\0\0\0\0\0\0"
put("fuzz_png", "exif6-basn2c08.png", png_with(base, [chunk(b"eXIf", exif)]))
# and a capture time (skinq_image_capture_time_mem(), probed first): in a JPEG's APP1 and a PNG's eXIf
dated = tiff_dated(b"2026:03:01 09:15:02", b"+01:00")
good = read(fix, "good.jpg")
app1 = b"Exif\0\0" + dated
put("fuzz_jpeg", "exif-date-good.jpg",  # the byte after EOI: option bit 1, probe (and read the time) first
    good[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + good[2:] + b"\x02")
put("fuzz_png", "exif-date-basn2c08.png", png_with(base, [chunk(b"eXIf", dated)]))
# ---- lights and chart files: the phantoms', and small variants of each accepted form
put("fuzz_lights_json", "scar-stack.json", read(synth, "scar-stack", "lights.json"))
put("fuzz_lights_json", "min.json", b'{"lights":[{"direction":[0,0,1]}]}')
put("fuzz_lights_json", "three.json",
    b'{"px_per_mm":12.5,"lights":[{"image":"a.png","direction":[1,0,1],"intensity":2},'
    b'{"image":"sub/b.png","direction":[0,1,1]},{"image":"/abs/c.png","direction":[-1,-1,2],"intensity":0.5}]}')
put("fuzz_chart_json", "chart.json", read(synth, "chart", "chart.json"))
put("fuzz_chart_json", "images.json",
    b'{"images":[{"image":"before.jpg","corners":[[1,2],[300,4],[298,200],[3,199]]},'
    b'{"image":"after.jpg","corners":[[10,10],[90,12],[88,70],[12,68.5]]}]}')
# ---- analyze: header (w-1, h-1, layout), pixels, 8 option bytes (see fuzz_analyze.c)
rnd = random.Random(17)
for i, (w, h, lay, tail) in enumerate([(64, 64, 1, [0x20, 0, 0, 0, 0, 0, 0, 0x7e]),
                                      (48, 32, 3, [0x3d, 0x45, 0x30, 0x11, 0x22, 0x33, 0x44, 0x55]),
                                      (32, 32, 0, [0x22, 0x80, 0x80, 0x10, 0x10, 0x08, 0x90, 0x0f]),
                                      (64, 40, 5, [0x07, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70]),
                                      (16, 16, 1, [0x18, 0x04, 0x08, 0x0c, 0x10, 0x14, 0x18, 0x1c]),
                                      (40, 64, 2, [0xa1, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99])]):
    ch = 3 if lay & 1 else 1
    by = 2 if lay & 2 else 1
    px = bytes(min(255, max(0, 150 + ((x * 7 + y * 3) % 40) - 20 + rnd.randint(-10, 10)))
               for y in range(h) for x in range(w * ch * by))
    put("fuzz_analyze", "seed%d.bin" % i, bytes([w - 1, h - 1, lay]) + px + bytes(tail))
