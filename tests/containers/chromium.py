"""A page as headless Chromium renders it, with no network beyond loopback."""

from __future__ import annotations

import struct
import subprocess
import zlib
from collections import Counter
from pathlib import Path

#: Every host name fails to resolve, so a page that needs the network shows it.
NO_NETWORK = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"


def _chromium(chromium: str, profile: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         f"--user-data-dir={profile}", NO_NETWORK, "--virtual-time-budget=20000", *arguments],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def rendered_dom(chromium: str, url: str, profile: Path) -> str:
    """The page's DOM once its scripts have run."""
    done = _chromium(chromium, profile, "--dump-dom", url)
    assert done.returncode == 0, done.stderr
    return done.stdout


def screenshot(chromium: str, url: str, path: Path, size: tuple[int, int]) -> Path:
    """A PNG of the page as it shows in a window of ``size`` pixels."""
    done = _chromium(chromium, path.parent / "profile", f"--window-size={size[0]},{size[1]}",
                     f"--screenshot={path}", url)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert path.is_file(), done.stderr
    return path


def colours(png: Path) -> tuple[tuple[int, int], Counter[tuple[int, int, int]]]:
    """The size of an 8-bit RGB(A) PNG, and how many pixels show each colour."""
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n"), f"{png} is no PNG"
    position, compressed = 8, b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind, body = data[position + 4 : position + 8], data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert (depth, interlace) == (8, 0), "not an 8-bit, non-interlaced PNG"
            assert colour_type in (2, 6), "not an RGB or RGBA PNG"
        elif kind == b"IDAT":
            compressed += body
        position += 12 + length
    channels = 4 if colour_type == 6 else 3
    stride = width * channels
    raw = zlib.decompress(compressed)
    previous = bytearray(stride)
    counts: Counter[tuple[int, int, int]] = Counter()
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        _unfilter(kind, line, previous, channels)
        pixels = zip(line[0::channels], line[1::channels], line[2::channels], strict=True)
        counts.update(pixels)
        previous = line
    return (width, height), counts


def _unfilter(kind: int, line: bytearray, previous: bytearray, channels: int) -> None:
    if kind == 0:
        return
    for i in range(len(line)):
        left = line[i - channels] if i >= channels else 0
        up = previous[i]
        if kind == 1:
            line[i] = (line[i] + left) & 0xFF
        elif kind == 2:
            line[i] = (line[i] + up) & 0xFF
        elif kind == 3:
            line[i] = (line[i] + (left + up) // 2) & 0xFF
        else:
            upper_left = previous[i - channels] if i >= channels else 0
            estimate = left + up - upper_left
            near_left, near_up = abs(estimate - left), abs(estimate - up)
            near_upper_left = abs(estimate - upper_left)
            if near_left <= near_up and near_left <= near_upper_left:
                predictor = left
            elif near_up <= near_upper_left:
                predictor = up
            else:
                predictor = upper_left
            line[i] = (line[i] + predictor) & 0xFF
