"""The schema (SPEC §5) as typed SQLAlchemy 2.0 models.

Alembic migrations under ``migrations/`` are the only way the schema reaches a database;
a test checks that these models and the migrations agree.

Money is integer COP (BigInteger). Kind and status columns are ``EnumText`` of the enums in
``bot.domain.enums``: plain VARCHARs in the schema (adding a member needs no migration), and
writing a value that is not a member raises.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bot.domain.enums import (
    ApprovalKind,
    ApprovalStatus,
    BillingKind,
    BillingStatus,
    CommissionKind,
    CommissionState,
    DealStatus,
    DealType,
    ExportStatus,
    ExportTrigger,
    HubSpotCheck,
    LeadStatus,
    OutboxStatus,
    OutboxTarget,
    ProofStatus,
    QuestionStatus,
    RenewalStatus,
    SupportKind,
    SupportStatus,
    SupportTarget,
)
from db.indexes import GENERIC_COMPANY_KEYS, lead_unique_indexes, pending_unique
from db.types import EnumText, UTCDateTime, utcnow

__all__ = ["GENERIC_COMPANY_KEYS"]  # re-exported: the referrals read it from here

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), int: Integer()}  # noqa: RUF012 - SQLAlchemy reads it


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Member(TimestampMixin, Base):
    """A person of the program (KAM, approver, …), keyed by Discord user id."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    discord_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    name: Mapped[str] = mapped_column(String(200))
    job_role: Mapped[str] = mapped_column(String(40), default="otro")
    sense_email: Mapped[str | None] = mapped_column(String(254), unique=True)
    gmail: Mapped[str | None] = mapped_column(String(254))
    cedula: Mapped[str | None] = mapped_column(String(12), unique=True)
    hubspot_owner_id: Mapped[str | None] = mapped_column(String(40), index=True)
    hubspot_user_id: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Client(TimestampMixin, Base):
    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # accent/case-folded name for search and for idempotent imports
    name_key: Mapped[str] = mapped_column(String(200), unique=True)
    nit: Mapped[str | None] = mapped_column(String(20), unique=True)
    hubspot_company_id: Mapped[str | None] = mapped_column(String(40), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    assignments: Mapped[list[ClientAssignment]] = relationship(back_populates="client")
    services: Mapped[list[ClientService]] = relationship(back_populates="client")


class ClientAssignment(Base):
    """A KAM serving a client from ``started_at`` until ``ended_at`` (None = now). Never overwritten."""

    __tablename__ = "client_assignments"
    __table_args__ = (Index("ix_client_assignments_open", "client_id", "member_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    source: Mapped[str] = mapped_column(String(20), default="manual")  # manual, csv, hubspot

    client: Mapped[Client] = relationship(back_populates="assignments")
    member: Mapped[Member] = relationship()


class ClientService(Base):
    """A service the client has contracted, with its history."""

    __tablename__ = "client_services"
    __table_args__ = (Index("ix_client_services_open", "client_id", "service", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    service: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]

    client: Mapped[Client] = relationship(back_populates="services")


class Deal(TimestampMixin, Base):
    __tablename__ = "deals"
    # the program report and the daily summary (counted states × advance-date range, summed by type and
    # KAM): covering, so the sums are read from the index alone, never from the deals' rows
    __table_args__ = (
        Index("ix_deals_sales", "status", "advance_date", "deal_type", "member_id", "total_value",
              "commission_estimate"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    deal_type: Mapped[str] = mapped_column(EnumText(DealType, 20))
    service: Mapped[str] = mapped_column(String(40))
    total_value: Mapped[int] = mapped_column(BigInteger)
    advance_amount: Mapped[int] = mapped_column(BigInteger)
    advance_date: Mapped[date] = mapped_column(Date, index=True)
    commission_estimate: Mapped[int] = mapped_column(BigInteger)
    # the COMMISSION_RATE in force at registration (0.06 = 6 %): what the deal is shown and paid with
    commission_rate: Mapped[Decimal] = mapped_column(Numeric(7, 6), default=Decimal("0.06"))
    status: Mapped[str] = mapped_column(EnumText(DealStatus, 20), default=DealStatus.PENDIENTE, index=True)
    is_late: Mapped[bool] = mapped_column(Boolean, default=False)
    hubspot_deal_id: Mapped[str | None] = mapped_column(String(40), index=True)
    hubspot_check: Mapped[str] = mapped_column(EnumText(HubSpotCheck, 20), default=HubSpotCheck.DESACTIVADO)
    hubspot_findings: Mapped[dict[str, Any] | None]
    proof_path: Mapped[str | None] = mapped_column(String(500))
    proof_sha256: Mapped[str | None] = mapped_column(String(64))
    proof_filename: Mapped[str | None] = mapped_column(String(255))
    proof_content_type: Mapped[str | None] = mapped_column(String(100))
    proof_status: Mapped[str] = mapped_column(EnumText(ProofStatus, 20), default=ProofStatus.PENDIENTE)
    card_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    card_message_id: Mapped[int | None] = mapped_column(BigInteger)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    # idempotency: the Discord interaction that created it
    interaction_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    # the registering interaction's token until the KAM was told "registrado" (``confirmed_at``): a
    # confirmation a crash prevented is sent after the restart (bot.services.deals.unconfirmed_deals)
    interaction_token: Mapped[str | None] = mapped_column(String(200))
    confirmed_at: Mapped[datetime | None]

    member: Mapped[Member] = relationship()
    client: Mapped[Client] = relationship()


class Approval(TimestampMixin, Base):
    """One decision someone must take (audit, COO, attribution, HubSpot user, proforma)."""

    __tablename__ = "approvals"
    __table_args__ = (
        Index("ix_approvals_kind_status", "kind", "status"),
        # the panel's queues (oldest first) and its SLA view (pending of every kind by age)
        Index("ix_approvals_kind_status_created", "kind", "status", "created_at", "id"),
        Index("ix_approvals_status_created_kind", "status", "created_at", "kind"),  # covering for the SLA view
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(EnumText(ApprovalKind, 30))
    status: Mapped[str] = mapped_column(EnumText(ApprovalStatus, 20), default=ApprovalStatus.PENDIENTE)
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id"), index=True)
    related_deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id"))
    access_request_id: Mapped[int | None] = mapped_column(ForeignKey("access_requests.id"))
    billing_request_id: Mapped[int | None] = mapped_column(ForeignKey("billing_requests.id"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    decided_by_discord_id: Mapped[int | None] = mapped_column(BigInteger)
    decided_by_name: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)
    reminded_at: Mapped[datetime | None]
    card_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    card_message_id: Mapped[int | None] = mapped_column(BigInteger)


class AccessRequest(TimestampMixin, Base):
    """A request for a HubSpot user and access to the sales channel."""

    __tablename__ = "access_requests"
    # one open request per person, enforced by the database (concurrent submissions on PostgreSQL too)
    __table_args__ = (pending_unique("uq_access_requests_one_pending", "discord_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    discord_id: Mapped[int] = mapped_column(BigInteger, index=True)
    name: Mapped[str] = mapped_column(String(200))
    sense_email: Mapped[str] = mapped_column(String(254))
    gmail: Mapped[str] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(EnumText(ApprovalStatus, 20), default=ApprovalStatus.PENDIENTE)
    hubspot_user_id: Mapped[str | None] = mapped_column(String(40))
    provisioning_error: Mapped[str | None] = mapped_column(Text)
    # HubSpot provisioning claimed by one process until then (a conditional UPDATE takes it only when
    # free or expired, so two processes or a click racing the retry job never provision twice)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None] = mapped_column()


class BillingRequest(TimestampMixin, Base):
    """A proforma invoice or payment link requested for a registered deal."""

    __tablename__ = "billing_requests"
    __table_args__ = (pending_unique("uq_billing_requests_one_pending", "deal_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    kind: Mapped[str] = mapped_column(EnumText(BillingKind, 20))
    amount: Mapped[int] = mapped_column(BigInteger)
    notes: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(EnumText(BillingStatus, 20), default=BillingStatus.PENDIENTE)
    result_url: Mapped[str | None] = mapped_column(String(1000))
    result_path: Mapped[str | None] = mapped_column(String(500))


class RenewalIntent(TimestampMixin, Base):
    __tablename__ = "renewal_intents"
    __table_args__ = (
        Index("ix_renewal_intents_status_deadline", "status", "deadline"),
        pending_unique("uq_renewal_intents_one_open", "member_id", "client_id", status=RenewalStatus.ABIERTA),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    delivery_date: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(EnumText(RenewalStatus, 20), default=RenewalStatus.ABIERTA)
    closed_by_deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id"))
    reminded_one_day_at: Mapped[datetime | None]
    reminded_last_day_at: Mapped[datetime | None]
    expired_at: Mapped[datetime | None]
    # after expiry the KAM may not renew this client until the coordinator accepts a new intent
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    card_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    card_message_id: Mapped[int | None] = mapped_column(BigInteger)


class Lead(TimestampMixin, Base):
    __tablename__ = "leads"
    __table_args__ = (
        *lead_unique_indexes(GENERIC_COMPANY_KEYS),
        # the funnel by month (panel, reports; covering) and the leads past the SLA (status, age)
        Index("ix_leads_created_status", "created_at", "status"),
        Index("ix_leads_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    referrer_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    referrer_cedula: Mapped[str] = mapped_column(String(12))
    contact_name: Mapped[str] = mapped_column(String(200))
    company: Mapped[str] = mapped_column(String(200))
    company_key: Mapped[str] = mapped_column(String(200), index=True)  # generic keys repeat: kept for look-ups
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))
    service: Mapped[str] = mapped_column(String(40))
    notes: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(EnumText(LeadStatus, 20), default=LeadStatus.NUEVO, index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    qualified_by_discord_id: Mapped[int | None] = mapped_column(BigInteger)
    qualified_at: Mapped[datetime | None]
    sla_escalated_at: Mapped[datetime | None]
    hubspot_contact_id: Mapped[str | None] = mapped_column(String(40))
    hubspot_company_id: Mapped[str | None] = mapped_column(String(40))
    card_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    card_message_id: Mapped[int | None] = mapped_column(BigInteger)

    referrer: Mapped[Member] = relationship()


class CommissionEntry(Base):
    """Append-only ledger line. A clawback is a new negative entry, never an edit of an old one."""

    __tablename__ = "commission_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    kind: Mapped[str] = mapped_column(EnumText(CommissionKind, 20))
    state: Mapped[str] = mapped_column(EnumText(CommissionState, 20))
    amount: Mapped[int] = mapped_column(BigInteger)
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id"), index=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id"), index=True)
    description: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    settled_at: Mapped[datetime | None]


class ExportRun(Base):
    """Ledger of 6 AM exports: one non-forced run per date; forced re-exports get attempt > 1."""

    __tablename__ = "export_runs"
    __table_args__ = (UniqueConstraint("export_date", "attempt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    export_date: Mapped[date] = mapped_column(Date)
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    forced: Mapped[bool] = mapped_column(Boolean, default=False)
    trigger: Mapped[str] = mapped_column(EnumText(ExportTrigger, 20))
    status: Mapped[str] = mapped_column(EnumText(ExportStatus, 20), default=ExportStatus.EN_CURSO)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    deals_count: Mapped[int] = mapped_column(Integer, default=0)
    findings_count: Mapped[int] = mapped_column(Integer, default=0)
    hubspot_calls: Mapped[int] = mapped_column(Integer, default=0)
    files: Mapped[dict[str, Any] | None]
    error: Mapped[str | None] = mapped_column(Text)


class JobRun(Base):
    """Exactly-once marker for other periodic work (monthly statement, backups, reminders)."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "run_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(60))
    run_key: Mapped[str] = mapped_column(String(60))
    ran_at: Mapped[datetime] = mapped_column(default=utcnow)
    details: Mapped[dict[str, Any] | None]


class Claim(Base):
    """A named piece of work one process does at a time (e.g. ``directorio``: imports and HubSpot syncs);
    taken and released by :mod:`db.claims`. A claim past ``expires_at`` (its holder died) may be retaken."""

    __tablename__ = "claims"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    taken_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class OutboxMessage(Base):
    """A channel post or DM to deliver; sent at most once thanks to ``dedupe_key``."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    target: Mapped[str] = mapped_column(EnumText(OutboxTarget, 20))
    target_id: Mapped[int] = mapped_column(BigInteger)  # channel id or user id (0 = sales channel)
    payload: Mapped[dict[str, Any]]  # content, embeds, files (paths), view spec
    # RETENIDO: could not be delivered, kept with its reason until resent
    status: Mapped[str] = mapped_column(EnumText(OutboxStatus, 20), default=OutboxStatus.PENDIENTE)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    held_reason: Mapped[str | None] = mapped_column(Text)  # Spanish, for the admins
    held_at: Mapped[datetime | None]
    held_notified_at: Mapped[datetime | None]  # when the admins were told (or it was folded into a notice)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    message_id: Mapped[int | None] = mapped_column(BigInteger)


class AuditLog(Base):
    """Append-only: who did what, when, before → after."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_entity", "entity_type", "entity_id"),
        # the panel's audit-log search: by action prefix, by person, by object id
        Index("ix_audit_log_action", "action"),
        Index("ix_audit_log_actor", "actor_discord_id"),
        Index("ix_audit_log_entity_id", "entity_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_discord_id: Mapped[int | None] = mapped_column(BigInteger)
    actor_name: Mapped[str | None] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(40))
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    reference: Mapped[str | None] = mapped_column(String(40))


class Question(Base):
    """A ``/duda``: searched in the rules and the FAQ (``consulta``); posted for the topic's role when
    that did not help (``abierta``); answered once (``respondida``)."""

    __tablename__ = "questions"
    __table_args__ = (Index("ix_questions_status_posted", "status", "posted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    asker_discord_id: Mapped[int] = mapped_column(BigInteger, index=True)
    asker_name: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(EnumText(QuestionStatus, 20), default=QuestionStatus.CONSULTA)
    shown: Mapped[dict[str, Any] | None]  # {"keys": [...]}: the rules / FAQ entries shown by the search
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    posted_at: Mapped[datetime | None]
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_discord_id: Mapped[int | None] = mapped_column(BigInteger)
    answered_by_name: Mapped[str | None] = mapped_column(String(200))
    answered_at: Mapped[datetime | None]
    answer_message_id: Mapped[int | None] = mapped_column(BigInteger)
    reminded_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    card_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    card_message_id: Mapped[int | None] = mapped_column(BigInteger)


class FaqEntry(Base):
    """A good answer kept as a frequent question: ``/duda`` and ``/ayuda tema:`` find it."""

    __tablename__ = "faq_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(20))
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id"), unique=True)
    created_by_discord_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class SupportRequest(TimestampMixin, Base):
    """``/pedir-apoyo``: a KAM asks the CCO or a PM for a meeting or commercial advice on a sale to one
    of their clients. Accepted help is linked to the KAM's next deal for that client (``deal_id``)."""

    __tablename__ = "support_requests"
    __table_args__ = (Index("ix_support_requests_member_client", "member_id", "client_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    kind: Mapped[str] = mapped_column(EnumText(SupportKind, 20))
    target: Mapped[str] = mapped_column(EnumText(SupportTarget, 10))
    wanted_date: Mapped[date | None] = mapped_column(Date)
    detail: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(EnumText(SupportStatus, 20), default=SupportStatus.PENDIENTE)
    helper_discord_id: Mapped[int | None] = mapped_column(BigInteger)
    helper_name: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None]
    meeting_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id"), index=True)
    card_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    card_message_id: Mapped[int | None] = mapped_column(BigInteger)


class WebLoginToken(Base):
    """A one-time link to the web panel (``/panel``): only the SHA-256 of the token is stored; it opens
    one session within ``expires_at`` and is spent (``used_at``)."""

    __tablename__ = "web_login_tokens"
    __table_args__ = (Index("ix_web_login_tokens_discord_created", "discord_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    discord_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
