"""The partial unique indexes of the schema (used by :mod:`db.models`): the rules "one open request at a
time" and "one lead per e-mail, phone and company" enforced by the database, so they hold across
sessions and processes."""

from __future__ import annotations

from sqlalchemy import Index, text


def pending_unique(name: str, *columns: str, status: str = "pendiente") -> Index:
    """A partial unique index: at most one row per ``columns`` while ``status`` is the open one."""
    where = text(f"status = '{status}'")
    return Index(name, *columns, unique=True, sqlite_where=where, postgresql_where=where)


# "Companies" that are not companies (people without one): never compared when looking for a duplicate
# lead, nor created in HubSpot. The partial unique index of lead_unique_indexes leaves them out, so a change
# here needs a migration that rebuilds ``uq_leads_company_key`` (the migration keeps its own copy of the list).
GENERIC_COMPANY_KEYS = frozenset({
    "", "na", "n a", "no aplica", "ninguna", "ninguno", "no", "persona natural", "natural", "independiente",
    "particular", "sin empresa", "freelance", "freelancer", "emprendedor", "emprendedora", "otro", "otra",
})


def lead_unique_indexes(generic_keys: frozenset[str]) -> tuple[Index, ...]:
    """One lead per normalised e-mail, per E.164 phone and per (non-generic) company key, whatever its
    status: the duplicate rule of the referrals, enforced by the database across processes."""
    generic = ", ".join("'" + k.replace("'", "''") + "'" for k in sorted(generic_keys))
    out = []
    for name, column, where in (
        ("uq_leads_email", "email", "email IS NOT NULL"),
        ("uq_leads_phone", "phone", "phone IS NOT NULL"),
        ("uq_leads_company_key", "company_key", f"company_key NOT IN ({generic})"),
    ):
        out.append(Index(name, column, unique=True, sqlite_where=text(where), postgresql_where=text(where)))
    return tuple(out)
