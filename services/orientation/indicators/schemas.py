"""Query strings of the indicators endpoints, validated with French messages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import ValidationError, validate, validates_schema

from shared.schemas import (
    REPORTING_DATES,
    Boolean,
    Date,
    Integer,
    OutputSchema,
    QuerySchema,
    Raw,
    String,
    one_of,
)

# Ten years: a bound that keeps a mistyped year from scanning the whole history.
MAX_PERIOD_DAYS = 3660


class PeriodQuerySchema(QuerySchema):
    """`from` and `to`, Europe/Paris calendar dates, both included."""

    start = Date(required=True, data_key="from", validate=REPORTING_DATES)
    end = Date(required=True, data_key="to", validate=REPORTING_DATES)

    @validates_schema
    def _ordered(self, data: dict[str, Any], **_kwargs: Any) -> None:
        start, end = data.get("start"), data.get("end")
        if start is None or end is None:
            return
        if start > end:
            raise ValidationError(
                "La date de début doit précéder ou égaler la date de fin.", field_name="from"
            )
        if (end - start) > dt.timedelta(days=MAX_PERIOD_DAYS):
            raise ValidationError("La période ne peut pas dépasser dix ans.", field_name="to")


class IndicatorsQuerySchema(PeriodQuerySchema):
    format = String(load_default="json", validate=one_of(("json", "csv", "xlsx")))
    public = Boolean(load_default=False)


class ExtractQuerySchema(PeriodQuerySchema):
    format = String(load_default="json", validate=one_of(("json", "csv")))


class IndicatorsSchema(OutputSchema):
    """The contract's indicators document (blocks are open objects: fields may be added)."""

    period = Raw()
    medecin_traitant = Raw()
    epp = Raw()
    discharges = Raw()
    agenda = Raw()
    teleconsultation = Raw()
    directory = Raw()
    territory = Raw()
    by_month = Raw()


class ExtractSchema(OutputSchema):
    period = Raw()
    items = Raw()


class DefinitionsSchema(OutputSchema):
    """`{"period_rule": "…", "items": [{"key", "label", "definition"}]}`."""

    period_rule = String()
    items = Raw()


class TerritoryUploadSchema(OutputSchema):
    """What an accepted baseline file replaced: rows, communes, first and last month."""

    rows = Raw()
    communes = Raw()
    from_ = Raw(data_key="from")
    to = Raw()


class ReportQuerySchema(QuerySchema):
    """`year`: the calendar year of the annual report."""

    year = Integer(
        required=True,
        validate=validate.Range(min=2000, max=2999, error="Année entre 2000 et 2999 attendue."),
    )
