"""Login with Pro Santé Connect: `/auth/psc/login`, `/auth/psc/callback`, `/auth/logout`.

Every check of the provider's answer is in `shared/auth/psc.py`; here the outcome becomes a page
session (a known, enabled account), an access request (an unknown identity), or a French error
page with no session and nothing stored.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from shared.auth.accounts import (
    account_for_identity,
    leave_contact,
    profession_labels,
    record_access_request,
)
from shared.auth.mail import link_base
from shared.auth.permissions import public
from shared.auth.psc import (
    PscFailed,
    authorization_redirect,
    forget_psc_state,
    identity_from_callback,
    logout_url,
    psc_client,
)
from shared.errors import NotFound, ValidationFailed
from shared.web.session import log_in_user, log_out
from shared.web.views import safe_next

if TYPE_CHECKING:
    from shared.auth.psc_client import PscApp

blueprint = Blueprint("psc", __name__, template_folder="templates")
NEXT_KEY = "psc_next"
ID_TOKEN_KEY = "psc_id_token"  # noqa: S105 - a session key
REQUEST_KEY = "psc_access_request"


def _client() -> PscApp:
    client = psc_client()
    if client is None:
        abort(404)
    return client


def _failed(error: PscFailed):
    current_app.logger.warning("psc: login refused (%s)", error.details.get("reason"))
    return render_template("web/error.html", status=400, message=error.message), 400


@blueprint.get("/auth/psc/login")
@public
def login():
    """Send the browser to Pro Santé Connect."""
    client = _client()
    session[NEXT_KEY] = safe_next(request.args.get("next")) or ""
    try:
        return authorization_redirect(client, redirect_uri=f"{link_base()}/auth/psc/callback")
    except PscFailed as error:
        return _failed(error)


@blueprint.get("/auth/psc/callback")
@public
def callback():
    """Back from Pro Santé Connect: a session for a known account, else an access request."""
    client = _client()
    next_path = safe_next(session.pop(NEXT_KEY, None))
    try:
        identity = identity_from_callback(client)
    except PscFailed as error:
        return _failed(error)
    finally:
        forget_psc_state()
    user = account_for_identity(identity)
    if user is None:
        access_request = record_access_request(identity)
        session[REQUEST_KEY] = str(access_request.id)
        return render_template(
            "web/psc/access_request.html",
            access_request=access_request,
            professions=profession_labels(access_request.professions),
        )
    if not user.active:
        message = "Votre compte Relais est désactivé : contactez la coordination de la CPTS."
        return render_template("web/error.html", status=403, message=message), 403
    log_in_user(user, ip=request.remote_addr or "", method="psc")
    session[ID_TOKEN_KEY] = identity.id_token
    return redirect(next_path or url_for("web.home"), code=303)


@blueprint.post("/auth/psc/access-request")
@public
def access_request_contact():
    """The address where the person of the pending request wants the answer."""
    request_id = session.get(REQUEST_KEY)
    if not request_id:
        abort(404)
    try:
        access_request = leave_contact(
            request_id=uuid.UUID(request_id), email=request.form.get("email", "")
        )
    except NotFound:
        abort(404)
    except ValidationFailed as error:
        return render_template(
            "web/psc/access_request.html",
            access_request=None,
            professions="",
            errors=error.fields.get("email", [error.message]),
        ), 422
    return render_template("web/psc/access_request_sent.html", access_request=access_request)


@blueprint.get("/auth/logout")
@public
def logout():
    """End the session; one opened with Pro Santé Connect is ended at the provider too."""
    id_token = session.get(ID_TOKEN_KEY)
    log_out()
    client = psc_client()
    if id_token and client is not None:
        target = logout_url(client, id_token=id_token, post_logout_redirect_uri=f"{link_base()}/")
        if target:
            return redirect(target)
    return redirect(url_for("web.home"))
