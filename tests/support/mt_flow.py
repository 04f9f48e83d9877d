"""Steps of the médecin-traitant workflow used to produce events in notifications tests."""

from __future__ import annotations

from tests.support import payloads


class Cast:
    """A coordinator, a GP with an account, a submitting pharmacist."""

    def __init__(self, client, accounts):
        self.client = client
        self.coordinator = accounts.create("coordinator")
        response = client.post(
            "/api/agenda/professionals", json=payloads.professional(), headers=self.coordinator
        )
        assert response.status_code == 201, response.get_json()
        self.gp_id = response.get_json()["id"]
        self.gp = accounts.create("gp", professional_id=self.gp_id)
        self.pharmacist = accounts.create("professional")

    def submit(self, **patient) -> dict:
        body = payloads.signalement()
        body["patient"].update(patient)
        response = self.client.post(
            "/api/orientation/signalements", json=body, headers=self.pharmacist
        )
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def fire(self, case: dict, name: str, body: dict, headers: dict) -> dict:
        response = self.client.post(
            f"/api/orientation/cases/{case['id']}/transitions/{name}", json=body, headers=headers
        )
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def proposed(self) -> dict:
        case = self.submit()
        self.fire(case, "triage", {"synthesis": "Situation analysée."}, self.coordinator)
        return self.fire(case, "propose", {"professional_id": self.gp_id}, self.coordinator)
