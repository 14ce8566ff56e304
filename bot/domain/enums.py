"""The program's vocabularies as ``StrEnum``s: the one definition of every kind and status the
database stores (``db.models`` columns are typed with them and refuse anything else). Values are
stored in the database (ASCII, stable: never rename one without a data migration);
``.label`` is the Spanish text users read. ``parse(text)`` accepts values, labels and common
synonyms, accent- and case-insensitively, and refuses anything else with a Spanish ``InputError``."""

from __future__ import annotations

from enum import StrEnum, nonmember
from typing import Self

from bot.domain.errors import InputError

__all__ = [
    "CLOSED_DEAL_STATUSES",
    "ApprovalKind",
    "ApprovalStatus",
    "BillingKind",
    "BillingStatus",
    "CommissionKind",
    "CommissionState",
    "DealStatus",
    "DealType",
    "ExportStatus",
    "ExportTrigger",
    "HubSpotCheck",
    "JobRole",
    "LeadStatus",
    "OutboxStatus",
    "OutboxTarget",
    "ProofStatus",
    "QuestionStatus",
    "RenewalStatus",
    "Service",
    "SupportKind",
    "SupportStatus",
    "SupportTarget",
]


def _key(text: str) -> str:
    """Lookup key: accents and case folded, ñ→n, separators as single spaces."""
    from bot.domain.validation import fold_text  # local: validation does not import enums

    s = fold_text(text or "").replace("ñ", "n")
    for sep in "_-/.,;:()":
        s = s.replace(sep, " ")
    return " ".join(s.split())


class _Labelled(StrEnum):
    """A ``StrEnum`` whose members are declared as ``NAME = "value", "Spanish label"``."""

    _label_: str
    # A subclass may declare, as non-members (``enum.nonmember``): ``_NOUN``, how a refusal names the
    # thing ("el servicio"); ``_FIELD``, the slash-command option it is about; ``_ALIASES``, folded
    # synonyms → member value. Read through the class methods below, with their defaults: an enum's
    # attributes are final to a type checker, so the base class cannot assign defaults a subclass overrides.

    @classmethod
    def _noun(cls) -> str:
        return str(getattr(cls, "_NOUN", "el valor"))

    @classmethod
    def _field(cls) -> str | None:
        field = getattr(cls, "_FIELD", None)
        return None if field is None else str(field)

    @classmethod
    def _aliases(cls) -> dict[str, str]:
        aliases: dict[str, str] = getattr(cls, "_ALIASES", {})
        return aliases

    def __new__(cls, value: str, label: str | None = None) -> Self:
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj._label_ = label if label is not None else value
        return obj

    @property
    def label(self) -> str:
        return self._label_

    @classmethod
    def label_of(cls, value: str | None) -> str:
        """The label of a stored value; the value itself when it is not (or no longer) a member."""
        if value is not None:
            try:
                return cls(value).label
            except ValueError:
                pass
        return str(value or "")

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """``(label, value)`` pairs, in declaration order (for Discord option choices)."""
        return [(m.label, m.value) for m in cls]

    @classmethod
    def labels(cls) -> str:
        """All labels as a Spanish list: ``"Renovación, Cross sale o Up sale"``."""
        names = [m.label for m in cls]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " o " + names[-1]

    @classmethod
    def parse(cls, text: str | Self | None) -> Self:
        if isinstance(text, cls):
            return text
        raw = str(text or "").strip()
        key = _key(raw)
        if key:
            for member in cls:
                if key in (_key(member.value), _key(member.label)):
                    return member
            aliases = cls._aliases()
            if key in aliases:
                return cls(aliases[key])
            compact = key.replace(" ", "")
            for member in cls:
                if compact in (_key(member.value).replace(" ", ""), _key(member.label).replace(" ", "")):
                    return member
            if compact in aliases:
                return cls(aliases[compact])
        shown = raw[:40].replace("`", "'") or "(vacío)"
        raise InputError(f"No reconozco {cls._noun()} «{shown}». Usa uno de estos: {cls.labels()}.", cls._field())


