# dng_lib.py -- for tests/cli: write a small DNG byte by byte (little-endian TIFF, no third-party
# module): LinearRaw (3 samples a pixel) or a Bayer RGGB mosaic, 16-bit, whose colour matrix makes
# the camera's RGB linear sRGB, with AsShotNeutral, make/model and an Exif IFD (ISO, exposure,
# f-number, DateTimeOriginal). Patches of known linear colour, given AFTER white balance.
import struct

# dcraw/LibRaw's linear sRGB -> XYZ (D65); ColorMatrix1 (XYZ -> camera) is its inverse, so camera = sRGB
XYZ_RGB = [[0.412453, 0.357580, 0.180423], [0.212671, 0.715160, 0.072169], [0.019334, 0.119193, 0.950227]]


def inv3(m):
    a, b, c = m[0]
    d, e, f = m[1]
    g, h, i = m[2]
    det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)
    return [[(e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det],
            [(f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det],
            [(d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det]]


def srgb_encode(x):
    x = min(max(x, 0.0), 1.0)
    return 12.92 * x if x <= 0.0031308 else 1.055 * x ** (1 / 2.4) - 0.055


SHORT, LONG, RATIONAL, ASCII, BYTE, SRATIONAL = 3, 4, 5, 2, 1, 10


def write_tiff(path, ifd0, exif, pixels):
    """ifd0/exif: {tag: (type, values)}; pixels: bytes of the one strip (offset filled in)."""
    sizes = {BYTE: 1, ASCII: 1, SHORT: 2, LONG: 4, RATIONAL: 8, SRATIONAL: 8}

    def pack(t, vals):
        if t == ASCII:
            return vals.encode() + b'\0'
        if t == BYTE:
            return bytes(vals)
        if t == SHORT:
            return struct.pack('<%dH' % len(vals), *vals)
        if t == LONG:
            return struct.pack('<%dI' % len(vals), *vals)
        out = b''
        for v in vals:  # (num, den)
            out += struct.pack('<ii' if t == SRATIONAL else '<II', *v)
        return out

    def ifd_bytes(entries, at):
        tags = sorted(entries)
        head = 2 + 12 * len(tags) + 4
        data, body = b'', struct.pack('<H', len(tags))
        for tag in tags:
            t, vals = entries[tag]
            blob = pack(t, vals)
            count = len(blob) // sizes[t]
            if len(blob) <= 4:
                body += struct.pack('<HHI', tag, t, count) + blob.ljust(4, b'\0')
            else:
                body += struct.pack('<HHII', tag, t, count, at + head + len(data))
                data += blob + (b'\0' if len(blob) % 2 else b'')
        return body + b'\0\0\0\0' + data

    # layout: header, IFD0, Exif IFD, strip
    ifd0 = dict(ifd0)
    ifd0[34665] = (LONG, [0])
    ifd0[273] = (LONG, [0])
    ifd0[279] = (LONG, [len(pixels)])
    first = ifd_bytes(ifd0, 8)
    exif_at = 8 + len(first)
    ifd0[34665] = (LONG, [exif_at])
    ex = ifd_bytes(exif, exif_at)
    strip_at = exif_at + len(ex)
    ifd0[273] = (LONG, [strip_at])
    first = ifd_bytes(ifd0, 8)
    assert 8 + len(first) == exif_at
    with open(path, 'wb') as f:
        f.write(b'II*\0' + struct.pack('<I', 8) + first + ex + pixels)


def write_dng(path, w, h, patches, neutral=(0.5, 1.0, 0.8), cfa=False, date="2026:03:01 09:15:02",
              background=(0.18, 0.18, 0.18), claim=None):
    """patches: [(x, y, pw, ph, (r, g, b) linear sRGB after white balance)]; stored = value * neutral;
    claim: (W, H) written as the size instead (a header that lies: the strip holds w x h)."""
    cm = inv3(XYZ_RGB)
    img = [[background] * w for _ in range(h)]
    for (x0, y0, pw, ph, rgb) in patches:
        for y in range(y0, y0 + ph):
            for x in range(x0, x0 + pw):
                img[y][x] = rgb
    samples = []
    for y in range(h):
        for x in range(w):
            stored = [min(65535, round(img[y][x][c] * neutral[c] * 65535)) for c in range(3)]
            if cfa:  # RGGB: R at (even, even), B at (odd, odd)
                c = 0 if (y % 2, x % 2) == (0, 0) else 2 if (y % 2, x % 2) == (1, 1) else 1
                samples.append(stored[c])
            else:
                samples.extend(stored)
    pixels = struct.pack('<%dH' % len(samples), *samples)
    spp = 1 if cfa else 3
    ifd0 = {
        254: (LONG, [0]), 256: (LONG, [w]), 257: (LONG, [h]), 258: (SHORT, [16] * spp), 259: (SHORT, [1]),
        262: (SHORT, [32803 if cfa else 34892]), 271: (ASCII, "SkinqTest"), 272: (ASCII, "LinearCam 1"),
        274: (SHORT, [1]), 277: (SHORT, [spp]), 278: (LONG, [h]), 284: (SHORT, [1]),
        306: (ASCII, date),
        50706: (BYTE, [1, 4, 0, 0]), 50707: (BYTE, [1, 1, 0, 0]), 50708: (ASCII, "SkinqTest LinearCam 1"),
        50714: (LONG, [0]), 50717: (LONG, [65535]),
        50721: (SRATIONAL, [(round(v * 1000000), 1000000) for row in cm for v in row]),
        50728: (RATIONAL, [(round(v * 1000000), 1000000) for v in neutral]),
        50778: (SHORT, [21]),
    }
    if claim:
        ifd0[256], ifd0[257], ifd0[278] = (LONG, [claim[0]]), (LONG, [claim[1]]), (LONG, [claim[1]])
    if cfa:
        ifd0[33421] = (SHORT, [2, 2])
        ifd0[33422] = (BYTE, [0, 1, 1, 2])
    exif = {33434: (RATIONAL, [(1, 125)]), 33437: (RATIONAL, [(56, 10)]), 34855: (SHORT, [200]),
            36867: (ASCII, date), 37386: (RATIONAL, [(50, 1)])}
    write_tiff(path, ifd0, exif, pixels)


# dng_lib.py OUT [cfa] [claim=WxH]: the tests' 64x48 DNG, a skin-like patch (0.45, 0.30,
# 0.22 linear sRGB) at x 8-31, y 8-23 on 18 % grey, AsShotNeutral (0.5, 1, 0.8)
if __name__ == '__main__':
    import sys
    args = sys.argv[2:]
    claim = [tuple(int(v) for v in a[6:].split('x')) for a in args if a.startswith('claim=')]
    write_dng(sys.argv[1], 64, 48, [(8, 8, 24, 16, (0.45, 0.30, 0.22))], cfa='cfa' in args,
              claim=claim[0] if claim else None)
