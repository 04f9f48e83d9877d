"""Forms read into API bodies, and the API's errors mapped back onto their fields (issue 14)."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from shared.web.forms import Field, FormState, errors_by_field, form_body

FIELDS = (
    Field("patient.last_name", "Nom", required=True),
    Field("patient.address.postal_code", "Code postal", required=True),
    Field("pregnancy.weeks", "Semaines de grossesse"),
    Field("pregnancy.start_date", "Date de début de grossesse", "date"),
    Field("consent.data_sharing", "Partage des données", "checkbox"),
)


def test_an_empty_form_still_sends_every_group_so_each_field_is_named():
    assert form_body(MultiDict(), FIELDS) == {
        "patient": {"address": {}},
        "pregnancy": {},
        "consent": {"data_sharing": False},
    }


def test_a_checkbox_is_a_json_boolean_and_text_is_stripped():
    body = form_body(
        MultiDict({"patient.last_name": "  Testnom ", "consent.data_sharing": "on"}), FIELDS
    )
    assert body["patient"]["last_name"] == "Testnom"
    assert body["consent"]["data_sharing"] is True


def test_an_error_about_a_whole_group_goes_to_its_first_field():
    attached, general = errors_by_field(
        {
            "pregnancy": ["Indiquez la date de début de grossesse ou le nombre de semaines."],
            "patient.address": ["Objet attendu."],
            "patient.address.postal_code": ["Ce champ est obligatoire."],
            "_schema": ["Un objet JSON est attendu."],
        },
        FIELDS,
    )
    assert attached == {
        "pregnancy.weeks": ["Indiquez la date de début de grossesse ou le nombre de semaines."],
        "patient.address.postal_code": ["Objet attendu.", "Ce champ est obligatoire."],
    }
    assert general == ["Un objet JSON est attendu."]


def test_a_failed_form_has_its_errors_on_fields():
    form = FormState.failed(FIELDS, MultiDict(), {"pregnancy": ["Indiquez…"]})
    assert form.errors == {"pregnancy.weeks": ["Indiquez…"]}
    assert form.general_errors == []