class DealType(_Labelled):
    """Renovación: renew what the client has. Cross sale: a different service. Up sale: more of the
    same service (needs the COO's approval)."""

    _NOUN = nonmember("el tipo de negocio")
    _FIELD = nonmember("tipo")
    _ALIASES = nonmember({
        "renovar": "renovacion", "renewal": "renovacion", "renovaciones": "renovacion",
        "cross": "cross_sale", "crossell": "cross_sale", "cross selling": "cross_sale", "venta cruzada": "cross_sale",
        "up": "up_sale", "upsell": "up_sale", "up selling": "up_sale", "upselling": "up_sale",
    })

    RENOVACION = "renovacion", "Renovación"
    CROSS_SALE = "cross_sale", "Cross sale"
    UP_SALE = "up_sale", "Up sale"

    @property
    def needs_coo(self) -> bool:
        """Up sales need the COO's approval (is it really outside the current scope?)."""
        return self is DealType.UP_SALE


class DealStatus(_Labelled):
    _NOUN = nonmember("el estado del negocio")
    PENDIENTE = "pendiente", "Pendiente"
    APROBADO = "aprobado", "Aprobado"
    RECHAZADO = "rechazado", "Rechazado"
    ANULADO = "anulado", "Anulado"


# a rejected or cancelled deal: no commission, no more decisions, no billing
CLOSED_DEAL_STATUSES = (DealStatus.RECHAZADO, DealStatus.ANULADO)


class HubSpotCheck(_Labelled):
    """A registered deal compared with its HubSpot deal (``Deal.hubspot_check``)."""

    _NOUN = nonmember("la verificación de HubSpot")
    OK = "ok", "Coincide"
    DIFERENCIAS = "diferencias", "Con diferencias"
    NO_ENCONTRADO = "no_encontrado", "No encontrado en HubSpot"
    PENDIENTE = "pendiente", "Pendiente"
    DESACTIVADO = "desactivado", "Sin verificar (integración desactivada)"


class ApprovalKind(_Labelled):
    _NOUN = nonmember("el tipo de aprobación")
    AUDITORIA = "auditoria", "Auditoría del pago"
    COO = "coo", "Aprobación del COO"
    ATRIBUCION = "atribucion", "Disputa de atribución"
    USUARIO_HUBSPOT = "usuario_hubspot", "Usuario de HubSpot"
    PROFORMA = "proforma", "Proforma / link de pago"


class ApprovalStatus(_Labelled):
    """``Approval.status``, and ``AccessRequest.status`` (pending, approved or rejected with its approval).
    ``CANCELADA``: an approval closed without a decision (its deal was rejected or cancelled by another one)."""

    _NOUN = nonmember("el estado de la aprobación")
    PENDIENTE = "pendiente", "Pendiente"
    APROBADA = "aprobada", "Aprobada"
    RECHAZADA = "rechazada", "Rechazada"
    CANCELADA = "cancelada", "Cerrada sin decisión"


class ProofStatus(_Labelled):
    """``Deal.proof_status``: the payment proof of a deal."""

    _NOUN = nonmember("el estado del comprobante")
    PENDIENTE = "pendiente", "Pendiente"
    RECIBIDO = "recibido", "Recibido"
    VERIFICADO = "verificado", "Verificado"
    RECHAZADO = "rechazado", "Rechazado"


class BillingKind(_Labelled):
    """``BillingRequest.kind``."""

    _NOUN = nonmember("el tipo de solicitud")
    PROFORMA = "proforma", "Factura proforma"
    LINK_PAGO = "link_pago", "Link de pago"


class BillingStatus(_Labelled):
    """``BillingRequest.status``."""

    _NOUN = nonmember("el estado de la solicitud")
    PENDIENTE = "pendiente", "Pendiente"
    HECHA = "hecha", "Hecha"
    RECHAZADA = "rechazada", "Rechazada"


