"""The password policy: what an attacker would try first (the account's e-mail, the product's
words, then digits and symbols around them) is refused, in the CLI as everywhere else."""

from __future__ import annotations

import pytest

from shared.auth.passwords import password_problems
from shared.auth.service import create_user
from shared.errors import ValidationFailed

EMAIL = "camille.martin@cpts-lyon.test"


@pytest.mark.parametrize(
    "password",
    [
        EMAIL,
        "Camille.Martin@cpts-lyon.test",
        "camillemartin2026",
        "medecintraitant",
        "Relais2026!!",
        "R3l@is2026!!",
        "Demo-relais-2026",
        "demo-relais-2026",
        "CPTS-Lyon-sante-2026",
        "Bonjour2026!!",
    ],
)
def test_the_accounts_and_the_products_words_do_not_make_a_password(password):
    assert password_problems(password, email=EMAIL)


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",
        "lanterne verte sous la pluie",
        "un mot de passe assez long",
        "relais: lanterne verte sous la pluie",
        "q8#Vt2!mLx9@Rk",
    ],
)
def test_a_passphrase_or_a_random_password_is_accepted(password):
    assert password_problems(password, email=EMAIL) == []


def test_create_user_refuses_the_email_as_password(app):
    with app.app_context(), pytest.raises(ValidationFailed) as error:
        create_user(email=EMAIL, password=EMAIL, roles=["coordinator"])
    assert "trop courant" in error.value.fields["password"][0]


@pytest.mark.parametrize("password", [EMAIL, "Relais2026!!", "Demo-relais-2026"])
def test_user_add_command_refuses_the_same_weak_passwords(cli_runner, password):
    result = cli_runner(
        ["user", "add", "--email", EMAIL, "--role", "admin", "--password-stdin"],
        input=password + "\n",
    )
    assert result.exit_code == 2, result.output
    assert "trop courant" in result.output


def test_demo_accounts_may_skip_the_policy_outside_production(app):
    with app.app_context():
        user = create_user(
            email="demo@relais.test",
            password="demo-relais-2026",
            roles=["coordinator"],
            weak_password_allowed=True,
        )
    assert user.id is not None


def test_production_never_skips_the_policy(service_app):
    production = service_app("orientation", env="production")
    with production.app_context(), pytest.raises(ValidationFailed):
        create_user(
            email="demo@relais.test",
            password="demo-relais-2026",
            roles=["coordinator"],
            weak_password_allowed=True,
        )
