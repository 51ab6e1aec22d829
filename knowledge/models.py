"""Tables of the knowledge base, modelled on Open Referral HSDS 3.0.

HSDS objects and their tables here:

    organization          kb_organization
    location (+address)   kb_location      (buurt, address, coordinates, accessibility)
    service               kb_service       (a "place" for residents: place type,
                                            target groups, cost, languages; one location)
    schedule              kb_schedule      (weekly RFC 5545 recurrence or a one-off date)
    contact / phone       kb_contact

Maastricht geography and policy data sit beside them: kb_buurt, kb_alias,
kb_neighbour, kb_postcode, kb_plan. Every record has `source` (a seed section,
"sourced-facts: ...", "import:<file>", "demo" ...) and `verified`; records of
places and activities also have `is_demo`. Keys are stable strings (slugs or the
identifiers of the import file), so re-loading and re-importing are idempotent.

`origin` says who owns a row: "files" (knowledge/data, synced on start) or
"import:<file name>" (written by `ontmoet knowledge import`).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base

# Any: SQLAlchemy 1.4 has no type hints, its declarative base is a runtime class.
Base: Any = declarative_base()

KEY = 120  # length of stable keys


class Buurt(Base):
    __tablename__ = "kb_buurt"
    key = Column(String(KEY), primary_key=True)
    name = Column(String(120), nullable=False, unique=True)
    stadsdeel = Column(String(60), nullable=False)
    stadsdeel_source = Column(String(300), nullable=False)
    source = Column(String(300), nullable=False)
    verified = Column(Boolean, nullable=False, default=False)
    lat = Column(Float)
    lon = Column(Float)
    centroid_source = Column(String(300))
    origin = Column(String(200), nullable=False, default="files")


class Alias(Base):
    """A name as residents write it, for a buurt or a place (normalised form)."""

    __tablename__ = "kb_alias"
    id = Column(Integer, primary_key=True, autoincrement=True)
    entity = Column(String(20), nullable=False)  # "buurt" | "place"
    entity_key = Column(String(KEY), nullable=False)
    alias = Column(String(200), nullable=False)
    normalized = Column(String(200), nullable=False, index=True)
    kind = Column(String(30), nullable=False, default="variant")  # variant|dialect|abbreviation|generated
    origin = Column(String(200), nullable=False, default="files")
    __table_args__ = (UniqueConstraint("entity", "entity_key", "normalized", name="uq_kb_alias"),)


class Neighbour(Base):
    __tablename__ = "kb_neighbour"
    buurt_key = Column(String(KEY), ForeignKey("kb_buurt.key", ondelete="CASCADE"), primary_key=True)
    neighbour_key = Column(String(KEY), ForeignKey("kb_buurt.key", ondelete="CASCADE"), primary_key=True)
    source = Column(String(300), nullable=False)


class Postcode(Base):
    __tablename__ = "kb_postcode"
    postcode = Column(String(4), primary_key=True)
    buurt_key = Column(String(KEY), ForeignKey("kb_buurt.key", ondelete="CASCADE"), primary_key=True)
    source = Column(String(300), nullable=False)
    verified = Column(Boolean, nullable=False, default=False)


class Organization(Base):
    __tablename__ = "kb_organization"
    key = Column(String(KEY), primary_key=True)
    name = Column(String(200), nullable=False)
    description = Column(Text)
    ownership = Column(String(60))  # gemeente | particuliere stichting | ...
    url = Column(String(300))
    email = Column(String(200))
    source = Column(String(300), nullable=False)
    verified = Column(Boolean, nullable=False, default=False)
    is_demo = Column(Boolean, nullable=False, default=False)
    origin = Column(String(200), nullable=False, default="files")


class Location(Base):
    __tablename__ = "kb_location"
    key = Column(String(KEY), primary_key=True)
    name = Column(String(200), nullable=False)
    buurt_key = Column(String(KEY), ForeignKey("kb_buurt.key"), nullable=True)
    buurt_as_written = Column(String(120))
    address = Column(String(300))
    postal_code = Column(String(10))
    city = Column(String(100))
    lat = Column(Float)
    lon = Column(Float)
    accessibility = Column(Text)
    source = Column(String(300), nullable=False)
    verified = Column(Boolean, nullable=False, default=False)
    is_demo = Column(Boolean, nullable=False, default=False)
    origin = Column(String(200), nullable=False, default="files")


class Service(Base):
    """A place or offer as residents see it (HSDS service at one location)."""

    __tablename__ = "kb_service"
    key = Column(String(KEY), primary_key=True)
    name = Column(String(200), nullable=False)
    organization_key = Column(String(KEY), ForeignKey("kb_organization.key"), nullable=True)
    location_key = Column(String(KEY), ForeignKey("kb_location.key"), nullable=True)
    place_type = Column(String(40), nullable=False)
    description = Column(Text)
    target_groups = Column(String(200), nullable=False, default="iedereen")  # comma separated
    cost = Column(String(200))
    languages = Column(String(200))  # comma separated ISO 639-1 codes
    status = Column(String(20), nullable=False, default="active")
    url = Column(String(300))
    email = Column(String(200))
    phone = Column(String(60))
    opening_hours = Column(Text)
    notes = Column(Text)
    source = Column(String(300), nullable=False)
    verified = Column(Boolean, nullable=False, default=False)
    is_demo = Column(Boolean, nullable=False, default=False)
    origin = Column(String(200), nullable=False, default="files")


class Schedule(Base):
    """An activity: weekly recurrence (RFC 5545 RRULE) or a one-off date.

    Times are local wall-clock times in `timezone` (Europe/Amsterdam).
    """

    __tablename__ = "kb_schedule"
    key = Column(String(KEY), primary_key=True)
    service_key = Column(String(KEY), ForeignKey("kb_service.key", ondelete="CASCADE"), nullable=False)
    title = Column(String(200), nullable=False)
    description = Column(Text)
    dtstart = Column(DateTime, nullable=False)  # local, naive
    duration_minutes = Column(Integer)
    rrule = Column(String(300))  # None: a one-off activity
    exdates = Column(Text)  # comma separated local ISO date-times
    valid_to = Column(Date)
    timezone = Column(String(60), nullable=False, default="Europe/Amsterdam")
    target_groups = Column(String(200))
    cost = Column(String(200))
    source = Column(String(300), nullable=False)
    verified = Column(Boolean, nullable=False, default=False)
    is_demo = Column(Boolean, nullable=False, default=False)
    origin = Column(String(200), nullable=False, default="files")


class Contact(Base):
    __tablename__ = "kb_contact"
    key = Column(String(KEY), primary_key=True)
    service_key = Column(String(KEY), ForeignKey("kb_service.key", ondelete="CASCADE"), nullable=False)
    name = Column(String(200))
    title = Column(String(200))
    phone = Column(String(60))
    email = Column(String(200))
    source = Column(String(300), nullable=False)
    verified = Column(Boolean, nullable=False, default=False)
    is_demo = Column(Boolean, nullable=False, default=False)
    origin = Column(String(200), nullable=False, default="files")


class Plan(Base):
    """Planned development per buurt (seed 7.2, table)."""

    __tablename__ = "kb_plan"
    key = Column(String(KEY), primary_key=True)
    buurt_key = Column(String(KEY), ForeignKey("kb_buurt.key"), nullable=True)  # None: stadsbreed
    buurt_as_written = Column(String(120), nullable=False)
    stadsdeel_as_written = Column(String(60))
    development = Column(Text, nullable=False)
    how = Column(Text, nullable=False)
    place_types = Column(String(200))
    target_groups = Column(String(200))
    source = Column(String(300), nullable=False)
    verified = Column(Boolean, nullable=False, default=True)
    origin = Column(String(200), nullable=False, default="files")


class ImportLog(Base):
    """One row per distinct file content imported (sha256), for the audit trail."""

    __tablename__ = "kb_import"
    sha256 = Column(String(64), primary_key=True)
    file_name = Column(String(300), nullable=False)
    kind = Column(String(30), nullable=False)
    records = Column(Integer, nullable=False)
    imported_at = Column(DateTime, nullable=False)


class Meta(Base):
    __tablename__ = "kb_meta"
    key = Column(String(100), primary_key=True)
    value = Column(Text, nullable=False)