class ExportStatus(_Labelled):
    """``ExportRun.status``."""

    _NOUN = nonmember("el estado del export")
    EN_CURSO = "en_curso", "En curso"
    HECHA = "hecha", "Hecha"
    FALLIDA = "fallida", "Fallida"


class ExportTrigger(_Labelled):
    """``ExportRun.trigger``: what started the export."""

    _NOUN = nonmember("el origen del export")
    SCHEDULE = "schedule", "Programado"
    STARTUP = "startup", "Al arrancar"
    CLI = "cli", "Línea de comandos"
    ADMIN = "admin", "Administrador"


class OutboxStatus(_Labelled):
    """``OutboxMessage.status``: ``RETENIDO`` could not be delivered and waits, with its reason."""

    _NOUN = nonmember("el estado del envío")
    PENDIENTE = "pendiente", "Pendiente"
    ENVIADO = "enviado", "Enviado"
    RETENIDO = "retenido", "Retenido"
    # a catch-up day's post waiting to be folded into one post, then folded
    EN_RESUMEN = "en_resumen", "En resumen"
    RESUMIDO = "resumido", "Resumido"


class OutboxTarget(_Labelled):
    """``OutboxMessage.target``."""

    _NOUN = nonmember("el destino del envío")
    CHANNEL = "channel", "Canal"
    DM = "dm", "Mensaje directo"


class QuestionStatus(_Labelled):
    """``Question.status``: searched (``CONSULTA``), posted for the topic's role, answered."""

    _NOUN = nonmember("el estado de la duda")
    CONSULTA = "consulta", "Consulta"
    ABIERTA = "abierta", "Abierta"
    RESPONDIDA = "respondida", "Respondida"


class SupportKind(_Labelled):
    """``SupportRequest.kind``."""

    _NOUN = nonmember("el tipo de apoyo")
    REUNION = "reunion", "Reunión"
    ASESORIA = "asesoria", "Asesoría comercial"


class SupportTarget(_Labelled):
    """``SupportRequest.target``: who is asked for help."""

    _NOUN = nonmember("a quién pedir apoyo")
    CCO = "cco", "CCO"
    PM = "pm", "PM de apoyo"


class SupportStatus(_Labelled):
    """``SupportRequest.status``."""

    _NOUN = nonmember("el estado del apoyo")
    PENDIENTE = "pendiente", "Pendiente"
    ACEPTADA = "aceptada", "Aceptada"
    RECHAZADA = "rechazada", "Rechazada"


class LeadStatus(_Labelled):
    """A referral's qualification. Rewards go by the final status: malo 0, bueno, vendido."""

    _NOUN = nonmember("el estado del lead")
    _FIELD = nonmember("estado")
    NUEVO = "nuevo", "Nuevo"
    BUENO = "bueno", "Bueno"
    MALO = "malo", "Malo"
    VENDIDO = "vendido", "Vendido"


class CommissionKind(_Labelled):
    _NOUN = nonmember("el tipo de movimiento")
    COMISION = "comision", "Comisión"
    REFERIDO = "referido", "Referido"
    REVERSO = "reverso", "Reverso"


class CommissionState(_Labelled):
    _NOUN = nonmember("el estado de la comisión")
    PENDIENTE = "pendiente", "Pendiente"
    GANADA = "ganada", "Ganada"
    RECHAZADA = "rechazada", "Rechazada"
    REVERSADA = "reversada", "Reversada"


class RenewalStatus(_Labelled):
    _NOUN = nonmember("el estado de la renovación")
    ABIERTA = "abierta", "Abierta"
    CERRADA = "cerrada", "Cerrada"
    LIBERADA = "liberada", "Liberada"
    VENCIDA = "vencida", "Vencida"


