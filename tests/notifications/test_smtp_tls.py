"""E-mail the MSSanté way: submission to an operator over TLS (STARTTLS or implicit) with the
structure's certificate, the operator's certificate always verified, and a TLS failure a
delivery failure that is retried then dead, never a message sent in clear text.

The authorities and certificates are made by the test (`cryptography`); the operator is the
aiosmtpd sink of `tests/support/smtp_sink.py` requiring a client certificate.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from sqlalchemy import select

from services.notifications import mailer
from services.notifications.models import Delivery
from services.notifications.service import DeliveryDelayed, process_event
from shared.extensions import db
from shared.outbox.models import OutboxEvent
from shared.settings import ConfigurationError, Settings
from tests.support.factories import World
from tests.support.notifications import MAIL, configure
from tests.support.servers import free_port

STRUCTURE = "CPTS de test (certificat de structure)"


class Authority:
    """A certification authority of the test, issuing server and client certificates."""

    def __init__(self, folder: Path, name: str):
        self.folder, self.name = folder, name
        folder.mkdir(parents=True, exist_ok=True)
        self.key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        self.certificate = (
            self._builder(subject, subject, self.key.public_key())
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .sign(self.key, hashes.SHA256())
        )
        self.pem = self._write("ca.pem", self.certificate.public_bytes(serialization.Encoding.PEM))

    @staticmethod
    def _builder(subject, issuer, public_key) -> x509.CertificateBuilder:
        now = dt.datetime.now(dt.UTC)
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        )

    def _write(self, name: str, data: bytes) -> Path:
        path = self.folder / name
        path.write_bytes(data)
        return path

    def issue(self, name: str, *, server: bool, hosts: tuple[str, ...] = ()) -> tuple[Path, Path]:
        """A certificate for `name` (a server for `hosts`, or a client): (cert, key) files."""
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
        builder = (
            self._builder(subject, self.certificate.subject, key.public_key())
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
        )
        if hosts:
            names = [
                x509.IPAddress(ipaddress.ip_address(host))
                if host[0].isdigit()
                else x509.DNSName(host)
                for host in hosts
            ]
            builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
        certificate = builder.sign(self.key, hashes.SHA256())
        stem = name.split(" ")[0].lower()
        cert = self._write(f"{stem}.crt", certificate.public_bytes(serialization.Encoding.PEM))
        key_file = self._write(
            f"{stem}.key",
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        )
        return cert, key_file


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> dict:
    """The operator's authority (its server, our structure), and a rogue one."""
    folder = tmp_path_factory.mktemp("pki")
    operator = Authority(folder / "operator", "Autorité de test MSSanté")
    rogue = Authority(folder / "rogue", "Autorité inconnue")
    return {
        "ca": operator.pem,
        "server": operator.issue("localhost", server=True, hosts=("localhost", "127.0.0.1")),
        "server_named_otherwise": operator.issue(
            "ailleurs.example", server=True, hosts=("ailleurs.example",)
        ),
        "client": operator.issue(STRUCTURE, server=False),
        "rogue_server": rogue.issue("localhost", server=True, hosts=("localhost", "127.0.0.1")),
        "rogue_client": rogue.issue(STRUCTURE, server=False),
    }


def _operator(smtp_factory, pki, mode: str, server: str = "server"):
    cert, key = pki[server]
    return smtp_factory(
        "--tls", mode, "--cert", str(cert), "--key", str(key), "--client-ca", str(pki["ca"])
    )


def _settings(sink, pki, *, scheme: str, client: str | None = "client", host="localhost"):
    cert, key = pki[client] if client else (None, None)
    return Settings(
        env="test",
        smtp_url=f"{scheme}://{host}:{sink.port}",
        smtp_client_cert=str(cert) if cert else None,
        smtp_client_key=str(key) if key else None,
        smtp_ca_file=str(pki["ca"]),
        smtp_timeout_seconds=5,
    )


def _peers(sink) -> list[str]:
    return [path.read_text() for path in sorted(sink.folder.glob("*.peer"))]


@pytest.mark.parametrize(("mode", "scheme"), [("starttls", "smtp+starttls"), ("implicit", "smtps")])
def test_mail_reaches_the_operator_over_tls_with_the_structures_certificate(
    smtp_factory, pki, mode, scheme
):
    sink = _operator(smtp_factory, pki, mode)
    mailer.send(_settings(sink, pki, scheme=scheme), MAIL)
    [message] = sink.messages()
    assert message["To"] == "medecin@exemple.mssante.fr"
    assert _peers(sink) == [STRUCTURE]


