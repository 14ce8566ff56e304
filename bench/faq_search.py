"""/duda search: top-3 hit rate over the question set of tests/domain/test_faq_search.py, the time to build
the index from the rules plus N FAQ entries (done once per change of the FAQ) and the time of one
search, p50/p99.

    uv run python bench/faq_search.py
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.domain.faq_search import Doc, Index
from bot.services.questions import RULE_DOCS
from tests.domain.test_faq_search import QUESTIONS

WORDS = ["cliente", "factura", "pago", "hubspot", "negocio", "renovacion", "plan", "web", "pauta", "contrato", "anticipo", "comision", "lead", "cotizacion", "propuesta", "reunion", "dolares", "descuento", "fecha", "corte", "auditoria", "proforma", "link", "servicio"]


def faq(n: int, rng: random.Random) -> list[Doc]:
    return [Doc(f"faq:{i}", " ".join(rng.choices(WORDS, k=10)) + "?", " ".join(rng.choices(WORDS, k=40)))
            for i in range(1, n + 1)]


def main() -> None:
    rng = random.Random(22)
    for n in (0, 200, 1000):
        docs = [*RULE_DOCS, *faq(n, rng)]
        t0 = time.perf_counter()
        index = Index(docs)
        build = (time.perf_counter() - t0) * 1000
        times, hits = [], 0
        for _ in range(5):
            for question, slug in QUESTIONS:
                t0 = time.perf_counter()
                found = index.search(question, limit=3)
                times.append((time.perf_counter() - t0) * 1000)
                hits += f"regla:{slug}" in [h.doc.key for h in found]
        times.sort()
        p99 = times[int(len(times) * 0.99) - 1]
        print(f"{n:5d} FAQ entries: index built in {build:.0f} ms; top-3 hit rate {hits / (5 * len(QUESTIONS)):.1%}, "
              f"search p50 {statistics.median(times):.1f} ms, p99 {p99:.1f} ms ({len(times)} searches)")


if __name__ == "__main__":
    main()