class JobRole(_Labelled):
    """The KAM's job (seed: Líder de desarrollo in web, Content Manager in CM, Digital Manager in DM,
    Trafficker in Social/Google Ads, Diseñador in logos and brochures)."""

    _NOUN = nonmember("el rol")
    _FIELD = nonmember("rol")
    _ALIASES = nonmember({
        "cm": "content_manager", "content": "content_manager", "community manager": "content_manager",
        "dm": "digital_manager", "digital": "digital_manager",
        "lider": "lider_desarrollo", "desarrollo": "lider_desarrollo", "lider de desarrollo": "lider_desarrollo",
        "desarrollador": "lider_desarrollo", "developer": "lider_desarrollo", "dev": "lider_desarrollo",
        "diseno": "disenador", "disenadora": "disenador", "designer": "disenador", "disenador grafico": "disenador",
        "traffic": "trafficker", "traffiker": "trafficker", "trafficer": "trafficker",
        "other": "otro", "otra": "otro",
    })

    LIDER_DESARROLLO = "lider_desarrollo", "Líder de desarrollo"
    CONTENT_MANAGER = "content_manager", "Content Manager"
    DIGITAL_MANAGER = "digital_manager", "Digital Manager"
    TRAFFICKER = "trafficker", "Trafficker"
    DISENADOR = "disenador", "Diseñador"
    OTRO = "otro", "Otro"


class Service(_Labelled):
    """What Sense Digital sells. ``parse`` accepts the usual names: "página web", "CM", "DM", "logo",
    "meta ads", "pauta social", "google", "sem", "app", "aplicación"…"""

    _NOUN = nonmember("el servicio")
    _FIELD = nonmember("servicio")
    _ALIASES = nonmember({
        # web
        "pagina web": "web", "pagina": "web", "sitio": "web", "sitio web": "web", "website": "web",
        "web site": "web", "desarrollo web": "web", "landing": "web", "landing page": "web",
        "tienda virtual": "web", "tienda online": "web", "ecommerce": "web", "e commerce": "web",
        "pagina de internet": "web",
        # social ads
        "social": "social_ads", "socialads": "social_ads", "social ad": "social_ads", "meta": "social_ads",
        "meta ads": "social_ads", "facebook ads": "social_ads", "instagram ads": "social_ads",
        "tiktok ads": "social_ads", "pauta social": "social_ads", "pauta en redes": "social_ads",
        "pauta redes sociales": "social_ads", "pauta en redes sociales": "social_ads",
        # google ads
        "google": "google_ads", "googleads": "google_ads", "google ad": "google_ads", "sem": "google_ads",
        "adwords": "google_ads", "google adwords": "google_ads", "pauta google": "google_ads",
        "pauta en google": "google_ads",
        # community manager / digital manager
        "cm": "community_manager", "community": "community_manager", "manejo de redes": "community_manager",
        "redes sociales": "community_manager", "content manager": "community_manager",
        "dm": "digital_manager",
        # branding
        "logo": "branding", "logos": "branding", "brochure": "branding", "brochures": "branding",
        "logo y brochure": "branding", "logos y brochure": "branding", "diseno": "branding",
        "diseno grafico": "branding", "identidad": "branding", "identidad corporativa": "branding",
        "marca": "branding",
        # app
        "aplicacion": "app", "aplicaciones": "app", "app movil": "app", "aplicacion movil": "app", "apps": "app",
        # other
        "other": "otro", "otra": "otro", "otros": "otro",
    })

    WEB = "web", "Sitio web"
    SOCIAL_ADS = "social_ads", "Social Ads"
    GOOGLE_ADS = "google_ads", "Google Ads"
    COMMUNITY_MANAGER = "community_manager", "Community Manager"
    DIGITAL_MANAGER = "digital_manager", "Digital Manager"
    BRANDING = "branding", "Logos y brochures"
    APP = "app", "Aplicación"
    OTRO = "otro", "Otro"
