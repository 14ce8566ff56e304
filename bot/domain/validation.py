"""Validation and normalisation of what people type: cédula, NIT, e-mails, phones, company names,
free text and HubSpot deal references. Every refusal is an ``InputError`` (a ``DomainError``) whose
text is Spanish and whose ``field`` names the option."""

from __future__ import annotations

import re
import unicodedata

import email_validator
import phonenumbers
from stdnum.co import nit as stdnum_nit

from bot.domain.errors import InputError

__all__ = [
    "clean_user_text",
    "fold_text",
    "mask_cedula",
    "nit_check_digit",
    "normalize_cedula",
    "normalize_company",
    "normalize_email",
    "normalize_phone",
    "parse_hubspot_deal_ref",
    "validate_domain_email",
    "validate_gmail",
    "validate_nit",
]


def _shown(text: str | None, limit: int = 40) -> str:
    """User text quoted back inside a message: one line, short, no backticks."""
    s = " ".join(str(text or "").split()).replace("`", "'")
    return s if len(s) <= limit else s[: limit - 1] + "…"


# ---- text keys ---------------------------------------------------------------------------------


def fold_text(text: str | None) -> str:
    """Accent- and case-insensitive key that keeps ñ distinct from n ("Sánchez" → "sanchez",
    "Peña" → "peña")."""
    out: list[str] = []
    for ch in unicodedata.normalize("NFD", unicodedata.normalize("NFC", text or "").casefold()):
        if unicodedata.combining(ch):
            if ch == "\u0303" and out and out[-1] == "n":  # n + combining tilde = ñ
                out[-1] = "ñ"
            continue
        out.append(ch)
    return "".join(out)


# Legal forms at the end of a Colombian (or foreign) company name, written without punctuation
# (punctuation has become spaces by the time they are matched): "S.A.S." → "s a s".
_LEGAL_SUFFIX = re.compile(
    r"(?:\s|^)(?:s\s?a\s?s|s\s?a|s\s?c\s?a|s\s?en\s?c(?:\s?s)?|s\s?c|ltda|limitada|e\s?u|e\s?s\s?p|bic|"
    r"y\s?cia|cia|y\s?compania|compania|sociedad anonima|sociedad por acciones simplificada|"
    r"inc|llc|corp|corporation|gmbh|s\s?l|sucursal colombia|en liquidacion)$"
)


def normalize_company(text: str | None) -> str:
    """Key for duplicate detection: case and accents folded (ñ→n), "&" read as "y", punctuation
    dropped, legal forms at the end dropped (S.A.S., SAS, S.A., LTDA, E.U., "& Cía", BIC…), spaces
    collapsed. "Pérez & Cía. Ltda." and "perez" give the same key."""
    s = fold_text(text).replace("ñ", "n").replace("&", " y ")
    s = re.sub(r"[^\w\s]|_", " ", s)
    s = " ".join(s.split())
    while True:
        shorter = " ".join(_LEGAL_SUFFIX.sub("", s).split())
        if shorter == s or not shorter:
            break
        s = shorter
    return s


# control characters except \t and \n; zero-width space, LRM/RLM, bidi embeddings/overrides/isolates,
# BOM. ZWNJ/ZWJ (U+200C/D) stay: emoji sequences need them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


# row ids are 32-bit signed integers in PostgreSQL (SERIAL); a larger number can name no row
MAX_ROW_ID = 2**31 - 1


def parse_row_id(text: str | int | None) -> int | None:
    """A database row id written by a person ("12", "#12", "12 · Cliente"), or None."""
    m = re.match(r"^\s*#?(\d{1,10})\b", str(text or ""))
    if not m:
        return None
    value = int(m.group(1))
    return value if 1 <= value <= MAX_ROW_ID else None


def strip_control(text: str) -> str:
    """``text`` without control and bidi-override characters (newline and tab kept). NUL, which
    PostgreSQL cannot store in text, is among them."""
    return _CONTROL.sub("", text)


