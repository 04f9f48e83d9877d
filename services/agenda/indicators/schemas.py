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
    professionals_publishing = fields.Integer()
    professionals_booking = fields.Integer()


class TeleconsultationFiguresSchema(OutputSchema):
    nurses = fields.Integer()
    gps = fields.Integer()
    completed = fields.Integer()


class DirectoryFiguresSchema(OutputSchema):
    volunteer_gps = fields.Integer()
    volunteer_capacity = fields.Integer()


class IndicatorsSchema(OutputSchema):
    period = fields.Dict()
    agenda = fields.Nested(AgendaFiguresSchema)
    teleconsultation = fields.Nested(TeleconsultationFiguresSchema)
    directory = fields.Nested(DirectoryFiguresSchema)
    by_month = fields.List(fields.Dict())
