"""The one URL mask: how every URL that may hold a secret is shown (settings, errors, alert channels).

The mask, ``********`` in place of each secret:

- a password in the user part: ``postgresql://arch:********@db/ga``, ``mailto://user:********@host``
  (the user name stays: it says which account);
- the value of a query parameter whose name says secret (token, key, secret, password, signature,
  credential, auth, session): ``s3://b/p?secret_access_key=********``;
- for alert-channel schemes (anything but the storage/database/web schemes below), where the
  address itself is the credential: every host (unless a host name or IP address) and path segment
  that looks like a token, 8+ characters with a digit or 16+ characters
  (``tgram://********/********``, ``dingtalk://********/``).

Text without ``scheme://`` is returned as it is (a file path). Never raises.
"""

from __future__ import annotations

import re

MASK = "********"

# Schemes whose host and path are addresses, not credentials.
_ADDRESS_SCHEMES = frozenset({
    "http", "https", "file", "sqlite", "postgresql", "postgres", "mysql", "redis", "rediss", "unix", "s3",
})
_SECRET_PARAM = re.compile(r"token|key|secret|pass|pwd|sig|cred|auth|session", re.IGNORECASE)
_HOSTNAME = re.compile(r"(?:localhost|\[[0-9a-fA-F:.]+\]|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)(?::\d+)?$")


def _tokenish(segment: str) -> bool:
    return len(segment) >= 16 or (len(segment) >= 8 and any(c.isdigit() for c in segment))


def _mask_query(query: str) -> str:
    parts = []
    for pair in query.split("&"):
        name, eq, value = pair.partition("=")
        parts.append(f"{name}={MASK}" if eq and value and _SECRET_PARAM.search(name) else pair)
    return "&".join(parts)


def mask_url(url: str) -> str:
    """``url`` with its secrets replaced by ``********`` (see the module docstring)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    rest, hash_, fragment = rest.partition("#")
    rest, question, query = rest.partition("?")
    authority, slash, path = rest.partition("/")
    userinfo, at, host = authority.rpartition("@")
    if at:
        user, colon, password = userinfo.partition(":")
        userinfo = f"{user}:{MASK}" if colon and password else userinfo
    if scheme.split("+", 1)[0].lower() not in _ADDRESS_SCHEMES:
        if _tokenish(host) and not _HOSTNAME.match(host):
            host = MASK
        path = "/".join(MASK if _tokenish(s) else s for s in path.split("/"))
    authority = f"{userinfo}{at}{host}"
    query = _mask_query(query) if question else query
    return f"{scheme}{sep}{authority}{slash}{path}{question}{query}{hash_}{fragment}"
