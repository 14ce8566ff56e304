"""Validation and normalisation of what people type: cédula, NIT, e-mails, phones, company names,
free text and HubSpot deal references. Every refusal is a ``DomainError`` with a Spanish message."""

from __future__ import annotations

import re
import unicodedata

from bot.domain.errors import DomainError

# ---- text keys ---------------------------------------------------------------------------------


def fold_text(text: str) -> str:
    """Accent- and case-insensitive key that keeps ñ distinct from n ("Sánchez" → "sanchez", "Peña" → "peña")."""
    out: list[str] = []
    for ch in unicodedata.normalize("NFD", (text or "").casefold()):
        if unicodedata.combining(ch):
            if ch == "\u0303" and out and out[-1] == "n":
                out[-1] = "ñ"
            continue
        out.append(ch)
    return "".join(out)


_LEGAL_SUFFIXES = re.compile(
    r"\b(s\s*a\s*s|sas|s\s*a|ltda|limitada|e\s*u|y\s*cia|cia|s\s*en\s*c|sucursal colombia|inc|llc|corp)\b"
)


def normalize_company(text: str) -> str:
    """Key for duplicate detection: no accents (ñ→n), no punctuation, no legal suffixes."""
    s = fold_text(text).replace("ñ", "n").replace("&", " y ")
    s = re.sub(r"[^\w\s]", " ", s)
    s = _LEGAL_SUFFIXES.sub(" ", s)
    return " ".join(s.split())


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def clean_user_text(text: str | None, field: str = "texto", max_len: int | None = None, *, required: bool = False) -> str:
    """Strip, drop control and bidi-override characters, collapse blank lines; refuse over ``max_len``."""
    s = _CONTROL.sub("", (text or "").replace("\r\n", "\n").replace("\r", "\n")).strip()
    s = re.sub(r"\n{3,}", "\n\n", s)
    s = re.sub(r"[ \t]{2,}", " ", s)
    if required and not s:
        raise DomainError(f"El campo «{field}» no puede quedar vacío.", field)
    if max_len is not None and len(s) > max_len:
        raise DomainError(f"El campo «{field}» admite máximo {max_len} caracteres (tiene {len(s)}).", field)
    return s


# ---- identity numbers ---------------------------------------------------------------------------


def normalize_cedula(text: str | None) -> str:
    """A Colombian cédula de ciudadanía: 6–10 digits, dots/spaces/dashes removed, no leading zero."""
    raw = (text or "").strip()
    s = re.sub(r"[.\s\-]", "", raw)
    if not s.isdigit() or not s.isascii():
        raise DomainError("La cédula debe tener solo números (puedes usar puntos), por ejemplo 1.020.304.050.", "cedula")
    if not 6 <= len(s) <= 10 or s.startswith("0"):
        raise DomainError("La cédula debe tener entre 6 y 10 dígitos y no empezar por 0. Revísala con cuidado: "
                          "así identificamos quién envió el lead.", "cedula")
    return s


def mask_cedula(cedula: str) -> str:
    """Only the last four digits are shown: ``••••5678``."""
    digits = re.sub(r"\D", "", cedula or "")
    return "••••" + digits[-4:] if digits else "••••"


_NIT_WEIGHTS = (3, 7, 13, 17, 19, 23, 29, 37, 41, 43, 47, 53, 59, 67, 71)


def nit_check_digit(base: str) -> int:
    total = sum(int(d) * w for d, w in zip(reversed(base), _NIT_WEIGHTS, strict=False))
    r = total % 11
    return r if r in (0, 1) else 11 - r


def validate_nit(text: str | None) -> str:
    """A NIT with its DIAN check digit, normalised to ``900123456-7``.

    The check digit is required: after a dash, or as the last digit when there is no dash.
    """
    raw = (text or "").strip()
    s = re.sub(r"[.\s]", "", raw)
    m = re.fullmatch(r"(\d{6,14})-(\d)", s) or re.fullmatch(r"(\d{6,14})(\d)", s)
    if not m or not s.isascii():
        raise DomainError("El NIT debe ir con su dígito de verificación, por ejemplo 900.123.456-7.", "nit")
    base, dv = m.group(1), int(m.group(2))
    if nit_check_digit(base) != dv:
        raise DomainError(f"El dígito de verificación del NIT {base}-{dv} no es correcto. Revísalo en el RUT.", "nit")
    return f"{base}-{dv}"


# ---- contact data -------------------------------------------------------------------------------
_EMAIL = re.compile(r"[a-z0-9](?:[a-z0-9._%+\-]{0,62}[a-z0-9_%+\-])?@[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?)*\.[a-z]{2,24}")


def normalize_email(text: str | None, field: str = "correo") -> str:
    s = (text or "").strip().lower()
    if not s or len(s) > 254 or not s.isascii() or ".." in s or not _EMAIL.fullmatch(s):
        raise DomainError(f"«{(text or '').strip()[:60]}» no parece un correo válido (ej. nombre@empresa.com).", field)
    return s


def validate_domain_email(text: str | None, domain: str = "sensedigital.co", field: str = "correo-sense") -> str:
    s = normalize_email(text, field)
    if s.rsplit("@", 1)[1] != domain.lower():
        raise DomainError(f"El correo de Sense debe terminar en @{domain}.", field)
    return s


def validate_gmail(text: str | None, field: str = "gmail") -> str:
    s = normalize_email(text, field)
    if s.rsplit("@", 1)[1] not in {"gmail.com", "googlemail.com"}:
        raise DomainError("El Gmail debe ser una cuenta @gmail.com.", field)
    return s


def normalize_phone(text: str | None, field: str = "telefono") -> str:
    """Colombian mobile (3xx) or landline (60x) numbers in their usual spellings → ``+573001234567``."""
    raw = (text or "").strip()
    if len(raw) > 30 or re.search(r"[^\d\s+().\-]", raw):
        raise DomainError("El teléfono debe ser un número colombiano, por ejemplo 300 123 4567 o +57 300 1234567.", field)
    digits = re.sub(r"\D", "", raw)
    if len(digits) == 12 and digits.startswith("57"):
        digits = digits[2:]
    if len(digits) == 10 and (digits.startswith("3") or digits.startswith("60")):
        return "+57" + digits
    raise DomainError("El teléfono debe ser un número colombiano, por ejemplo 300 123 4567 o +57 300 1234567.", field)


# ---- HubSpot ------------------------------------------------------------------------------------
_HUBSPOT_URL = re.compile(
    r"https?://app(?:-[a-z0-9]+)?\.hubspot\.com/contacts/\d+/(?:record/0-3|deal|objects/0-3)/(\d{1,20})(?:[/?#].*)?",
    re.IGNORECASE,
)


def parse_hubspot_deal_ref(text: str | None) -> str:
    """A HubSpot deal id, typed as the number or pasted as the deal's URL."""
    s = (text or "").strip()
    if re.fullmatch(r"\d{1,20}", s):
        return s.lstrip("0") or "0"
    m = _HUBSPOT_URL.fullmatch(s)
    if m:
        return m.group(1)
    raise DomainError(
        "El negocio de HubSpot debe ser su número (ej. 987654321) o el enlace del negocio "
        "(https://app.hubspot.com/contacts/…/record/0-3/987654321).",
        "negocio-hubspot",
    )
