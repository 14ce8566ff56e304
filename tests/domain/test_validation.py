from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.errors import DomainError, InputError
from bot.domain.validation import (
    clean_user_text,
    fold_text,
    mask_cedula,
    nit_check_digit,
    normalize_cedula,
    normalize_company,
    normalize_email,
    normalize_phone,
    parse_hubspot_deal_ref,
    validate_domain_email,
    validate_gmail,
    validate_nit,
)

# ---- cédula -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1.020.304.050", "1020304050"), (" 79 123 456 ", "79123456"), ("79-123-456", "79123456"), ("123456", "123456")],
)
def test_cedula(text, expected):
    assert normalize_cedula(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Escribe tu número de cédula, por ejemplo 1.020.304.050."),
        ("abc", "La cédula «abc» debe tener solo números (puedes usar puntos), por ejemplo 1.020.304.050."),
        ("１２３４５６７", "debe tener solo números"),
        ("12345", "La cédula debe tener entre 6 y 10 dígitos y no empezar por 0. Revísala con cuidado: "
                  "así identificamos quién envió el lead."),
        ("01234567", "no empezar por 0"),
        ("12345678901", "entre 6 y 10 dígitos"),
    ],
)
def test_bad_cedula(text, message):
    with pytest.raises(InputError) as exc:
        normalize_cedula(text)
    assert message in str(exc.value) and exc.value.field == "cedula"


def test_mask_cedula():
    assert mask_cedula("1020304050") == "••••4050"
    assert mask_cedula("1.020.304.050") == "••••4050"
    assert mask_cedula("") == "••••"


@given(st.integers(min_value=100_000, max_value=9_999_999_999))
def test_mask_reveals_at_most_four_digits(n):
    masked = mask_cedula(str(n))
    assert sum(ch.isdigit() for ch in masked) == 4 and str(n) not in masked
    assert masked.endswith(str(n)[-4:])


@given(st.text(max_size=30))
def test_mask_never_reveals_more_than_four_digits_of_anything(text):
    assert sum(ch.isdigit() for ch in mask_cedula(text)) <= 4


# ---- NIT ---------------------------------------------------------------------------------------


def test_nit_check_digit():
    assert nit_check_digit("800197268") == 4  # DIAN: 800.197.268-4
    assert nit_check_digit("899999068") == 1  # Ecopetrol: 899.999.068-1
    assert nit_check_digit("860034313") == 7  # Banco Davivienda: 860.034.313-7
    assert validate_nit("800.197.268-4") == "800197268-4"
    assert validate_nit(" 800 197 268 - 4 ") == "800197268-4"
    assert validate_nit("8001972684") == "800197268-4"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("800197268-5", "El dígito de verificación del NIT 800197268-5 no es correcto. Revísalo en el RUT."),
        ("800197268", "Escríbelo con el dígito de verificación después de un guion"),
        ("hola", "«hola» no parece un NIT"),
        ("", "Escribe el NIT con su dígito de verificación"),
        ("0800197268-4", "no parece un NIT"),
    ],
)
def test_bad_nit(text, message):
    with pytest.raises(InputError) as exc:
        validate_nit(text)
    assert message in str(exc.value) and exc.value.field == "nit"


@given(st.integers(min_value=10_000, max_value=999_999_999_999))
def test_nit_round_trip(base):
    nit = f"{base}-{nit_check_digit(str(base))}"
    assert validate_nit(nit) == nit and validate_nit(nit.replace("-", "")) == nit


# ---- e-mail ------------------------------------------------------------------------------------


def test_emails():
    assert normalize_email("  Ana.Gomez@SenseDigital.co ") == "ana.gomez@sensedigital.co"
    assert normalize_email("a+b_c-d@mail.empresa.com.co") == "a+b_c-d@mail.empresa.com.co"
    assert validate_domain_email("Ana@SenseDigital.co") == "ana@sensedigital.co"
    assert validate_domain_email("ana@sense.example", "sense.example") == "ana@sense.example"
    assert validate_gmail("Ana.G@gmail.com") == "ana.g@gmail.com"
    assert validate_gmail("ana@googlemail.com") == "ana@googlemail.com"


@pytest.mark.parametrize(
    "bad", ["ana", "ana@", "@x.co", "a b@x.co", "ana@@x.co", "ana@x", "ana..b@x.co", ".ana@x.co", "ana@-x.co",
            "ana@x..co", "x" * 250 + "@x.co", "x" * 65 + "@x.co", "añá@x.co", "ana@x.c0"],
)
def test_bad_emails(bad):
    with pytest.raises(InputError) as exc:
        normalize_email(bad, field="correo")
    assert "no parece un correo válido (por ejemplo nombre@empresa.com)" in str(exc.value)
    assert exc.value.field == "correo"


def test_wrong_domains():
    with pytest.raises(InputError) as exc:
        validate_domain_email("ana@gmail.com", "sensedigital.co")
    assert str(exc.value) == "El correo de Sense debe terminar en @sensedigital.co." and exc.value.field == "correo-sense"
    with pytest.raises(InputError, match=r"El Gmail debe ser una cuenta @gmail.com") as exc:
        validate_gmail("ana@hotmail.com")
    assert exc.value.field == "gmail"
    with pytest.raises(InputError, match="Escribe un correo"):
        validate_gmail("")


# ---- phone -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["300 123 4567", "+57 300 1234567", "(+57) 3001234567", "57-300-123-4567", "3001234567", "+573001234567",
     "300.123.4567", "0057 300 123 4567", "(300) 123-4567", "573001234567"],
)
def test_mobile_spellings(text):
    assert normalize_phone(text) == "+573001234567"


