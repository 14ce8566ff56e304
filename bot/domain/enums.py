"""The program's vocabularies. Values are stored in the database; ``.label`` is what users read."""

from __future__ import annotations

from enum import StrEnum

from bot.domain.errors import DomainError


class _Labelled(StrEnum):

    @property
    def label(self) -> str:
        return type(self)._LABELS.get(self.value, self.value)  # type: ignore[attr-defined]


class DealType(_Labelled):
    RENOVACION = "renovacion"
    CROSS_SALE = "cross_sale"
    UP_SALE = "up_sale"


DealType._LABELS = {"renovacion": "Renovación", "cross_sale": "Cross sale", "up_sale": "Up sale"}  # type: ignore[attr-defined]


class DealStatus(_Labelled):
    PENDIENTE = "pendiente"
    APROBADO = "aprobado"
    RECHAZADO = "rechazado"
    ANULADO = "anulado"


DealStatus._LABELS = {"pendiente": "Pendiente", "aprobado": "Aprobado", "rechazado": "Rechazado", "anulado": "Anulado"}  # type: ignore[attr-defined]


class ApprovalKind(_Labelled):
    AUDITORIA = "auditoria"
    COO = "coo"
    ATRIBUCION = "atribucion"
    USUARIO_HUBSPOT = "usuario_hubspot"
    PROFORMA = "proforma"


ApprovalKind._LABELS = {  # type: ignore[attr-defined]
    "auditoria": "Auditoría del pago",
    "coo": "Aprobación del COO",
    "atribucion": "Disputa de atribución",
    "usuario_hubspot": "Usuario de HubSpot",
    "proforma": "Proforma / link de pago",
}


class ApprovalStatus(_Labelled):
    PENDIENTE = "pendiente"
    APROBADA = "aprobada"
    RECHAZADA = "rechazada"


ApprovalStatus._LABELS = {"pendiente": "Pendiente", "aprobada": "Aprobada", "rechazada": "Rechazada"}  # type: ignore[attr-defined]


class LeadStatus(_Labelled):
    NUEVO = "nuevo"
    BUENO = "bueno"
    MALO = "malo"
    VENDIDO = "vendido"


LeadStatus._LABELS = {"nuevo": "Nuevo", "bueno": "Bueno", "malo": "Malo", "vendido": "Vendido"}  # type: ignore[attr-defined]


class CommissionKind(_Labelled):
    COMISION = "comision"
    REFERIDO = "referido"
    REVERSO = "reverso"


CommissionKind._LABELS = {"comision": "Comisión", "referido": "Referido", "reverso": "Reverso"}  # type: ignore[attr-defined]


class CommissionState(_Labelled):
    PENDIENTE = "pendiente"
    GANADA = "ganada"
    RECHAZADA = "rechazada"
    REVERSADA = "reversada"


CommissionState._LABELS = {  # type: ignore[attr-defined]
    "pendiente": "Pendiente", "ganada": "Ganada", "rechazada": "Rechazada", "reversada": "Reversada",
}


class RenewalStatus(_Labelled):
    ABIERTA = "abierta"
    CERRADA = "cerrada"
    LIBERADA = "liberada"
    VENCIDA = "vencida"


RenewalStatus._LABELS = {"abierta": "Abierta", "cerrada": "Cerrada", "liberada": "Liberada", "vencida": "Vencida"}  # type: ignore[attr-defined]


class JobRole(_Labelled):
    LIDER_DESARROLLO = "lider_desarrollo"
    CONTENT_MANAGER = "content_manager"
    DIGITAL_MANAGER = "digital_manager"
    TRAFFICKER = "trafficker"
    DISENADOR = "disenador"
    OTRO = "otro"

    @classmethod
    def parse(cls, text: str) -> JobRole:
        from bot.domain.validation import fold_text

        key = " ".join(fold_text(text or "").replace("_", " ").replace("-", " ").split()).replace("ñ", "n")
        for member in cls:
            if key in {member.value.replace("_", " "), fold_text(member.label).replace("ñ", "n")}:
                return member
        aliases = {"cm": cls.CONTENT_MANAGER, "dm": cls.DIGITAL_MANAGER, "lider": cls.LIDER_DESARROLLO,
                   "desarrollo": cls.LIDER_DESARROLLO, "disenador": cls.DISENADOR, "diseno": cls.DISENADOR}
        if key in aliases:
            return aliases[key]
        raise DomainError(
            f"No reconozco el rol «{(text or '')[:40]}». Usa uno de: " + ", ".join(m.label for m in cls) + ".", "rol"
        )


JobRole._LABELS = {  # type: ignore[attr-defined]
    "lider_desarrollo": "Líder de desarrollo",
    "content_manager": "Content Manager",
    "digital_manager": "Digital Manager",
    "trafficker": "Trafficker",
    "disenador": "Diseñador",
    "otro": "Otro",
}


class Service(_Labelled):
    WEB = "web"
    SOCIAL_ADS = "social_ads"
    GOOGLE_ADS = "google_ads"
    COMMUNITY_MANAGER = "community_manager"
    DIGITAL_MANAGER = "digital_manager"
    BRANDING = "branding"
    APP = "app"
    OTRO = "otro"

    @classmethod
    def parse(cls, text: str) -> Service:
        """Accept values, labels and common names, accent- and case-insensitively."""
        from bot.domain.validation import fold_text

        raw = (text or "").strip()
        key = " ".join(fold_text(raw).replace("_", " ").replace("-", " ").replace("/", " ").split())
        for member in cls:
            if key in {member.value.replace("_", " "), fold_text(member.label)}:
                return member
        if key in _SERVICE_ALIASES:
            return _SERVICE_ALIASES[key]
        raise DomainError(
            f"No reconozco el servicio «{raw[:40]}». Usa uno de: " + ", ".join(m.label for m in cls) + ".", "servicio"
        )


Service._LABELS = {  # type: ignore[attr-defined]
    "web": "Sitio web",
    "social_ads": "Social Ads",
    "google_ads": "Google Ads",
    "community_manager": "Community Manager",
    "digital_manager": "Digital Manager",
    "branding": "Logos y brochures",
    "app": "Aplicación",
    "otro": "Otro",
}

_SERVICE_ALIASES: dict[str, Service] = {
    "pagina web": Service.WEB, "sitio web": Service.WEB, "sitio": Service.WEB, "website": Service.WEB,
    "pagina": Service.WEB, "desarrollo web": Service.WEB,
    "social": Service.SOCIAL_ADS, "meta ads": Service.SOCIAL_ADS, "facebook ads": Service.SOCIAL_ADS,
    "pauta social": Service.SOCIAL_ADS, "socialads": Service.SOCIAL_ADS,
    "google": Service.GOOGLE_ADS, "sem": Service.GOOGLE_ADS, "googleads": Service.GOOGLE_ADS,
    "cm": Service.COMMUNITY_MANAGER, "community": Service.COMMUNITY_MANAGER,
    "dm": Service.DIGITAL_MANAGER,
    "logo": Service.BRANDING, "logos": Service.BRANDING, "brochure": Service.BRANDING,
    "brochures": Service.BRANDING, "diseno": Service.BRANDING, "diseño": Service.BRANDING,
    "logos y brochures": Service.BRANDING,
    "aplicacion": Service.APP, "aplicación": Service.APP, "app movil": Service.APP, "aplicacion movil": Service.APP,
    "other": Service.OTRO,
}
