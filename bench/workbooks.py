"""Benchmark of the shared spreadsheet writer (bot/services/workbooks.py): N deal rows of the daily
export written to XLSX (write-only, streamed) and CSV; prints wall and CPU seconds (the CPU figure
is the one that survives a loaded machine), rows per CPU second, file sizes and the process's peak
RSS (flat in N: rows are not kept).

    uv run python bench/workbooks.py                 # N = 10000, 50000
    uv run python bench/workbooks.py --rows 100000
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.services.export import DEAL_COLUMNS
from bot.services.workbooks import Book, CsvTable


def rows(n: int):
    start = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
    for i in range(n):
        value = 1_000_000 + i * 37
        yield [i + 1, date(2026, 11, 22), start + timedelta(seconds=i), f"KAM {i % 40}", f"Cliente {i} S.A.S.",
               "Cross sale", "Social Ads", value, value // 2, value * 6 // 100, "Pendiente", "No", str(9_000_000 + i),
               "Coincide", "Adjunto"]


def run(n: int, folder: Path) -> None:
    t0, c0 = time.perf_counter(), time.process_time()
    book = Book()
    table = book.table("negocios", DEAL_COLUMNS)
    csv_table, f = CsvTable.open(folder / f"n{n}.csv", DEAL_COLUMNS)
    for r in rows(n):
        table.append(r)
        csv_table.append(r)
    book.save(folder / f"n{n}.xlsx")
    f.close()
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    xlsx, csv_ = (folder / f"n{n}.xlsx").stat().st_size, (folder / f"n{n}.csv").stat().st_size
    print(f"rows={n:>7}  wall {secs:6.2f} s  cpu {cpu:6.2f} s  {n / cpu:6.0f} rows per cpu-second  xlsx={xlsx / 1e6:5.1f} MB  csv={csv_ / 1e6:5.1f} MB  "
          f"peak RSS={rss:5.0f} MB")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, nargs="+", default=[10_000, 50_000])
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.rows:
            run(n, Path(tmp))


if __name__ == "__main__":
    main()
