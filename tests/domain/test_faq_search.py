"""Search quality of /duda over the program's rules: realistic Spanish questions (typos, no accents,
synonyms) written from the rules; the right rule must be in the top 3 for at least 90 % of them."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.faq_search import Doc, Index, add_business_hours, asks_sales_to_sell
from bot.texts.rules_corpus import RULES

BOG = ZoneInfo("America/Bogota")

QUESTIONS: list[tuple[str, str]] = [
    ("cuanto es la comicion por vender un plan?", "comision"),
    ("que porcentaje me gano si vendo una pagina web", "comision"),
    ("cuánta plata me dan por una venta de 10 millones", "comision"),
    ("puedo venderle a un cliente que atiende otro compañero?", "quien-vende"),
    ("se puede vender a un cliente nuevo que no atiendo", "quien-vende"),
    ("como pido usuario de hubspot", "usuario-hubspot"),
    ("no tengo acceso a hubspot, a quien le escribo", "usuario-hubspot"),
    ("necesito cuenta en hubspo para subir el negocio", "usuario-hubspot"),
    ("donde creo el deal en hubspot", "negocio-hubspot"),
    ("como subo la venta a hubspot", "negocio-hubspot"),
    ("cuantos dias tengo para cerrar una renovacion", "renovaciones"),
    ("a quien le aviso que quiero renovar un cliente", "renovaciones"),
    ("que pasa si no alcanzo a renovar en el plazo", "renovaciones"),
    ("que es un cross sell", "cross-sale"),
    ("si un cliente de web quiere marketing que tipo de venta es", "cross-sale"),
    ("el upsell lo tiene que aprobar alguien?", "up-sale"),
    ("quien aprueba los addons de una pagina", "up-sale"),
    ("cuanto pagan por un lead bueno", "referidos-pago"),
    ("cuanto gano por referido vendido", "referidos-pago"),
    ("como refiero un cliente potencial", "referidos"),
    ("no quiero vender, puedo pasar el contacto de un conocido?", "referidos"),
    ("me equivoque en la cedula del referido", "cedula"),
    ("necesito una factura proforma para el cliente", "proforma"),
    ("como saco un link de pago", "proforma"),
    ("cuando es valida la venta", "auditoria"),
    ("cuando me pagan la comision, despues de que auditoria apruebe?", "auditoria"),
    ("a que hora es el corte de los negocios", "corte"),
    ("registré el negocio con la fecha de anticipo de la semana pasada, que pasa", "corte"),
    ("como registro una venta que ya cerre", "registrar"),
    ("donde esta la plantilla de cotizacion", "cotizacion"),
    ("cual es el precio de un sitio web? cotizador", "cotizacion"),
    ("donde genero el contrato", "contrato"),
    ("que comprobante de pago le pido al cliente", "pago-comprobante"),
    ("el cliente pidio descuento en el anticipo", "pago-comprobante"),
    ("quien me puede acompañar a una reunion con el cliente", "apoyo"),
    ("necesito asesoria comercial del cco", "apoyo"),
    ("si ventas y yo atendemos al mismo cliente de quien es la venta", "atribucion"),
    ("soy trafficker, soy kam?", "kams"),
    ("hay algun pitch o guion para vender", "pitch"),
    ("para que sirve este programa de ventas desde operaciones", "objetivo"),
]


def _index() -> Index:
    return Index([Doc(f"regla:{r.slug}", r.title, r.text, r.keywords) for r in RULES])


def test_top3_hit_rate_at_least_90_percent() -> None:
    index = _index()
    misses = []
    for question, slug in QUESTIONS:
        keys = [h.doc.key for h in index.search(question, limit=3)]
        if f"regla:{slug}" not in keys:
            misses.append((question, slug, keys))
    rate = 1 - len(misses) / len(QUESTIONS)
    print(f"\n/duda search: top-3 hit rate {rate:.1%} over {len(QUESTIONS)} questions; misses: {misses}")
    assert len(QUESTIONS) >= 30
    assert rate >= 0.90, misses


def test_accent_case_and_typo_insensitive() -> None:
    index = _index()
    a = [h.doc.key for h in index.search("¿CUÁNTO ES LA COMISIÓN?")]
    b = [h.doc.key for h in index.search("cuanto es la comicion")]
    assert a[0] == b[0] == "regla:comision"


def test_faq_entry_found_and_nonsense_finds_nothing() -> None:
    docs = [Doc(f"regla:{r.slug}", r.title, r.text, r.keywords) for r in RULES]
    docs.append(Doc("faq:1", "¿Se puede vender a clientes de Perú?", "Sí, facturando en dólares."))
    index = Index(docs)
    assert index.search("vender clientes en peru")[0].doc.key == "faq:1"
    assert index.search("xyzzy qwerty") == []
    assert index.search("   ") == []


@pytest.mark.parametrize("text", [
    "pueden ventas hacer la venta por mi?",
    "quiero que el equipo comercial le venda a mi cliente",
    "alguien de comercial que cierre la venta con mi cliente",
    "me venden el plan por mi, yo no se vender",
])
def test_sell_for_me_detected(text: str) -> None:
    assert asks_sales_to_sell(text)


@pytest.mark.parametrize("text", [
    "como subo la venta a hubspot",
    "cuanto comisiono por vender un plan",
    "necesito apoyo del cco para una reunion",
    "puedo vender por mi cuenta a un cliente que atiendo?",
    "ustedes saben a que hora es el cierre del corte?",
    "ustedes saben si puedo venderle a un cliente de otro kam?",
    "si ventas y yo atendemos al mismo cliente de quien es la venta",
])
def test_ordinary_questions_not_refused(text: str) -> None:
    assert not asks_sales_to_sell(text)


def test_business_hours_skip_nights_weekends_and_holidays() -> None:
    # Friday 04/12/2026 16:00 Bogotá + 4 business hours -> Monday 07/12 10:00 (Tuesday 08/12 is a holiday)
    start = datetime(2026, 12, 4, 21, 0, tzinfo=UTC)
    assert add_business_hours(start, 4, BOG) == datetime(2026, 12, 7, 10, 0, tzinfo=BOG)
    # Monday 07/12 17:00 + 2 h -> Wednesday 09/12 09:00 (08/12 Inmaculada Concepción)
    assert add_business_hours(datetime(2026, 12, 7, 22, 0, tzinfo=UTC), 2, BOG) == datetime(2026, 12, 9, 9, 0, tzinfo=BOG)
    # a night start counts from 08:00
    assert add_business_hours(datetime(2026, 12, 2, 2, 0, tzinfo=UTC), 24, BOG) == datetime(2026, 12, 4, 12, 0, tzinfo=BOG)
