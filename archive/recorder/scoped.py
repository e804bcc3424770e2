"""Helpers that live as long as one catalog session (one transaction of the recorder)."""

from __future__ import annotations

from typing import ClassVar, Self

from sqlmodel import Session


class SessionScoped:
    """One instance per session, kept in its ``info``; get it with ``Cls.of(session)``."""

    info_key: ClassVar[str]

    def __init__(self, db: Session) -> None:
        self.db = db

    @classmethod
    def of(cls, db: Session) -> Self:
        found = db.info.get(cls.info_key)
        if found is None:
            found = db.info[cls.info_key] = cls(db)
        return found
