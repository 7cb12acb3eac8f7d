"""Who may use the browser, and which writes it accepts.

Two gates decide who a request comes from:

* :class:`TokenGate` (``agent-data-store serve``): the operator opens the URL with
  ``?token=…`` once; the browser then holds a signed session cookie (HttpOnly,
  SameSite=Strict) and the token leaves the address bar. Scripts may send
  ``Authorization: Bearer TOKEN`` on reads and downloads instead.
* :class:`HostGate` (a host's per-user app): the host's own authentication names the user
  through ``user_for_request``; the browser never shows anyone else's data.

Every write (POST) must carry the per-session CSRF token of the page's forms and must not
come from another site (``Origin``, ``Sec-Fetch-Site``). :class:`SecurityHeaders` adds a
content security policy without inline scripts or styles, and no caching of pages.
"""

from __future__ import annotations

import hashlib
import hmac
import inspect
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SESSION_COOKIE = "agent_data_store_session"
CSRF_COOKIE = "agent_data_store_csrf"
CSRF_FIELD = "csrf_token"
TOKEN_PARAMETER = "token"

UserForRequest = Callable[[Request], "Awaitable[str | None] | str | None"]
"""A host's function naming the signed-in user of a request (``None``: nobody)."""


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who a request comes from, as far as the browser cares."""

    user_id: str | None
    """The one user whose data this viewer may see and change; ``None`` for the operator,
    who may see every user's."""
    csrf_token: str
    """What this viewer's forms carry and every write must send back."""
    new_cookies: tuple[tuple[str, str], ...] = ()
    """Cookies (name, value) the response must give the browser."""


class Refusal(Exception):
    """The request is not let in; ``status`` and ``reason`` say why (shown to the person)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class Gate(Protocol):
    """Decides who a request comes from."""

    async def admit(self, request: Request) -> Viewer | Response:
        """The viewer, or a response to send instead (a sign-in redirect); raise
        :class:`Refusal` to turn the request away."""


def _sign(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def cookie_path(request: Request) -> str:
    """The path the browser's cookies are scoped to: where the app is mounted."""
    return str(request.scope.get("root_path") or "") + "/"


def set_cookie(request: Request, response: Response, name: str, value: str) -> None:
    """Give the browser a cookie only this app's pages send back, never to other sites."""
    response.set_cookie(
        name, value, path=cookie_path(request), httponly=True, samesite="strict",
        secure=request.url.scheme == "https",
    )


class TokenGate:
    """The operator's gate: a secret token, exchanged once for a signed session cookie."""

    def __init__(self, token: str) -> None:
        if len(token) < 16:
            raise ValueError("the browser's token must be at least 16 characters long")
        self._token = token
        # Sessions and CSRF tokens are signed with a key derived from the token, so they
        # survive a restart with the same token and die with a new one.
        self._key = hmac.new(token.encode("utf-8"), b"agent-data-store web browser",
                             hashlib.sha256).digest()

    def _matches(self, candidate: str) -> bool:
        return hmac.compare_digest(candidate.encode("utf-8"), self._token.encode("utf-8"))

    def _viewer(self, session_id: str) -> Viewer:
        return Viewer(None, _sign(self._key, f"csrf:{session_id}"))

    async def admit(self, request: Request) -> Viewer | Response:
        """Sign in with ``?token=``, else check the session cookie or a bearer token."""
        offered = request.query_params.get(TOKEN_PARAMETER)
        if offered is not None and request.method == "GET":
            if not self._matches(offered):
                raise Refusal(401, "That token is not the one this browser was started with.")
            # Trade the token for a session, and take it out of the address bar (and so
            # out of the history and of any Referer).
            session_id = secrets.token_urlsafe(18)
            response = RedirectResponse(
                str(request.url.remove_query_params(TOKEN_PARAMETER)), status_code=303
            )
            set_cookie(request, response, SESSION_COOKIE,
                        f"{session_id}.{_sign(self._key, f'session:{session_id}')}")
            return response
        cookie = request.cookies.get(SESSION_COOKIE, "")
        session_id, _, signature = cookie.partition(".")
        if session_id and hmac.compare_digest(
            signature, _sign(self._key, f"session:{session_id}")
        ):
            return self._viewer(session_id)
        authorization = request.headers.get("authorization", "")
        scheme, _, credentials = authorization.partition(" ")
        if scheme.lower() == "bearer" and request.method == "GET" and self._matches(
            credentials.strip()
        ):
            return Viewer(None, "")
        raise Refusal(401, "Sign in with the link agent-data-store serve printed "
                           "(it carries the token), or enter the token.")


class HostGate:
    """A host's per-user gate: the host's authentication names the one user to show."""

    def __init__(self, user_for_request: UserForRequest, secret_key: bytes | None) -> None:
        self._user_for_request = user_for_request
        self._key = secret_key or secrets.token_bytes(32)

    async def admit(self, request: Request) -> Viewer | Response:
        """Ask the host who is signed in; bind the CSRF token to that user and the browser."""
        named = self._user_for_request(request)
        user_id = await named if inspect.isawaitable(named) else named
        if user_id is None:
            raise Refusal(403, "Not signed in.")
        if not isinstance(user_id, str) or not user_id:
            raise TypeError(f"user_for_request returned {user_id!r}, not a user ID")
        nonce = request.cookies.get(CSRF_COOKIE)
        cookies: tuple[tuple[str, str], ...] = ()
        if not nonce:
            nonce = secrets.token_urlsafe(18)
            cookies = ((CSRF_COOKIE, nonce),)
        return Viewer(user_id, _sign(self._key, f"csrf:{nonce}:{user_id}"), cookies)


def check_write(request: Request, viewer: Viewer, submitted: str) -> None:
    """Refuse a write that comes from another site or without this viewer's CSRF token."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        raise Refusal(403, f"Refused a change sent from another site ({site}).")
    origin = request.headers.get("origin")
    if origin is not None:
        own = f"{request.url.scheme}://{request.headers.get('host', '')}"
        if origin != own:
            raise Refusal(403, "Refused a change sent from another site (its Origin is "
                               f"{origin!r}, not {own!r}).")
    if not viewer.csrf_token or not hmac.compare_digest(
        submitted.encode("utf-8"), viewer.csrf_token.encode("utf-8")
    ):
        raise Refusal(403, "The form was not accepted: it is from another session or "
                           "expired. Reload the page and try again.")


CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'self'; base-uri 'none'"
)

SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "SAMEORIGIN",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}


class SecurityHeaders:
    """ASGI middleware adding :data:`SECURITY_HEADERS` and ``Cache-Control: no-store``
    (pages show stored data) to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers to the response's start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                headers.setdefault("cache-control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)

