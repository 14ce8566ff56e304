from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.errors import DomainError, MoneyError
from bot.domain.money import MAX_COP, format_cop, parse_cop


@pytest.mark.parametrize(
    "text",
    [
        "1.500.000", "$ 1.500.000", "$1.500.000", "1500000", "1,500,000", "COP 1.500.000", " 1.500.000 ",
        "1\u00a0500\u00a0000", "1 500 000", "1.500.000 COP", "+1500000", "COP $ 1.500.000", "1.500.000 pesos",
        "\u00a0$\u00a01.500.000\u00a0", "cop1.500.000", "$ 1.500.000 COP", 1_500_000,
    ],
)
def test_accepted_spellings(text):
    assert parse_cop(text) == 1_500_000


@pytest.mark.parametrize(("text", "value"), [("1", 1), ("999", 999), ("1.000", 1000), ("12.000.000", 12_000_000)])
def test_small_and_grouped_values(text, value):
    assert parse_cop(text) == value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Escribe el valor total en pesos, por ejemplo 1.500.000 o 1500000."),
        ("   ", "Escribe el valor total en pesos, por ejemplo 1.500.000 o 1500000."),
        ("0", "El valor total debe ser mayor que cero."),
        ("$ 0", "El valor total debe ser mayor que cero."),
        ("-5.000", "El valor total no puede ser negativo."),
        ("-$ 5.000", "El valor total no puede ser negativo."),
        ("$ -5.000", "El valor total no puede ser negativo."),
        ("1.500.000,50", "El valor total debe ser un número entero de pesos, sin decimales (ej. 1.500.000)."),
        ("1500000.5", "El valor total debe ser un número entero de pesos, sin decimales (ej. 1.500.000)."),
        ("1.5", "El valor total debe ser un número entero de pesos, sin decimales (ej. 1.500.000)."),
        ("1,5", "El valor total debe ser un número entero de pesos, sin decimales (ej. 1.500.000)."),
        ("1.500.000,00", "El valor total debe ser un número entero de pesos, sin decimales (ej. 1.500.000)."),
        ("1.50.000", "No entendí «1.50.000» como valor total. Escribe pesos enteros, por ejemplo 1.500.000 o 1500000."),
        ("abc", "No entendí «abc» como valor total. Escribe pesos enteros, por ejemplo 1.500.000 o 1500000."),
        ("1e6", "No entendí «1e6» como valor total. Escribe pesos enteros, por ejemplo 1.500.000 o 1500000."),
        ("1.500,000", "No entendí «1.500,000» como valor total. Escribe pesos enteros, por ejemplo 1.500.000 o 1500000."),
        ("15 00 000", "No entendí «15 00 000» como valor total. Escribe pesos enteros, por ejemplo 1.500.000 o 1500000."),
        ("9" * 13, "El valor total supera el máximo permitido ($ 100.000.000.000). ¿Revisas los ceros?"),
        ("1" * 41, "El valor total es demasiado largo. Escríbelo en pesos, por ejemplo 1.500.000 o 1500000."),
    ],
)
def test_refusals_are_spanish(text, message):
    with pytest.raises(MoneyError) as exc:
        parse_cop(text, field="valor-total")
    assert str(exc.value) == message
    assert exc.value.field == "valor-total"
    assert isinstance(exc.value, DomainError) and isinstance(exc.value, ValueError)


def test_default_field_reads_like_the_brief():
    with pytest.raises(DomainError) as exc:
        parse_cop("1.500.000,50")
    assert str(exc.value) == "El valor debe ser un número entero de pesos, sin decimales (ej. 1.500.000)."
    assert exc.value.field == "valor"


def test_unicode_digits_and_odd_types_are_refused():
    for bad in ("١٥٠٠٠٠٠", "１５００", True, 1.5, Decimal("2.5"), None):
        with pytest.raises(DomainError):
            parse_cop(bad)  # type: ignore[arg-type]
    assert parse_cop(Decimal("1500000")) == 1_500_000


def test_configurable_maximum():
    assert parse_cop("13.000.000", max_value=13_000_000) == 13_000_000
    with pytest.raises(DomainError, match=r"máximo permitido \(\$ 12\.000\.000\)"):
        parse_cop("13.000.000", field="anticipo", max_value=12_000_000)


def test_format():
    assert format_cop(1234567) == "$ 1.234.567"
    assert format_cop(0) == "$ 0"
    assert format_cop(999) == "$ 999"
    assert format_cop(1000) == "$ 1.000"
    assert format_cop(-720000) == "-$ 720.000"


@given(st.integers(min_value=1, max_value=MAX_COP))
def test_format_parse_round_trip(n):
    assert parse_cop(format_cop(n)) == n
    assert parse_cop(str(n)) == n
    assert parse_cop(f"{n:,}") == n  # US-style grouping


@settings(max_examples=300)
@given(st.one_of(st.text(max_size=60), st.text(alphabet="0123456789.,$ -+COPcop\u00a0", max_size=25)))
def test_parse_never_raises_anything_but_domain_error(text):
    try:
        value = parse_cop(text)
    except DomainError as err:
        assert str(err) and err.field == "valor"
        return
    assert 1 <= value <= MAX_COP
