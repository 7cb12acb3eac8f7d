"""A host app that gives each of its users a data browser of their own agents' data.

The host signs people in (here: HTTP Basic against a demo list; yours has its own login) and
mounts the per-user browser at ``/data``; ``create_app`` asks the host who is signed in on
every request and shows and changes that user's data only. Run it, then open
http://127.0.0.1:8766/data/ and sign in as alice (password ``alice-demo``)::

    python examples/web_host.py
"""

import base64
import binascii
import hmac
import os

import uvicorn
from starlette.applications import Starlette
from starlette.authentication import (
    AuthCredentials,
    AuthenticationBackend,
    BaseUser,
    SimpleUser,
)
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import PlainTextResponse, RedirectResponse
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from agent_data_store import StoreConfig
from agent_data_store.web import create_app

DEMO_PASSWORDS = {"alice": "alice-demo", "bob": "bob-demo"}  # stands in for your user store


class DemoSignIn(AuthenticationBackend):
    """HTTP Basic sign-in against DEMO_PASSWORDS; replace with the host's own."""

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        scheme, _, encoded = conn.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            name, _, password = base64.b64decode(encoded).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        expected = DEMO_PASSWORDS.get(name)
        if expected is None or not hmac.compare_digest(password, expected):
            return None
        return AuthCredentials(["authenticated"]), SimpleUser(name)


def signed_in_user(request: Request) -> str | None:
    """The browser's question to the host: whose data may this request see?"""
    user: BaseUser = request.user
    return user.username if user.is_authenticated else None


def requires_sign_in(inner: ASGIApp) -> ASGIApp:
    """Ask for a sign-in before a request reaches ``inner`` (the browser answers 403 to
    requests without a user; the host decides how people sign in)."""

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["user"].is_authenticated:
            response = PlainTextResponse("Sign in to see your agents' data.", status_code=401,
                                         headers={"WWW-Authenticate": 'Basic realm="agents"'})
            await response(scope, receive, send)
            return
        await inner(scope, receive, send)

    return guarded


store = StoreConfig.from_env()  # AGENT_DATA_STORE_URL, else the embedded SQLite file
browser = create_app(store, signed_in_user,
                     secret_key=os.environ.get("BROWSER_SECRET", "change-me").encode())
app = Starlette(
    routes=[Route("/", lambda request: RedirectResponse("/data/")),
            Mount("/data", requires_sign_in(browser))],
    middleware=[Middleware(AuthenticationMiddleware, backend=DemoSignIn())],
)

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=8766)
