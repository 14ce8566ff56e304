from __future__ import annotations

import pytest

from bot.domain.enums import (
    ApprovalKind,
    ApprovalStatus,
    CommissionKind,
    CommissionState,
    DealStatus,
    DealType,
    JobRole,
    LeadStatus,
    RenewalStatus,
    Service,
)
from bot.domain.errors import DomainError


def test_values_are_stable_strings_and_labels_spanish():
    assert [m.value for m in DealType] == ["renovacion", "cross_sale", "up_sale"]
    assert [m.label for m in DealType] == ["Renovación", "Cross sale", "Up sale"]
    assert DealType("up_sale") is DealType.UP_SALE and DealType.UP_SALE == "up_sale" and f"{DealType.UP_SALE}" == "up_sale"
    assert DealType.UP_SALE.needs_coo and not DealType.CROSS_SALE.needs_coo
    assert [m.value for m in DealStatus] == ["pendiente", "aprobado", "rechazado", "anulado"]
    assert [m.value for m in ApprovalKind] == ["auditoria", "coo", "atribucion", "usuario_hubspot", "proforma"]
    assert [m.value for m in ApprovalStatus] == ["pendiente", "aprobada", "rechazada", "cancelada"]
    assert [m.value for m in LeadStatus] == ["nuevo", "bueno", "malo", "vendido"]
    assert [m.value for m in CommissionKind] == ["comision", "referido", "reverso"]
    assert CommissionKind.COMISION.label == "Comisión"
    assert [m.value for m in CommissionState] == ["pendiente", "ganada", "rechazada", "reversada"]
    assert [m.value for m in RenewalStatus] == ["abierta", "cerrada", "liberada", "vencida"]
    assert JobRole.LIDER_DESARROLLO.label == "Líder de desarrollo" and JobRole.DISENADOR.label == "Diseñador"
    assert {m.value: m.label for m in Service} == {
        "web": "Sitio web", "social_ads": "Social Ads", "google_ads": "Google Ads",
        "community_manager": "Community Manager", "digital_manager": "Digital Manager",
        "branding": "Logos y brochures", "app": "Aplicación", "otro": "Otro",
    }
    assert DealType.choices() == [("Renovación", "renovacion"), ("Cross sale", "cross_sale"), ("Up sale", "up_sale")]
    with pytest.raises(ValueError):
        DealType("venta")


@pytest.mark.parametrize(
    ("text", "service"),
    [
        ("web", Service.WEB), ("Página web", Service.WEB), ("PAGINA WEB", Service.WEB), ("sitio web", Service.WEB),
        ("Sitio Web", Service.WEB), ("CM", Service.COMMUNITY_MANAGER), ("community manager", Service.COMMUNITY_MANAGER),
        ("DM", Service.DIGITAL_MANAGER), ("digital_manager", Service.DIGITAL_MANAGER), ("logo", Service.BRANDING),
        ("Brochure", Service.BRANDING), ("Logos y brochures", Service.BRANDING), ("social ads", Service.SOCIAL_ADS),
        ("Meta Ads", Service.SOCIAL_ADS), ("pauta social", Service.SOCIAL_ADS), ("social-ads", Service.SOCIAL_ADS),
        ("SocialAds", Service.SOCIAL_ADS), ("google", Service.GOOGLE_ADS), ("Google Ads", Service.GOOGLE_ADS),
        ("SEM", Service.GOOGLE_ADS), ("google_ads", Service.GOOGLE_ADS), ("app", Service.APP),
        ("aplicación", Service.APP), ("APLICACION", Service.APP), ("  otro ", Service.OTRO), (Service.APP, Service.APP),
    ],
)
def test_service_parse(text, service):
    assert Service.parse(text) is service


def test_service_parse_refusal_lists_the_options():
    with pytest.raises(DomainError) as exc:
        Service.parse("astronautas")
    assert str(exc.value) == (
        "No reconozco el servicio «astronautas». Usa uno de estos: Sitio web, Social Ads, Google Ads, "
        "Community Manager, Digital Manager, Logos y brochures, Aplicación o Otro."
    )
    assert exc.value.field == "servicio"
    with pytest.raises(DomainError, match="«\\(vacío\\)»"):
        Service.parse("")


def test_deal_type_and_role_parse():
    assert DealType.parse("Renovación") is DealType.RENOVACION
    assert DealType.parse("cross sale") is DealType.CROSS_SALE and DealType.parse("Up-Sale") is DealType.UP_SALE
    assert DealType.parse("upsell") is DealType.UP_SALE
    with pytest.raises(DomainError, match="tipo de negocio") as exc:
        DealType.parse("regalo")
    assert exc.value.field == "tipo"
    assert JobRole.parse("Diseñador") is JobRole.DISENADOR and JobRole.parse("disenador") is JobRole.DISENADOR
    assert JobRole.parse("líder de desarrollo") is JobRole.LIDER_DESARROLLO and JobRole.parse("CM") is JobRole.CONTENT_MANAGER
    assert LeadStatus.parse("VENDIDO") is LeadStatus.VENDIDO
    with pytest.raises(DomainError, match="rol"):
        JobRole.parse("astronauta")
