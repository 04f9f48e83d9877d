"""`relais` commands of the security model: matrix, audit retention, keys, data subject requests."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from shared.commands import app_context, command_app
from shared.errors import DomainError

SECURITY_DOC = Path(__file__).resolve().parents[1] / "docs" / "security.md"


def _fail(message: str) -> None:
    click.echo(f"Erreur : {message}", err=True)
    sys.exit(2)


@click.group()
def security() -> None:
    """Permission matrix."""


@security.command("matrix")
@click.option("--check", is_flag=True, help="Échoue si docs/security.md n'est pas à jour.")
def security_matrix(check: bool) -> None:
    """Regenerate the permission matrix embedded in docs/security.md."""
    from shared.auth.matrix import embed, render_markdown, write_document

    app = command_app()
    if check:
        current = SECURITY_DOC.read_text(encoding="utf-8")
        if embed(current, render_markdown(app)) != current:
            _fail("la matrice de docs/security.md n'est pas à jour : relais security matrix")
        click.echo("Matrice à jour.")
        return
    changed = write_document(app, SECURITY_DOC)
    click.echo("Matrice mise à jour." if changed else "Matrice déjà à jour.")


@click.group()
def audit() -> None:
    """Audit trail."""


@audit.command("purge")
def audit_purge() -> None:
    """Remove audit entries older than AUDIT_RETENTION_DAYS, and stale failed logins."""
    from shared.audit.retention import purge_expired, purge_login_failures

    with app_context() as app:
        days = app.config["RELAIS_SETTINGS"].audit_retention_days
        removed = purge_expired(retention_days=days)
        failures = purge_login_failures()
    click.echo(f"{removed} entrée(s) d'audit de plus de {days} jours supprimée(s).")
    click.echo(f"{failures} échec(s) de connexion expiré(s) supprimé(s).")


@click.group()
def keys() -> None:
    """Encryption keys of patient identifiers."""


@keys.command("generate")
@click.option("--kid", default=None, help="Identifiant de la clé (lettres et chiffres).")
def keys_generate(kid: str | None) -> None:
    """Print a new ENCRYPTION_KEYS entry (put it first, keep the old ones after it)."""
    from shared.key_rotation import generate_key_spec

    try:
        click.echo(generate_key_spec(kid))
    except ValueError:
        _fail("l'identifiant de clé ne doit contenir que des lettres et des chiffres.")


@keys.command("rotate")
def keys_rotate() -> None:
    """Re-encrypt every identifier with the first key of ENCRYPTION_KEYS and rehash them."""
    from shared.key_rotation import rotate_keys, stale_values

    with app_context():
        report = rotate_keys()
        left = stale_values()
    for table, count in report.rows.items():
        click.echo(f"{table} : {count} ligne(s) rechiffrée(s).")
    if left:
        _fail(f"valeurs encore chiffrées avec une ancienne clé : {left}")
    click.echo("Les anciennes clés peuvent être retirées de ENCRYPTION_KEYS.")


@click.group()
def patient() -> None:
    """Data subject requests (RGPD): right of access and right to erasure."""


@patient.command("export")
@click.option("--reference", required=True, help="Référence d'un dossier du patient.")
@click.option("--by", "operator", required=True, help="E-mail de qui traite la demande.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
def patient_export(reference: str, operator: str, output: Path | None) -> None:
    """Everything held on the patient, as JSON (stdout, or --output, created mode 0600)."""
    from shared.privacy.service import export_patient

    with app_context():
        try:
            data = export_patient(reference=reference, operator=operator)
        except DomainError as exc:
            _fail(exc.message)
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if output is None:
        click.echo(text)
        return
    output.touch(mode=0o600, exist_ok=False)
    output.write_text(text + "\n", encoding="utf-8")
    click.echo(f"Export écrit dans {output}.", err=True)


@patient.command("erase")
@click.option("--reference", required=True, help="Référence d'un dossier du patient.")
@click.option("--by", "operator", required=True, help="E-mail de qui traite la demande.")
@click.option("--yes", is_flag=True, help="Confirmer l'effacement (irréversible).")
def patient_erase(reference: str, operator: str, yes: bool) -> None:
    """Anonymise the patient's identity in all their (closed) cases; irreversible."""
    from shared.privacy.service import erase_patient

    if not yes:
        _fail("effacement irréversible : relancez avec --yes pour confirmer.")
    with app_context():
        try:
            references = erase_patient(reference=reference, operator=operator)
        except DomainError as exc:
            _fail(exc.message)
    click.echo(f"Identité effacée dans : {', '.join(references)}.")


@click.command("disable")
@click.option("--email", required=True)
def user_disable(email: str) -> None:
    """Disable an account and revoke its tokens."""
    from shared.auth.service import disable_user

    with app_context():
        try:
            disable_user(email)
        except DomainError as exc:
            _fail(exc.message)
    click.echo("Compte désactivé, jetons révoqués.")