@pytest.mark.parametrize(("mode", "scheme"), [("starttls", "smtp+starttls"), ("implicit", "smtps")])
def test_consecutive_mails_share_one_tls_session_with_the_structures_certificate(
    smtp_factory, pki, mode, scheme
):
    sink = _operator(smtp_factory, pki, mode)
    settings = _settings(sink, pki, scheme=scheme)
    try:
        for _ in range(3):
            mailer.send(settings, MAIL)
    finally:
        mailer.close_session()
    assert len(sink.messages()) == 3
    assert sink.sessions() == [1, 1, 1]  # one handshake, one certificate check
    assert _peers(sink) == [STRUCTURE] * 3


@pytest.mark.parametrize(("mode", "scheme"), [("starttls", "smtp+starttls"), ("implicit", "smtps")])
@pytest.mark.parametrize("client", ["rogue_client", None])
def test_a_wrong_or_missing_client_certificate_is_a_tls_failure(
    smtp_factory, pki, mode, scheme, client
):
    sink = _operator(smtp_factory, pki, mode)
    with pytest.raises(mailer.TlsFailure):
        mailer.send(_settings(sink, pki, scheme=scheme, client=client), MAIL)
    assert sink.messages() == []


@pytest.mark.parametrize(("mode", "scheme"), [("starttls", "smtp+starttls"), ("implicit", "smtps")])
def test_an_untrusted_server_is_a_tls_failure(smtp_factory, pki, mode, scheme):
    sink = _operator(smtp_factory, pki, mode, server="rogue_server")
    with pytest.raises(mailer.TlsFailure, match="CERTIFICATE_VERIFY_FAILED"):
        mailer.send(_settings(sink, pki, scheme=scheme), MAIL)
    assert sink.messages() == []


def test_a_server_certificate_for_another_name_is_a_tls_failure(smtp_factory, pki):
    sink = _operator(smtp_factory, pki, "implicit", server="server_named_otherwise")
    with pytest.raises(mailer.TlsFailure, match="CERTIFICATE_VERIFY_FAILED"):
        mailer.send(_settings(sink, pki, scheme="smtps"), MAIL)
    assert sink.messages() == []


def test_no_starttls_offered_means_nothing_sent_in_clear_text(smtp_factory, pki):
    plain = smtp_factory()
    with pytest.raises(mailer.TlsFailure, match="STARTTLS"):
        mailer.send(_settings(plain, pki, scheme="smtp+starttls"), MAIL)
    assert plain.messages() == []


def test_the_older_starttls_option_also_refuses_clear_text(smtp_factory, pki):
    plain = smtp_factory()
    settings = dataclasses.replace(
        _settings(plain, pki, scheme="smtp", client=None),
        smtp_url=f"smtp://localhost:{plain.port}?starttls=1",
    )
    with pytest.raises(mailer.TlsFailure):
        mailer.send(settings, MAIL)
    assert plain.messages() == []


def test_settings_read_the_certificate_key_and_authority():
    settings = Settings.from_environ(
        {
            "SMTP_URL": "smtp+starttls://smtp.operateur.example:587",
            "SMTP_CLIENT_CERT": "/etc/relais/structure.crt",
            "SMTP_CLIENT_KEY": "/etc/relais/structure.key",
            "SMTP_CA_FILE": "/etc/relais/operateur-ca.pem",
        }
    )
    assert settings.smtp_client_cert == "/etc/relais/structure.crt"
    assert settings.smtp_client_key == "/etc/relais/structure.key"
    assert settings.smtp_ca_file == "/etc/relais/operateur-ca.pem"


@pytest.mark.parametrize(
    "environ",
    [
        # A certificate on a clear-text connection.
        {"SMTP_URL": "smtp://relay.example:25", "SMTP_CLIENT_CERT": "/c.crt"},
        {"SMTP_URL": "smtp://relay.example:25", "SMTP_CA_FILE": "/ca.pem"},
        # A key without its certificate.
        {"SMTP_URL": "smtps://relay.example", "SMTP_CLIENT_KEY": "/c.key"},
        # A misspelt scheme must not become a clear-text connection.
        {"SMTP_URL": "smtp+startls://relay.example:587"},
        {"SMTP_URL": "smtp+tls://relay.example:587"},
    ],
)
def test_settings_refuse_what_could_end_in_clear_text(environ):
    with pytest.raises(ConfigurationError):
        Settings.from_environ(environ)


