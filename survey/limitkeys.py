"""Rate-limit keys: who a limit counts, as a keyed hash, never an address or email itself."""

import hashlib
import hmac

from flask import current_app, request


def _keyed(kind: str, value: str) -> str:
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else secret
    digest = hmac.new(secret, f"ratelimit:{kind}:{value}".encode(), hashlib.sha256)
    return f"{kind}:{digest.hexdigest()[:20]}"


def address_key() -> str:
    """The client address (as ProxyFix saw it behind trusted proxies), as a keyed hash."""
    return _keyed("address", request.remote_addr or "unknown")


def _form_email_key(kind: str) -> str:
    email = (request.form.get("email") or "").strip().lower()
    return _keyed(kind, email or "-")


def login_account_key() -> str:
    """The account a login form names, as a keyed hash (the same for unknown addresses)."""
    return _form_email_key("account")


def reset_account_key() -> str:
    """The account a password-reset form names, as a keyed hash (the same whether or not an
    account has the address), counted apart from logins."""
    return _form_email_key("reset")
