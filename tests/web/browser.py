"""Headless Chromium from Debian's packages driven by Playwright (never ``playwright install``).

Without /usr/bin/chromium the browser tests are skipped with the reason, except in CI (``VENTAS_CI`` set by
``.ci/run``), where a missing browser fails them: CI installs Debian's ``chromium``."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("VENTAS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).parent / "artifacts"


def require_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("VENTAS_CI"):
        pytest.fail(f"CI must have Debian's chromium at {CHROMIUM} (.ci/run installs it)")
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium); CI installs it and runs these tests")


@pytest.fixture
async def browser() -> AsyncIterator[object]:
    require_chromium()
    from playwright.async_api import async_playwright  # after the check: the skip needs no Playwright driver

    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield b
        finally:
            await b.close()


async def shot(page: object, name: str) -> Path:
    """A full-page screenshot under tests/web/artifacts/ (gitignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path


def receipt_png(width: int = 320, height: int = 200) -> bytes:
    """A real (decodable) PNG that looks like a receipt: a blue band and grey lines on white."""
    import struct
    import zlib

    rows = []
    for y in range(height):
        row = bytearray([0])  # filter: none
        for x in range(width):
            if y < 36:
                px = (37, 99, 235)
            elif y % 24 in (0, 1) and 20 < x < width - 20 - (y * 3 % 90):
                px = (148, 163, 184)
            else:
                px = (255, 255, 255)
            row += bytes(px)
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows)))
            + chunk(b"IEND", b""))
