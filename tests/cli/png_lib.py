# png_lib.py -- for tests/cli and scripts/ps-baseline.py: read and write an 8/16-bit
# non-interlaced PNG (zlib + the five row filters, no third-party module), and read a skinq map's
# colour bar back into values.
import struct
import zlib
def decode_png(path):
    """non-interlaced 8/16-bit PNG -> (w, h, channels, depth, unfiltered sample bytes, big-endian)"""
    data = open(path, 'rb').read()
    assert data[:8] == b'\x89PNG\r\n\x1a\n'
    pos, idat = 8, b''
    while pos < len(data):
        n, typ = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if typ == b'IHDR':
            w, h, depth, ctype, _, _, inter = struct.unpack('>IIBBBBB', body)
            assert depth in (8, 16) and inter == 0
        elif typ == b'IDAT':
            idat += body
        pos += 12 + n
    ch = {0: 1, 2: 3, 4: 2, 6: 4}[ctype]
    bpp = ch * depth // 8
    raw, stride, out, prev = zlib.decompress(idat), w * bpp, bytearray(), bytearray(w * bpp)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out += line
        prev = line
    return w, h, ch, depth, bytes(out)


def write_png(path, rows, ch, bits):
    """rows of w*ch samples (gray: ch 1, RGB: ch 3) -> an 8/16-bit PNG, filter 0"""
    h, w = len(rows), len(rows[0]) // ch
    raw = b"".join(b"\0" + (struct.pack(">%dH" % len(r), *r) if bits == 16 else bytes(r)) for r in rows)

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, bits, {1: 0, 3: 2}[ch], 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def read_samples(path):
    """8/16-bit PNG -> (w, h, channels, flat list of samples)"""
    w, h, ch, depth, raw = decode_png(path)
    if depth == 16:
        return w, h, ch, list(struct.unpack('>%dH' % (len(raw) // 2), raw))
    return w, h, ch, list(raw)


def read_png(path):
    """8-bit RGB/RGBA/gray PNG, non-interlaced -> (w, h, rows of [r,g,b] tuples)"""
    w, h, ch, depth, raw = decode_png(path)
    assert depth == 8
    stride = w * ch
    return w, h, [[tuple(raw[y * stride + x * ch:y * stride + x * ch + 3]) if ch >= 3 else (raw[y * stride + x * ch],) * 3
                   for x in range(w)] for y in range(h)]


BG, TEXT, OUTSIDE = (20, 20, 20), (235, 235, 235), (40, 40, 40)


def colour_bar(px, w, h):
    """The legend's colour bar (row h-15 of a map PNG): the longest run of non-background,
    non-text pixels, left (vmin) to right (vmax)."""
    row, best, start = px[h - 15], (0, 0), None
    for x in range(w + 1):
        c = row[x] if x < w else BG
        if c not in (BG, TEXT) and start is None:
            start = x
        elif c in (BG, TEXT) and start is not None:
            best = max(best, (x - start, start))
            start = None
    return row[best[1]:best[1] + best[0]]


def map_values(path, lo, hi):
    """Every map cell of a skinq map PNG read back to a value on lo..hi through its colour bar
    (nearest colour); the title band, margins, legend and cells outside the ROI are left out."""
    w, h, px = read_png(path)
    bar = colour_bar(px, w, h)
    lut, out = {}, []
    for y in range(h - 30):
        for c in px[y]:
            if c in (BG, TEXT, OUTSIDE):
                continue
            if c not in lut:
                i = min(range(len(bar)), key=lambda k: sum((a - b) ** 2 for a, b in zip(bar[k], c)))
                lut[c] = lo + (hi - lo) * i / (len(bar) - 1)
            out.append(lut[c])
    return out