def clean_user_text(
    text: str | None, field: str = "texto", max_len: int | None = None, *, required: bool = False
) -> str:
    """Free text from a person, made safe to store and show.

    Strips the ends and each line's trailing spaces, drops control and bidi-override characters
    (keeps newline and tab), turns 3+ line breaks into one blank line. With ``required`` refuses an
    empty result; with ``max_len`` refuses longer text, naming the limit. Empty text is returned as
    ``""`` unless ``required`` (callers use that for optional notes).
    """
    s = str(text or "").replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    s = _CONTROL.sub("", s)
    s = "\n".join(line.rstrip() for line in s.split("\n")).strip()
    s = re.sub(r"\n{3,}", "\n\n", s)
    if required and not s:
        raise InputError(f"El campo «{field}» no puede quedar vacío.", field)
    if max_len is not None and len(s) > max_len:
        raise InputError(
            f"El campo «{field}» admite máximo {max_len} caracteres y tiene {len(s)}. ¿Lo puedes acortar?", field
        )
    return s


# ---- identity numbers ---------------------------------------------------------------------------


def normalize_cedula(text: str | None, field: str = "cedula") -> str:
    """A Colombian cédula de ciudadanía: 6–10 digits once dots, spaces and dashes are removed, no
    leading zero. ``"1.020.304.050"`` → ``"1020304050"``."""
    raw = str(text or "").strip()
    s = re.sub(r"[.\s\-]", "", raw)
    if not s:
        raise InputError("Escribe tu número de cédula, por ejemplo 1.020.304.050.", field)
    if not re.fullmatch(r"[0-9]+", s):
        raise InputError(
            f"La cédula «{_shown(raw)}» debe tener solo números (puedes usar puntos), por ejemplo 1.020.304.050.",
            field,
        )
    if not 6 <= len(s) <= 10 or s.startswith("0"):
        raise InputError(
            "La cédula debe tener entre 6 y 10 dígitos y no empezar por 0. Revísala con cuidado: "
            "así identificamos quién envió el lead.",
            field,
        )
    return s


def mask_cedula(cedula: str | None) -> str:
    """Only the last four digits are shown: ``••••5678`` (for public posts)."""
    digits = re.sub(r"[^0-9]", "", str(cedula or ""))
    return "••••" + digits[-4:]


def nit_check_digit(base: str) -> int:
    """The DIAN check digit (dígito de verificación) of a NIT's base number (python-stdnum)."""
    if not re.fullmatch(r"[0-9]{1,15}", base or ""):
        raise ValueError("a NIT base is 1 to 15 digits")
    return int(stdnum_nit.calc_check_digit(base))


def validate_nit(text: str | None, field: str = "nit") -> str:
    """A NIT with its DIAN check digit, normalised to ``900123456-7``.

    The check digit is required and verified: after a dash ("900.123.456-7"), or as the last digit
    when there is no dash ("9001234567").
    """
    raw = str(text or "").strip()
    s = re.sub(r"[.\s,]", "", raw)
    example = "por ejemplo 900.123.456-7"
    if not s:
        raise InputError(f"Escribe el NIT con su dígito de verificación, {example}.", field)
    dashed = re.fullmatch(r"([0-9]{5,15})-([0-9])", s)
    plain = re.fullmatch(r"([0-9]{5,15})([0-9])", s)
    m = dashed or plain
    if not m or m.group(1).startswith("0"):
        raise InputError(
            f"«{_shown(raw)}» no parece un NIT. Escríbelo con su dígito de verificación, {example}.", field
        )
    base, dv = m.group(1), int(m.group(2))
    if nit_check_digit(base) != dv:
        if dashed:
            raise InputError(
                f"El dígito de verificación del NIT {base}-{dv} no es correcto. Revísalo en el RUT.", field
            )
        raise InputError(
            f"No pude verificar el NIT «{_shown(raw)}». Escríbelo con el dígito de verificación "
            f"después de un guion, {example}, y revísalo en el RUT.",
            field,
        )
    return f"{base}-{dv}"


# ---- contact data -------------------------------------------------------------------------------


def normalize_email(text: str | None, field: str = "correo") -> str:
    """Trimmed and lower-cased, checked by email-validator (syntax only: no DNS look-up): ASCII,
    an unquoted local part of at most 64 characters, a domain with a dot ending in a letter, at most
    254 characters."""
    raw = str(text or "").strip()
    s = raw.lower()
    example = "por ejemplo nombre@empresa.com"
    if not s:
        raise InputError(f"Escribe un correo, {example}.", field)
    try:
        email_validator.validate_email(s, check_deliverability=False, allow_smtputf8=False, strict=True)
    except email_validator.EmailNotValidError:
        raise InputError(f"«{_shown(raw, 60)}» no parece un correo válido ({example}).", field) from None
    return s


