"""Web accounts: ``web.users`` from the settings plus users kept in the catalog.

``web.users`` (``name = "password"`` or ``name = "pbkdf2_sha256$…"``) are administrators, as
before. ``govarchive users add NAME [--admin]`` and the first-run setup page add users to the
catalog, passwords hashed; only administrators may change state.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from archive.catalog.models import WebUser

from .auth import check_password, hash_password

USER_NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,100}$")
MIN_PASSWORD = 8


class UserError(ValueError):
    """A user that cannot be added or removed as asked; one line."""


@dataclass(frozen=True, slots=True)
class Account:
    name: str
    admin: bool
    origin: str  # "settings" / "catalog"


def has_users(engine: Engine, configured: Mapping[str, str]) -> bool:
    """Whether anyone can log in yet."""
    if configured:
        return True
    with Session(engine) as session:
        return session.exec(select(WebUser.id).limit(1)).first() is not None


def authenticate(engine: Engine, configured: Mapping[str, str], name: str, password: str) -> Account | None:
    """The account when ``password`` is right for ``name``, else None."""
    if name in configured:
        return Account(name, True, "settings") if check_password(configured[name], password) else None
    with Session(engine) as session:
        user = session.exec(select(WebUser).where(WebUser.name == name)).first()
    if user is None or not check_password(user.password_hash, password):
        return None
    return Account(user.name, user.admin, "catalog")


def find_account(engine: Engine, configured: Mapping[str, str], name: str) -> Account | None:
    """A known account by name (for a session cookie naming it)."""
    if name in configured:
        return Account(name, True, "settings")
    with Session(engine) as session:
        user = session.exec(select(WebUser).where(WebUser.name == name)).first()
    return Account(user.name, user.admin, "catalog") if user else None


def add_user(engine: Engine, configured: Mapping[str, str], name: str, password: str, *, admin: bool) -> Account:
    """Store a new user with a hashed password."""
    if not USER_NAME.match(name):
        raise UserError(f"{name!r} is not a user name (letters, digits, _ . @ -)")
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password must have at least {MIN_PASSWORD} characters")
    if name in configured:
        raise UserError(f"user {name!r} is already defined in web.users")
    with Session(engine) as session:
        if session.exec(select(WebUser).where(WebUser.name == name)).first() is not None:
            raise UserError(f"user {name!r} already exists")
        session.add(WebUser(name=name, password_hash=hash_password(password), admin=admin))
        session.commit()
    return Account(name, admin, "catalog")


def list_users(engine: Engine, configured: Mapping[str, str]) -> list[Account]:
    with Session(engine) as session:
        stored = [Account(u.name, u.admin, "catalog") for u in session.exec(select(WebUser).order_by(WebUser.name))]
    return [Account(name, True, "settings") for name in sorted(configured)] + stored


def remove_user(engine: Engine, name: str) -> bool:
    """Delete a catalog user; False when there is none of that name."""
    with Session(engine) as session:
        user = session.exec(select(WebUser).where(WebUser.name == name)).first()
        if user is None:
            return False
        session.delete(user)
        session.commit()
    return True
