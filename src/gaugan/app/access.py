"""Who may use the API: everyone on loopback by default, or only holders of the server's token.

With ``gaugan serve --token T`` (or ``GAUGAN_TOKEN``) every ``/api/...`` route needs the header
``Authorization: Bearer T``; the comparison takes the same time whatever the guess. The page,
its static files, ``/healthz`` and the API docs stay open: they reveal no pictures and cost no
inference. The painter takes the token from its address (``/#token=T``, a fragment: browsers never
send it to the server or put it in logs) and sends it with each request. No CORS headers are ever
sent, so other sites' pages cannot read the API's answers from a visitor's browser.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets

from fastapi import Depends, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gaugan.app.schemas import ErrorDetail

TOKEN_ENV = "GAUGAN_TOKEN"
UNAUTHORIZED = {401: {"model": ErrorDetail, "description": "no token, or a wrong one (this server was started with --token)"}}


def token_guard(token: str | None) -> tuple[list, dict]:
    """(dependencies, responses) for every API route: empty without a token."""
    if token is None:
        return [], {}
    if not token:
        raise ValueError("the token must not be empty")
    expected = token.encode()
    bearer = HTTPBearer(auto_error=False, description="the token given to `gaugan serve --token`")

    def require_token(credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> None:
        given = credentials.credentials.encode() if credentials is not None else b""
        if not hmac.compare_digest(given, expected):
            raise HTTPException(401, "this server needs its token: send the header 'Authorization: Bearer <token>' "
                                     "(the painter page takes it from its address: /#token=<token>)",
                                headers={"WWW-Authenticate": "Bearer"})

    return [Depends(require_token)], UNAUTHORIZED


def new_token() -> str:
    """A random token for users who ask for one (``--token auto``)."""
    return secrets.token_urlsafe(24)


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"
