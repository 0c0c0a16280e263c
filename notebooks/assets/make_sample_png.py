"""Regenerate ``sample.png`` (a 128x96 landscape: sky, sun, hills) with the standard library.

python notebooks/assets/make_sample_png.py
"""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

WIDTH, HEIGHT = 128, 96


def pixel(x: int, y: int) -> tuple[int, int, int]:
    hill = HEIGHT * 0.68 + 9 * math.sin(x / 17) + 5 * math.sin(x / 7 + 1)
    if y > hill:
        shade = int(30 * (y - hill) / HEIGHT)
        return (40 - shade, 150 - shade, 60 - shade)
    if (x - 92) ** 2 + (y - 26) ** 2 <= 13**2:
        return (255, 204, 0)
    t = y / HEIGHT
    return (int(90 + 100 * t), int(150 + 70 * t), 235)


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png() -> bytes:
    rows = b"".join(
        b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(WIDTH)) for y in range(HEIGHT)
    )
    header = struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


if __name__ == "__main__":
    out = Path(__file__).with_name("sample.png")
    out.write_bytes(png())
    print(f"wrote {out} ({out.stat().st_size} bytes)")