def validate_domain_email(text: str | None, domain: str = "sensedigital.co", field: str = "correo-sense") -> str:
    """A valid e-mail of the company's domain (the Sense e-mail)."""
    s = normalize_email(text, field)
    if s.rsplit("@", 1)[1] != domain.strip().lower().lstrip("@"):
        raise InputError(f"El correo de Sense debe terminar en @{domain.strip().lstrip('@')}.", field)
    return s


def validate_gmail(text: str | None, field: str = "gmail") -> str:
    """A valid Gmail address (gmail.com or googlemail.com)."""
    s = normalize_email(text, field)
    if s.rsplit("@", 1)[1] not in {"gmail.com", "googlemail.com"}:
        raise InputError("El Gmail debe ser una cuenta @gmail.com (por ejemplo nombre@gmail.com).", field)
    return s


_PHONE_HELP = (
    "El teléfono debe ser un número colombiano de 10 dígitos, por ejemplo 300 123 4567, "
    "+57 300 1234567 o un fijo como 601 2345678."
)


def normalize_phone(text: str | None, field: str = "telefono") -> str:
    """Colombian mobile (3xx) or landline (60x) numbers in their usual spellings → E.164
    ``+573001234567``. Accepts spaces, dashes, dots, parentheses and the +57 / 57 / 0057 prefix."""
    raw = str(text or "").strip()
    if not raw:
        raise InputError("Escribe un teléfono, por ejemplo 300 123 4567.", field)
    if len(raw) > 30 or not re.fullmatch(r"[0-9\s+().\-]+", raw) or raw.count("+") > 1:
        raise InputError(_PHONE_HELP, field)
    if "+" in raw and not re.match(r"^\(?\+", raw):
        raise InputError(_PHONE_HELP, field)
    digits = re.sub(r"[^0-9]", "", raw)
    if "+" in raw:
        spelled = "+" + digits
    elif digits.startswith("0057"):  # dialled from abroad; phonenumbers reads 005 as a carrier prefix
        spelled = "+" + digits[2:]
    elif len(digits) == 12 and digits.startswith("57"):
        spelled = "+" + digits
    else:
        spelled = digits
    try:
        number = phonenumbers.parse(spelled, "CO")
    except phonenumbers.NumberParseException:
        raise InputError(_PHONE_HELP, field) from None
    national = str(number.national_number)
    typed = spelled.removeprefix("+57")
    if typed != national:  # a trunk or carrier prefix the library dropped ("0 300…"): not a CO spelling
        raise InputError(_PHONE_HELP, field)
    # mobiles 3xx and landlines 60x, 10 digits (numbering plan of 2021; the library's per-range
    # validity tables would refuse newly assigned ranges, so only the shape is checked)
    if number.country_code != 57 or len(national) != 10 or not national.startswith(("3", "60")):
        raise InputError(_PHONE_HELP, field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# ---- HubSpot ------------------------------------------------------------------------------------
_HUBSPOT_URL = re.compile(
    r"(?:https?://)?app(?:-[a-z0-9]+)?\.hubspot\.com/(?:contacts|sales)/[0-9]+/"
    r"(?:record/0-3|deal|objects/0-3)/([0-9]{1,20})(?:[/?#]\S*)?",
    re.IGNORECASE,
)


def parse_hubspot_deal_ref(text: str | None, field: str = "negocio-hubspot") -> str:
    """A HubSpot deal id, typed as the number or pasted as the deal's URL
    (``https://app.hubspot.com/contacts/123456/record/0-3/987654321`` → ``"987654321"``)."""
    s = str(text or "").strip().strip("<>")
    if re.fullmatch(r"[0-9]{1,20}", s) and s.strip("0"):
        return s.lstrip("0")
    m = _HUBSPOT_URL.fullmatch(s)
    if m and m.group(1).strip("0"):
        return m.group(1).lstrip("0")
    raise InputError(
        "El negocio de HubSpot debe ser su número (ej. 987654321) o el enlace del negocio "
        "(https://app.hubspot.com/contacts/…/record/0-3/987654321).",
        field,
    )
