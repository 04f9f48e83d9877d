"""Indicator query and response schemas."""

from __future__ import annotations

from marshmallow import fields

from shared.schemas import REPORTING_DATES, Date, OutputSchema, QuerySchema


class IndicatorQuerySchema(QuerySchema):
    from_ = Date(data_key="from", load_default=None, validate=REPORTING_DATES)
    to = Date(load_default=None, validate=REPORTING_DATES)


class AgendaFiguresSchema(OutputSchema):
    snp_slots_published = fields.Integer()
    snp_slots_booked = fields.Integer()
    teleconsultations_completed = fields.Integer()


class IndicatorsSchema(OutputSchema):
    period = fields.Dict()
    agenda = fields.Nested(AgendaFiguresSchema)
    by_month = fields.List(fields.Dict())
