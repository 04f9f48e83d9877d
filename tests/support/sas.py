"""Helpers of the SAS search tests: the SAS platform as a client, the CPTS's settings,
directory entries and slots published through the agenda API."""

from __future__ import annotations

import datetime as dt

from services.agenda.sas.schemas import IDNPS_SYSTEM, INCLUDES, PRACTITIONER_PARAMETER
from shared.timeutil import PARIS, utcnow
from tests.support import factories
from tests.support.agenda import in_days, publish

TOKEN = "sas-test-token-0123456789abcdef"  # noqa: S105 - test only
PUBLIC_URL = "https://relais.example"
CPTS = {"cpts_name": "CPTS Exemple", "cpts_finess": "950047225", "cpts_phone": "+33102030405"}


def instant(moment: dt.datetime) -> str:
    """The first date form: Paris time with milliseconds and offset."""
    return moment.astimezone(PARIS).isoformat(timespec="milliseconds")


def window(hours: int = 72, *, start: dt.datetime | None = None) -> tuple[str, str]:
    """`ge…` and `le…` bounds from now (or `start`) for `hours`."""
    lower = start or utcnow()
    return f"ge{instant(lower)}", f"le{instant(lower + dt.timedelta(hours=hours))}"


def identifiers(*rpps: str) -> str:
    """The practitioners parameter: `urn:oid:…|8<RPPS>` separated by commas."""
    return ",".join(f"{IDNPS_SYSTEM}|8{number}" for number in rpps)


class Sas:
    """The SAS platform, calling the endpoint as the ANS guide describes."""

    def __init__(self, client):
        self.client = client

    def query(
        self,
        *rpps: str,
        bounds: tuple[str, str] | None = None,
        includes: tuple[str, ...] = INCLUDES,
        extra: tuple[tuple[str, str], ...] = (),
    ) -> list[tuple[str, str]]:
        lower, upper = bounds or window()
        params = [
            ("start", lower),
            ("start", upper),
            (PRACTITIONER_PARAMETER, identifiers(*rpps)),
            ("status", "free"),
        ]
        for chain in includes:
            iterate = chain in ("Schedule:actor", "HealthcareService:organization")
            params.append(("_include:iterate" if iterate else "_include", chain))
        return params + list(extra)

    def get(self, params, *, token: str | None = TOKEN, headers: dict | None = None):
        sent = {"Accept": "application/fhir+json", **(headers or {})}
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        return self.client.get("/fhir/sas/Slot", query_string=params, headers=sent)

    def search(self, *rpps: str, **kwargs):
        return self.get(self.query(*rpps, **kwargs))


class Directory:
    """Professionals and slots, made through the agenda API by the coordinator."""

    def __init__(self, client, accounts):
        self.client = client
        self.coordinator = accounts.create("coordinator")

    def professional(self, **overrides) -> dict:
        return factories.professional(self.client, self.coordinator, **overrides)

    def slot(self, professional: dict, *, days: int = 1, start="10:00", end="10:20", **body):
        response = publish(
            self.client,
            self.coordinator,
            professional["id"],
            day=in_days(days),
            start=start,
            end=end,
            **body,
        )
        assert response.status_code == 201, response.get_json()
        return response.get_json()
