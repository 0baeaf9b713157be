"""exif_lib.py -- write an EXIF capture time into a JPEG (APP1) or PNG (eXIf) byte by byte, for the
CLI tests (no EXIF library needed): IFD0 -> Exif IFD {0x9003 DateTimeOriginal, 0x9011 OffsetTimeOriginal}.

    python3 exif_lib.py SRC DST MM|II "YYYY:MM:DD HH:MM:SS" "+HH:MM"
"""
import struct
import sys
import zlib


def add_exif(src, dst, order, date, off):
    e = '>' if order == 'MM' else '<'
    d, o = date.encode() + b'\0', off.encode() + b'\0'
    ifd0 = struct.pack(e + 'H', 1) + struct.pack(e + 'HHII', 0x8769, 4, 1, 26) + struct.pack(e + 'I', 0)
    sub = (struct.pack(e + 'H', 2) + struct.pack(e + 'HHII', 0x9003, 2, len(d), 56) +
           struct.pack(e + 'HHII', 0x9011, 2, len(o), 56 + len(d)) + struct.pack(e + 'I', 0))
    tiff = order.encode() + struct.pack(e + 'HI', 42, 8) + ifd0 + sub + d + o
    b = open(src, 'rb').read()
    if b[:2] == b'\xff\xd8':
        blk = b'Exif\0\0' + tiff
        out = b[:2] + b'\xff\xe1' + struct.pack('>H', len(blk) + 2) + blk + b[2:]
    else:
        chunk = b'eXIf' + tiff
        out = b[:33] + struct.pack('>I', len(tiff)) + chunk + struct.pack('>I', zlib.crc32(chunk)) + b[33:]
    open(dst, 'wb').write(out)


if __name__ == '__main__':
    add_exif(*sys.argv[1:6])
