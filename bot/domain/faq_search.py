"""Ranked fuzzy search over the program's rules and the FAQ (``/duda``, ``/ayuda tema:``), and the
other pure rules of the questions channel: the "sell it for me" refusal and the SLA in business hours.

Search: text is folded (case, accents — ñ counts as n here: people type "compania"), split into
words, Spanish stop words dropped. Each query word is matched against the corpus vocabulary with
rapidfuzz (typos: "comicion" ~ "comision"; prefixes: "renovar" ~ "renovacion"); a document scores the
IDF-weighted similarity of the words it contains, its title and search words counting double.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz, process

from bot.domain.business_days import is_business_day

STOP = frozenset(
    ["a", "al", "algo", "alguien", "alguna", "algun", "como", "con", "cual", "cuales", "de", "del", "donde", "el", "ella", "ellos", "en", "entonces", "es", "esa", "ese", "eso", "esta", "este", "esto", "estoy", "fue", "hay", "la", "las", "le", "les", "lo", "los", "mas", "me", "mi", "mis", "muy", "no", "nos", "o", "para", "pero", "por", "porque", "puedo", "puede", "pueden", "que", "quien", "se", "ser", "si", "sin", "sobre", "son", "su", "sus", "tambien", "te", "tengo", "tiene", "tienen", "tu", "tus", "un", "una", "uno", "unos", "unas", "y", "ya", "yo", "hola", "buenas", "buenos", "dias", "tardes", "gracias", "favor", "alguno", "quiero", "quisiera", "saber", "pregunta", "duda", "ustedes", "usted", "hacer", "hago", "debo", "tener", "cuando", "cuanto", "cuanta"]
)
# words whose meaning matters even though they are short or common in questions
KEEP = frozenset({"cuanto", "cuando", "pm", "kam", "cm", "dm", "app", "web", "6", "am"})


def fold(text: str | None) -> str:
    s = unicodedata.normalize("NFD", str(text or "").casefold())
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", " ", s).strip()


def words(text: str | None) -> list[str]:
    out = []
    for w in fold(text).split():
        if w in KEEP or (w not in STOP and len(w) > 1):
            out.append(w)
    return out


@dataclass(frozen=True, slots=True)
class Doc:
    key: str  # "regla:<slug>" or "faq:<id>"
    title: str
    text: str
    keywords: str = ""


@dataclass(frozen=True, slots=True)
class Hit:
    doc: Doc
    score: float


@dataclass
class Index:
    docs: list[Doc]
    _terms: list[dict[str, float]] = field(default_factory=list)  # per doc: word -> weight (2 title/keywords, 1 text)
    _idf: dict[str, float] = field(default_factory=dict)
    _vocab: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        df: dict[str, int] = {}
        for d in self.docs:
            terms: dict[str, float] = {}
            for w in words(d.text):
                terms[w] = max(terms.get(w, 0.0), 1.0)
            for w in words(d.title + " " + d.keywords):
                terms[w] = 2.0
            self._terms.append(terms)
            for w in terms:
                df[w] = df.get(w, 0) + 1
        n = max(len(self.docs), 1)
        self._idf = {w: math.log(1 + n / c) for w, c in df.items()}
        self._vocab = sorted(df)

    def _similar(self, q: str) -> dict[str, float]:
        """Vocabulary words like ``q``, with a similarity in 0..1."""
        out: dict[str, float] = {}
        if not self._vocab:
            return out
        if len(q) >= 4:
            cutoff = 78 if len(q) >= 6 else 84
            for w, score, _ in process.extract(q, self._vocab, scorer=fuzz.ratio, score_cutoff=cutoff, limit=8):
                out[w] = score / 100
            stem = q[:5] if len(q) >= 6 else q
            for w in self._vocab:
                if len(w) >= 4 and (w.startswith(stem) or (len(w) >= 5 and q.startswith(w[:5]))):
                    out[w] = max(out.get(w, 0.0), 0.85)
        elif q in self._idf:
            out[q] = 1.0
        return out

    def search(self, query: str, limit: int = 3, min_score: float = 1.2) -> list[Hit]:
        qwords = list(dict.fromkeys(words(query)))
        if not qwords:
            return []
        matches = [self._similar(q) for q in qwords]
        hits: list[Hit] = []
        for doc, terms in zip(self.docs, self._terms, strict=True):
            score = 0.0
            for sim in matches:
                best = max((s * terms[w] * self._idf[w] for w, s in sim.items() if w in terms), default=0.0)
                score += best
            if score > 0:
                hits.append(Hit(doc, score / math.sqrt(len(qwords))))
        hits.sort(key=lambda h: (-h.score, h.doc.key))
        return [h for h in hits if h.score >= min_score][:limit]


# --- "sell it for me" -----------------------------------------------------------------------------
_SELL_FOR_ME = (
    # "que ventas / el equipo comercial le venda (cierre la venta, haga la venta…)"
    re.compile(r"\b(ventas|comercial|equipo comercial|vendedor(es)?|asesor(es)? comercial(es)?)\b.{0,40}"
               r"\b(venda|vendan|lo venda|lo vendan|(cierre|cierren) (la venta|el negocio)|(haga|hagan|hacer) la venta|"
               r"(se encargue|se encarguen) de (la venta|vender)|(tome|tomen) (el|al) cliente)\b"),
    # "véndanlo por mí" (but "vender por mi cuenta" is exactly what the rules ask)
    re.compile(r"\b(vend\w*|cerr\w*|cierr\w*)\b.{0,25}\bpor mi\b(?! cuenta| mism| propia)"),
    re.compile(r"\b(me|le) (vendan|hagan la venta|haga la venta)\b"),
)


def asks_sales_to_sell(text: str | None) -> bool:
    """True for a request that the sales team do the selling itself (the rules forbid it)."""
    s = " ".join(fold(text).split())
    return any(p.search(s) for p in _SELL_FOR_ME)


# --- business hours (Bogotá) --------------------------------------------------------------------
BUSINESS_START = 8  # 08:00
BUSINESS_END = 18  # 18:00


def add_business_hours(start: datetime, hours: float, tz: ZoneInfo) -> datetime:
    """``start`` plus ``hours`` of business time (Monday–Friday 08:00–18:00 in ``tz``, Colombian
    holidays excluded); aware UTC in, aware in ``tz`` out. Time outside business hours does not count."""
    t = start.astimezone(tz)
    left = timedelta(hours=hours)
    while True:
        day_start = t.replace(hour=BUSINESS_START, minute=0, second=0, microsecond=0)
        day_end = t.replace(hour=BUSINESS_END, minute=0, second=0, microsecond=0)
        if not is_business_day(t.date()) or t >= day_end:
            nxt = (t + timedelta(days=1)).replace(hour=BUSINESS_START, minute=0, second=0, microsecond=0)
            t = nxt
            continue
        if t < day_start:
            t = day_start
        room = day_end - t
        if left <= room:
            return t + left
        left -= room
        t = day_end


def top_counts(values: Iterable[str], n: int = 3) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
