#!/usr/bin/env python3
"""Writes a WIDTH x HEIGHT RGB PNG (a gradient) to OUT, for upload tests.

    make_png.py WIDTH HEIGHT OUT
"""
import struct
import sys
import zlib


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def main():
    w, h, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    rows = b"".join(b"\0" + b"".join(bytes((x * 255 // w, y * 255 // h, 128))
                                      for x in range(w))
                    for y in range(h))
    png = (b"\x89PNG\r\n\x1a\n" +
           chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
           chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
    with open(out, "wb") as f:
        f.write(png)


if __name__ == "__main__":
    main()
