"""What the SAS endpoint answers instead of a Bundle: an `OperationOutcome` and a 4xx/5xx."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Issue:
    """One problem, as an `OperationOutcome.issue`: a FHIR issue type and a French sentence."""

    code: str
    diagnostics: str


class FhirError(Exception):
    """A request the endpoint refuses; `issues` become the `OperationOutcome`."""

    def __init__(self, status: int, issues: list[Issue]):
        super().__init__("; ".join(issue.diagnostics for issue in issues))
        self.status = status
        self.issues = issues

    @classmethod
    def one(cls, status: int, code: str, diagnostics: str) -> FhirError:
        """A refusal with a single issue."""
        return cls(status, [Issue(code, diagnostics)])