def _use(app, settings: Settings, **changes) -> None:
    configure(
        app,
        smtp_url=settings.smtp_url,
        smtp_client_cert=settings.smtp_client_cert,
        smtp_client_key=settings.smtp_client_key,
        smtp_ca_file=settings.smtp_ca_file,
        smtp_timeout_seconds=5,
        **changes,
    )


def _email_delivery() -> Delivery:
    return db.session.scalar(
        select(Delivery)
        .where(Delivery.channel == "email")
        .execution_options(populate_existing=True)
    )


def _signalement_event(app, client, accounts):
    """A signalement whose e-mail to the coordinator is to be sent: (world, event id)."""
    world = World(client, accounts).with_people("coordinator", "submitter")
    world.submit()
    with app.app_context():
        return world, db.session.scalar(select(OutboxEvent.id))


def test_a_tls_failure_leaves_the_delivery_failed_then_the_retry_sends_it(
    app, client, accounts, smtp_factory, pki
):
    sink = _operator(smtp_factory, pki, "starttls")
    _use(app, _settings(sink, pki, scheme="smtp+starttls", client="rogue_client"))
    world, event_id = _signalement_event(app, client, accounts)
    with app.app_context():
        with pytest.raises(DeliveryDelayed):
            process_event(event_id)
        failed = db.session.scalar(select(Delivery).where(Delivery.channel == "email"))
        assert (failed.status, failed.attempts) == ("failed", 1)
        assert "SSL" in failed.last_error or "Disconnected" in failed.last_error
    assert sink.messages() == []

    right_cert, right_key = pki["client"]
    configure(app, smtp_client_cert=str(right_cert), smtp_client_key=str(right_key))
    with app.app_context():
        assert process_event(event_id) == "delivered"
        sent = db.session.scalar(select(Delivery).where(Delivery.channel == "email"))
        assert (sent.status, sent.attempts) == ("sent", 2)
    assert [m["To"] for m in sink.messages()] == [world.coordinator["X-Test-Email"]]
    assert _peers(sink) == [STRUCTURE]


@pytest.mark.parametrize(
    ("server", "certificate"), [("server", "rogue_client"), ("rogue_server", "client")]
)
def test_a_tls_failure_is_dead_once_the_configured_retries_are_spent(
    app, client, accounts, smtp_factory, pki, server, certificate
):
    sink = _operator(smtp_factory, pki, "starttls", server=server)
    settings = _settings(sink, pki, scheme="smtp+starttls", client=certificate)
    # One try, then one per retry interval: three in all.
    _use(app, settings, delivery_retry_seconds=(0, 0))
    _world, event_id = _signalement_event(app, client, accounts)
    with app.app_context():
        for attempt in (1, 2):
            with pytest.raises(DeliveryDelayed):
                process_event(event_id)
            assert (_email_delivery().status, _email_delivery().attempts) == ("failed", attempt)
        assert process_event(event_id) == "delivered"
        dead = _email_delivery()
        assert (dead.status, dead.attempts) == ("dead", 3)
        assert dead.last_error.startswith("TLS")
        # Settled: the event is confirmed, and nothing is left to retry.
        assert db.session.get(OutboxEvent, event_id).processed_at is not None
        assert process_event(event_id) == "done"
    assert sink.messages() == []


def test_no_starttls_offered_is_dead_once_the_retries_are_spent(
    app, client, accounts, smtp_factory, pki
):
    plain = smtp_factory()
    _use(
        app, _settings(plain, pki, scheme="smtp+starttls", client=None), delivery_retry_seconds=(0,)
    )
    _world, event_id = _signalement_event(app, client, accounts)
    with app.app_context():
        with pytest.raises(DeliveryDelayed):
            process_event(event_id)
        process_event(event_id)
        dead = _email_delivery()
        assert (dead.status, dead.attempts) == ("dead", 2)
        assert "STARTTLS" in dead.last_error
    assert plain.messages() == []


def test_a_server_that_is_down_is_still_retried_past_the_retries(app, client, accounts, pki):
    """The rule for plain connection failures is unchanged: failed, retried, never dead."""
    _use(
        app,
        Settings(env="test", smtp_url=f"smtp+starttls://localhost:{free_port()}"),
        delivery_retry_seconds=(0,),
    )
    _world, event_id = _signalement_event(app, client, accounts)
    with app.app_context():
        for attempt in (1, 2, 3, 4):
            with pytest.raises(DeliveryDelayed):
                process_event(event_id)
            delivery = _email_delivery()
            assert (delivery.status, delivery.attempts) == ("failed", attempt)
            assert "TLS" not in delivery.last_error
