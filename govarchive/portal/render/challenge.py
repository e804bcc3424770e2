"""A 瑞数-style JavaScript cookie challenge in front of a TRS portal.

Without a valid cookie pair every page answers HTTP 412 with the ``$_ts`` markers. The page hands
the visitor a nonce (cookie ``…S``, set by the server) and, derived from it, ``$_ts.nsd`` and
``$_ts.cd``; a script folds ``cd`` into a 32-bit hash over many rounds and stores the result as
cookie ``…T``, then reloads. The server re-derives both from the nonce, so a pair earned once keeps
working for plain HTTP clients that send it back.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
from typing import TYPE_CHECKING

from govarchive.portal.render.base import Request, Response
from govarchive.portal.render.trs import TrsSite

if TYPE_CHECKING:
    from govarchive.portal.specs import SiteSpec

COOKIE_S = "FSSBBIl1UgzbN7N80S"
COOKIE_T = "FSSBBIl1UgzbN7N80T"
ROUNDS = 400
SCRIPT_DIR = "/Xy7Kp2Qm9Lw4"
SCRIPT_NAME = "c.b1e2f3a4.js"


def ts_params(secret: bytes, nonce: str) -> tuple[int, str]:
    """``($_ts.nsd, $_ts.cd)`` for a nonce."""
    mac = hmac.new(secret, nonce.encode(), hashlib.sha256).digest()
    mac2 = hmac.new(secret, mac, hashlib.sha256).digest()
    cd = base64.b64encode(mac + mac2).decode().rstrip("=").replace("+", "q").replace("/", "E")
    return 1000 + int.from_bytes(mac[:2], "big") % 9000, cd


def solve(nsd: int, cd: str, rounds: int = ROUNDS) -> str:
    """What the challenge script computes (FNV-style 32-bit folding of ``cd``), in Python."""
    h = nsd & 0xFFFFFFFF
    codes = [ord(c) for c in cd]
    for r in range(rounds):
        for c in codes:
            h = (((h ^ c) * 16777619) + r) & 0xFFFFFFFF
    return format(h, "x")


class ChallengeGate:
    """Issues nonces and checks cookie pairs; stateless apart from a cache of checked pairs."""

    def __init__(self, secret: bytes | None = None) -> None:
        self.secret = secret or secrets.token_bytes(32)
        self._valid: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def sign(self, nonce: str) -> str:
        mac = hmac.new(self.secret, b"S:" + nonce.encode(), hashlib.sha256).hexdigest()[:16]
        return f"{nonce}.{mac}"

    def nonce_of(self, s_cookie: str | None) -> str | None:
        """The nonce of a genuine ``…S`` cookie, else None."""
        if not s_cookie or "." not in s_cookie:
            return None
        nonce = s_cookie.partition(".")[0]
        return nonce if hmac.compare_digest(self.sign(nonce), s_cookie) else None

    def passes(self, req: Request) -> bool:
        s_cookie, t_cookie = req.cookie(COOKIE_S), req.cookie(COOKIE_T)
        if not s_cookie or not t_cookie:
            return False
        with self._lock:
            if (s_cookie, t_cookie) in self._valid:
                return True
        nonce = self.nonce_of(s_cookie)
        if nonce is None or solve(*ts_params(self.secret, nonce)) != t_cookie:
            return False
        with self._lock:
            self._valid.add((s_cookie, t_cookie))
        return True

    def expected_cookies(self, s_cookie: str) -> dict[str, str]:
        """The cookie pair a browser ends up with after solving the page served with ``s_cookie``."""
        nonce = self.nonce_of(s_cookie)
        if nonce is None:
            raise ValueError(f"{s_cookie!r} is not a cookie this server issued")
        return {COOKIE_S: s_cookie, COOKIE_T: solve(*ts_params(self.secret, nonce))}


class ChallengeSite(TrsSite):
    """A TRS portal (UTF-8) behind the cookie challenge."""

    def __init__(self, spec: SiteSpec, per_page: int, *, gate: ChallengeGate) -> None:
        super().__init__(spec, per_page)
        self.gate = gate

    @property
    def script_path(self) -> str:
        return f"{self.prefix}{SCRIPT_DIR}/{SCRIPT_NAME}"

    def gate_response(self, req: Request) -> tuple[Response | None, bool]:
        """``(412 page or script or None, passed)``: None lets the request through to the portal."""
        if req.path == self.script_path:
            return Response(200, _SCRIPT.encode(), "application/javascript; charset=utf-8"), False
        if self.gate.passes(req):
            return None, True
        nonce = self.gate.nonce_of(req.cookie(COOKIE_S)) or secrets.token_hex(8)
        nsd, cd = ts_params(self.gate.secret, nonce)
        meta = base64.b64encode(hashlib.sha512(nonce.encode() + b"meta").digest() * 2).decode()[:110]
        page = _PAGE.format(meta=meta, nsd=nsd, cd=cd, script=req.root + self.script_path)
        resp = Response(412, page.encode(), "text/html; charset=utf-8")
        resp.headers["Set-Cookie"] = f"{COOKIE_S}={self.gate.sign(nonce)}; Path=/; HttpOnly"
        resp.headers["Cache-Control"] = "no-cache, no-store, must-revalidate"
        return resp, False


_PAGE = """<!DOCTYPE html>
<html><head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<meta http-equiv="Cache-Control" content="no-cache, no-store, must-revalidate">
<meta http-equiv="Pragma" content="no-cache">
<meta http-equiv="Expires" content="0">
<meta content="{meta}" r="m">
<script r='m'>$_ts=window['$_ts'];if(!$_ts)$_ts={{}};$_ts.nsd={nsd};$_ts.cd="{cd}";</script>
<script type="text/javascript" charset="utf-8" src="{script}" r='m'></script>
</head>
<body>
</body></html>
"""

_SCRIPT = f"""(function () {{
  var t = window['$_ts'];
  if (!t || !t.cd) {{ return; }}
  var h = t.nsd | 0, cd = t.cd, r, i;
  for (r = 0; r < {ROUNDS}; r++) {{
    for (i = 0; i < cd.length; i++) {{
      h = (Math.imul(h ^ cd.charCodeAt(i), 16777619) + r) | 0;
    }}
  }}
  document.cookie = "{COOKIE_T}=" + (h >>> 0).toString(16) + "; path=/";
  location.reload();
}})();
"""


_TS = re.compile(r"\$_ts\.nsd=(\d+);\$_ts\.cd=\"([^\"]+)\"")


def solve_page(html: str | bytes) -> str:
    """The ``…T`` cookie value the challenge script of a 412 page computes (for tests and tools)."""
    text = html.decode("utf-8", "replace") if isinstance(html, bytes) else html
    match = _TS.search(text)
    if match is None:
        raise ValueError("no $_ts.nsd / $_ts.cd in the page")
    return solve(int(match.group(1)), match.group(2))
