"""Who is asking: API tokens, signed session cookies, CSRF tokens.

Reading is public unless ``web.public_read`` is false; every change of state needs a known user:
``Authorization: Bearer <token>`` (one of ``web.tokens``) or a session login (``web.users``).
Session cookies are signed with HMAC-SHA256 over the web secret key; forms posted with a session
carry a per-session CSRF token. Bearer requests need no CSRF token: browsers never add that
header on their own.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SESSION_COOKIE = "govarchive_session"
SESSION_MAX_AGE = 14 * 24 * 3600
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SECRET_FILE = "web-secret.key"


@dataclass(frozen=True, slots=True)
class Identity:
    """An authenticated caller."""

    name: str
    method: str  # "token" / "session"
    admin: bool = True  # may change state; tokens and web.users always may


@dataclass(slots=True)
class SessionData:
    """What the signed cookie carries."""

    csrf: str
    user: str | None = None
    issued: int = 0


def load_secret_key(configured: str | None, home: Path) -> bytes:
    """The configured key, else one generated once into ``<home>/web-secret.key`` (mode 0600)."""
    if configured:
        return configured.encode("utf-8")
    path = home / SECRET_FILE
    if path.is_file():
        return path.read_bytes().strip()
    home.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32).encode("ascii")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key


class SessionSigner:
    """Encode and verify session cookies: ``base64(json).base64(hmac)``."""

    def __init__(self, key: bytes, max_age: int = SESSION_MAX_AGE) -> None:
        self._key = hashlib.sha256(b"govarchive-session\0" + key).digest()
        self.max_age = max_age

    def _sign(self, payload: bytes) -> str:
        mac = hmac.new(self._key, payload, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")

    def dumps(self, data: SessionData) -> str:
        body = json.dumps({"c": data.csrf, "u": data.user, "i": data.issued}, separators=(",", ":"))
        payload = base64.urlsafe_b64encode(body.encode("utf-8")).rstrip(b"=")
        return payload.decode("ascii") + "." + self._sign(payload)

    def loads(self, cookie: str | None) -> SessionData | None:
        """The session, or None when absent, tampered with or expired."""
        if not cookie or "." not in cookie:
            return None
        payload_text, _, signature = cookie.rpartition(".")
        payload = payload_text.encode("ascii", "replace")
        if not hmac.compare_digest(self._sign(payload), signature):
            return None
        try:
            raw: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + b"=" * (-len(payload) % 4)))
            data = SessionData(csrf=str(raw["c"]), user=raw.get("u"), issued=int(raw.get("i", 0)))
        except (ValueError, KeyError, TypeError):
            return None
        if data.issued and time.time() - data.issued > self.max_age:
            return None
        return data


def new_session(user: str | None = None) -> SessionData:
    return SessionData(csrf=secrets.token_urlsafe(24), user=user, issued=int(time.time()))


def check_password(stored: str, given: str) -> bool:
    """Compare a password; ``stored`` is plain text or ``pbkdf2_sha256$ROUNDS$SALT$HEXDIGEST``."""
    if stored.startswith("pbkdf2_sha256$"):
        try:
            _, rounds, salt, digest = stored.split("$", 3)
            computed = hashlib.pbkdf2_hmac("sha256", given.encode("utf-8"), salt.encode("utf-8"), int(rounds))
        except ValueError:
            return False
        return hmac.compare_digest(computed.hex(), digest)
    return hmac.compare_digest(stored.encode("utf-8"), given.encode("utf-8"))


def hash_password(password: str, rounds: int = 200_000) -> str:
    """A ``pbkdf2_sha256$…`` value to put in ``web.users`` instead of a plain password."""
    salt = secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt.encode("utf-8"), rounds)
    return f"pbkdf2_sha256${rounds}${salt}${digest.hex()}"


def token_identity(header: str | None, tokens: list[str]) -> Identity | None:
    """The identity behind ``Authorization: Bearer …`` when the token is one of ``tokens``."""
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value:
        return None
    for index, token in enumerate(tokens):
        if token and hmac.compare_digest(token.encode("utf-8"), value.encode("utf-8")):
            return Identity(name=f"token-{index + 1}", method="token")
    return None