def test_landlines():
    assert normalize_phone("601 2345678") == "+576012345678"
    assert normalize_phone("(604) 444 5566") == "+576044445566"
    assert normalize_phone("+57 601 234 5678") == "+576012345678"


@pytest.mark.parametrize(
    "bad", ["12345", "+1 415 555 1234", "300123456", "30012345678", "llámame", "2345678", "5001234567",
            "+3001234567", "300+1234567", "", "+57", "1-800-555-0199", "0 300 123 4567", "03 300 123 4567"],
)
def test_bad_phones(bad):
    with pytest.raises(InputError) as exc:
        normalize_phone(bad)
    assert "teléfono" in str(exc.value) and exc.value.field == "telefono"


@given(st.sampled_from(["3", "60"]), st.integers(min_value=0, max_value=10**9 - 1))
def test_phone_normalisation_idempotent(prefix, rest):
    number = prefix + str(rest).zfill(10 - len(prefix))[-(10 - len(prefix)):]
    once = normalize_phone(number)
    assert re.fullmatch(r"\+57[0-9]{10}", once)
    assert normalize_phone(once) == once
    spaced = f"+57 {number[:3]} {number[3:6]} {number[6:]}"
    assert normalize_phone(spaced) == once


@given(st.text(max_size=30))
def test_phone_only_raises_domain_errors(text):
    try:
        out = normalize_phone(text)
    except DomainError:
        return
    assert normalize_phone(out) == out


# ---- text keys ---------------------------------------------------------------------------------


def test_fold_text():
    assert fold_text("Sánchez") == fold_text("sanchez") == "sanchez"
    assert fold_text("Peña") == "peña" != fold_text("Pena")
    assert fold_text("PEÑA") == "peña"
    assert fold_text("Pen\u0303a") == "peña"  # decomposed ñ
    assert fold_text("Ü ÁÉÍÓÚ") == "u aeiou"
    assert fold_text(None) == ""


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Ñandú Motos S.A.S.", "nandu motos"), ("Pérez & Cía. Ltda", "perez"), ("perez y cia", "perez"),
        ("ACME S.A.", "acme"), ("Acme SAS", "acme"), ("Acme, Ltda.", "acme"), ("Acme E.U.", "acme"),
        ("  Café   del   Mar  ", "cafe del mar"), ("Acme S.A.S. BIC", "acme"), ("Empresas Públicas E.S.P.", "empresas publicas"),
    ],
)
def test_normalize_company(a, b):
    assert normalize_company(a) == b


def test_normalize_company_keeps_names_made_of_suffixes_and_inner_words():
    assert normalize_company("SAS") == "sas"
    assert normalize_company("Casa Linda") == "casa linda"
    assert normalize_company("Farmacia Cia Central") == "farmacia cia central"


# ---- free text ---------------------------------------------------------------------------------


def test_clean_user_text():
    assert clean_user_text("  hola\x00\u202e mundo \n\n\n\nchao ") == "hola mundo\n\nchao"
    assert clean_user_text("a\tb\r\nc") == "a\tb\nc"
    assert clean_user_text("a\u200bb\ufeff") == "ab"
    assert clean_user_text("👨\u200d👩\u200d👧") == "👨\u200d👩\u200d👧"  # ZWJ kept for emoji
    assert clean_user_text("") == "" and clean_user_text(None) == ""
    assert clean_user_text("x" * 10, "notas", 10) == "x" * 10


def test_clean_user_text_refusals():
    with pytest.raises(InputError) as exc:
        clean_user_text("  \n ", "notas", required=True)
    assert str(exc.value) == "El campo «notas» no puede quedar vacío." and exc.value.field == "notas"
    with pytest.raises(InputError) as exc:
        clean_user_text("x" * 11, "notas", 10)
    assert str(exc.value) == "El campo «notas» admite máximo 10 caracteres y tiene 11. ¿Lo puedes acortar?"


@given(st.text(max_size=200))
def test_clean_user_text_properties(text):
    out = clean_user_text(text)
    assert out == out.strip() and "\n\n\n" not in out and "\x00" not in out
    assert clean_user_text(out) == out


# ---- HubSpot references ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("987654321", "987654321"), (" 987654321 ", "987654321"),
        ("https://app.hubspot.com/contacts/123456/record/0-3/987654321", "987654321"),
        ("https://app.hubspot.com/contacts/123456/record/0-3/987654321/", "987654321"),
        ("https://app.hubspot.com/contacts/123456/record/0-3/987654321/view/1?tab=x", "987654321"),
        ("https://app.hubspot.com/contacts/123456/deal/987654321", "987654321"),
        ("https://app-eu1.hubspot.com/contacts/1/deal/55/", "55"),
        ("app.hubspot.com/contacts/123456/record/0-3/987654321", "987654321"),
        ("<https://app.hubspot.com/contacts/123456/record/0-3/987654321>", "987654321"),
    ],
)
def test_hubspot_refs(text, expected):
    assert parse_hubspot_deal_ref(text) == expected


@pytest.mark.parametrize(
    "bad", ["", "abc", "0", "https://evil.example/record/0-3/1", "12 34",
            "https://app.hubspot.com/contacts/123456/record/0-1/987654321",  # a contact, not a deal
            "https://app.hubspot.com.evil.example/contacts/1/deal/5", "1" * 21],
)
def test_bad_hubspot_refs(bad):
    with pytest.raises(InputError) as exc:
        parse_hubspot_deal_ref(bad)
    assert str(exc.value).startswith("El negocio de HubSpot debe ser su número (ej. 987654321) o el enlace del negocio")
    assert exc.value.field == "negocio-hubspot"
