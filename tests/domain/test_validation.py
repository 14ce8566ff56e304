from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.enums import DealType, JobRole, Service
from bot.domain.errors import DomainError
from bot.domain.text import md
from bot.domain.validation import (
    clean_user_text, fold_text, mask_cedula, nit_check_digit, normalize_cedula, normalize_company, normalize_email,
    normalize_phone, parse_hubspot_deal_ref, validate_domain_email, validate_gmail, validate_nit,
)


def test_cedula():
    assert normalize_cedula("1.020.304.050") == "1020304050"
    assert normalize_cedula(" 79 123 456 ") == "79123456"
    for bad in ("", "abc", "12345", "01234567", "12345678901", "１２３４５６７"):
        with pytest.raises(DomainError) as exc:
            normalize_cedula(bad)
        assert "cédula" in str(exc.value)
    assert mask_cedula("1020304050") == "••••4050"


@given(st.integers(min_value=100_000, max_value=9_999_999_999))
def test_mask_reveals_at_most_four_digits(n):
    masked = mask_cedula(str(n))
    assert sum(ch.isdigit() for ch in masked) == 4 and str(n) not in masked


def test_nit_check_digit():
    assert nit_check_digit("800197268") == 4  # DIAN's own NIT: 800.197.268-4
    assert validate_nit("800.197.268-4") == "800197268-4"
    assert validate_nit("8001972684") == "800197268-4"
    with pytest.raises(DomainError, match="dígito de verificación"):
        validate_nit("800197268-5")
    with pytest.raises(DomainError):
        validate_nit("hola")


def test_emails():
    assert normalize_email("  Ana.Gomez@SenseDigital.co ") == "ana.gomez@sensedigital.co"
    assert validate_domain_email("ana@sensedigital.co", "sensedigital.co") == "ana@sensedigital.co"
    assert validate_gmail("ana.g@gmail.com") == "ana.g@gmail.com"
    for bad in ("ana", "ana@", "a b@x.co", "ana@@x.co", "ana@x", "ana..b@x.co", "x" * 250 + "@x.co"):
        with pytest.raises(DomainError, match="correo"):
            normalize_email(bad)
    with pytest.raises(DomainError, match="@sensedigital.co"):
        validate_domain_email("ana@gmail.com", "sensedigital.co")
    with pytest.raises(DomainError, match="gmail"):
        validate_gmail("ana@hotmail.com")


@pytest.mark.parametrize("text", ["300 123 4567", "+57 300 1234567", "(+57) 3001234567", "57-300-123-4567", "3001234567"])
def test_mobile_spellings(text):
    assert normalize_phone(text) == "+573001234567"


def test_landline_and_bad_phones():
    assert normalize_phone("601 2345678") == "+576012345678"
    for bad in ("12345", "+1 415 555 1234", "300123456", "llámame"):
        with pytest.raises(DomainError, match="teléfono"):
            normalize_phone(bad)


@given(st.sampled_from(["3", "60"]), st.integers(min_value=0, max_value=10**8 - 1))
def test_phone_normalisation_idempotent(prefix, rest):
    number = (prefix + str(rest).zfill(10 - len(prefix)))[:10]
    once = normalize_phone(number)
    assert normalize_phone(once) == once


def test_text_keys():
    assert fold_text("Sánchez") == fold_text("sanchez") == "sanchez"
    assert fold_text("Peña") == "peña" != fold_text("Pena")
    assert normalize_company("Ñandú Motos S.A.S.") == normalize_company("nandu motos sas") == "nandu motos"
    assert normalize_company("Pérez & Cía. Ltda") == normalize_company("perez y cia")


def test_clean_user_text():
    assert clean_user_text("  hola\x00\u202e mundo \n\n\n\nchao ") == "hola mundo \n\nchao"
    assert clean_user_text("") == ""
    with pytest.raises(DomainError, match="vacío"):
        clean_user_text("  ", "notas", required=True)
    with pytest.raises(DomainError, match="máximo 10"):
        clean_user_text("x" * 11, "notas", 10)


def test_hubspot_refs():
    assert parse_hubspot_deal_ref("987654321") == "987654321"
    assert parse_hubspot_deal_ref("https://app.hubspot.com/contacts/123456/record/0-3/987654321") == "987654321"
    assert parse_hubspot_deal_ref("https://app-eu1.hubspot.com/contacts/1/deal/55/") == "55"
    for bad in ("", "abc", "https://evil.example/record/0-3/1", "12 34"):
        with pytest.raises(DomainError, match="HubSpot"):
            parse_hubspot_deal_ref(bad)


def test_enums_and_labels():
    assert Service.parse("Página web") is Service.WEB
    assert Service.parse("CM") is Service.COMMUNITY_MANAGER and Service.parse("logo") is Service.BRANDING
    assert Service.parse("Google Ads") is Service.GOOGLE_ADS and Service.parse("aplicación") is Service.APP
    with pytest.raises(DomainError, match="servicio"):
        Service.parse("astronautas")
    assert DealType("up_sale").label == "Up sale" and JobRole.parse("Diseñador") is JobRole.DISENADOR


def test_md_breaks_mentions_and_markdown():
    out = md("@everyone **hola** <@&123> @here")
    assert "@everyone" not in out and "@here" not in out and "<@&123>" not in out and "\\*\\*hola\\*\\*" in out
