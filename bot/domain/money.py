"""Whole Colombian pesos: parsing what people type and showing amounts as ``$ 1.234.567``."""

from __future__ import annotations

import re

from bot.domain.errors import DomainError

MAX_COP = 100_000_000_000  # 100 mil millones: anything bigger is a typo
MAX_INPUT = 40

_PLAIN = re.compile(r"\d+")
_DOTS = re.compile(r"\d{1,3}(?:\.\d{3})+")
_COMMAS = re.compile(r"\d{1,3}(?:,\d{3})+")
_DECIMAL = re.compile(r"\d[\d.,]*[.,]\d{1,2}")


class MoneyError(DomainError):
    pass


def parse_cop(text: str | int | None, field: str = "valor", max_value: int = MAX_COP) -> int:
    """Parse "1.500.000", "$ 1.500.000", "1500000", "1,500,000", "COP 1.500.000" into 1500000."""
    if isinstance(text, bool):
        raise MoneyError(f"El campo «{field}» debe ser un valor en pesos.", field)
    if isinstance(text, int):
        raw = str(text)
    else:
        raw = (text or "").strip()
    if not raw:
        raise MoneyError(f"Escribe el {field} en pesos, por ejemplo 1.500.000.", field)
    if len(raw) > MAX_INPUT:
        raise MoneyError(f"El {field} es demasiado largo. Escríbelo como 1.500.000.", field)
    s = raw.replace("\u00a0", " ").replace("\u202f", " ")
    s = re.sub(r"(?i)^\s*cop\s*|\s*cop\s*$", "", s).strip()
    s = s.replace("$", "").replace(" ", "")
    if s.startswith("-") or s.startswith("−"):
        raise MoneyError(f"El {field} no puede ser negativo.", field)
    s = s.lstrip("+")
    if _PLAIN.fullmatch(s):
        value = int(s)
    elif _DOTS.fullmatch(s):
        value = int(s.replace(".", ""))
    elif _COMMAS.fullmatch(s):
        value = int(s.replace(",", ""))
    elif _DECIMAL.fullmatch(s):
        raise MoneyError(
            f"El {field} debe ser un número entero de pesos, sin decimales (ej. 1.500.000).", field
        )
    else:
        raise MoneyError(
            f"No entendí «{raw[:MAX_INPUT]}» como {field}. Escribe pesos enteros, por ejemplo 1.500.000 o 1500000.",
            field,
        )
    if value == 0:
        raise MoneyError(f"El {field} debe ser mayor que cero.", field)
    if value > max_value:
        raise MoneyError(f"El {field} supera el máximo permitido ({format_cop(max_value)}). ¿Revisas los ceros?", field)
    return value


def format_cop(n: int) -> str:
    """``$ 1.234.567`` (negatives ``-$ 1.234.567``)."""
    sign = "-" if n < 0 else ""
    return f"{sign}$ {abs(int(n)):,}".replace(",", ".")
