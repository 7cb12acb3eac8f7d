"""The browser's ASGI app: routes, the gate in front of them, and page rendering.

Every page and action runs behind the app's gate (:mod:`.security`) and knows the viewer:
the operator, who names a user in the address (``?user=alice``), or a host's signed-in
user, whose ID comes from the host and never from the request. Namespaces and keys travel
in query parameters and form fields, so any characters work in them. Backend calls block,
so they run in Starlette's thread pool.
"""

from __future__ import annotations

import re
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from agent_data_store.admin.transfer import document_line
from agent_data_store.backends import open_backend
from agent_data_store.backends.base import Backend
from agent_data_store.config import StoreConfig, redact_url
from agent_data_store.errors import (
    DataStoreError,
    InvalidKeyError,
    InvalidKeyTypeError,
    InvalidValueError,
)
from agent_data_store.web import browse
from agent_data_store.web.edits import (
    EDITOR_AGENT,
    Editor,
    RecordChangedError,
    RecordGoneError,
)
from agent_data_store.web.security import (
    CSRF_FIELD,
    Gate,
    HostGate,
    Refusal,
    SecurityHeaders,
    TokenGate,
    UserForRequest,
    Viewer,
    check_write,
    set_cookie,
)

HERE = Path(__file__).parent
PAGE_SIZE = 100
"""Records per namespace page."""

T = TypeVar("T")
Handler = Callable[[Request, Viewer], Awaitable[Response]]


def create_app(
    config: StoreConfig,
    user_for_request: UserForRequest | None = None,
    *,
    token: str | None = None,
    backend: Backend | None = None,
    editor_agent: str = EDITOR_AGENT,
    secret_key: bytes | None = None,
    page_size: int = PAGE_SIZE,
) -> Starlette:
    """Return the data browser as an ASGI app over the store ``config`` names.

    * Operator mode (no ``user_for_request``): every user's data, behind ``token``.
    * Per-user mode: ``user_for_request(request)`` (sync or async) returns the signed-in
      user's ID, or ``None``; the app shows and changes that user's data only. Mount it
      behind the host's own authentication. ``secret_key`` signs its CSRF tokens; pass the
      same one to every worker process of the host (default: random per process).

    ``backend`` shares an already open backend; otherwise the app opens one on first use.
    Edits are recorded as writes by the agent ``editor_agent``.
    """
    gate: Gate
    if user_for_request is None:
        if token is None:
            raise ValueError("the operator's browser needs a token (or pass user_for_request)")
        gate = TokenGate(token)
    else:
        if token is not None:
            raise ValueError("a per-user browser is signed in by its host; it takes no token")
        gate = HostGate(user_for_request, secret_key)
    browser = Browser(config, gate, backend=backend, editor_agent=editor_agent,
                      page_size=page_size, operator=user_for_request is None)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        browser.close()

    app = Starlette(routes=browser.routes(), middleware=[Middleware(SecurityHeaders)],
                    lifespan=lifespan)
    app.state.browser = browser
    return app


class BadRequest(Exception):
    """The address or form lacks something a page needs; shown as a 400 page."""


class Browser:
    """The pages and actions of one data browser app."""

    def __init__(self, config: StoreConfig, gate: Gate, *, backend: Backend | None,
                 editor_agent: str, page_size: int, operator: bool) -> None:
        self._config = config
        self._gate = gate
        self._backend = backend
        self._owns_backend = backend is None
        self._lock = threading.Lock()
        self._editor_agent = editor_agent
        self._page_size = page_size
        self._operator = operator
        environment = jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE / "templates"),
            autoescape=True,  # every stored string is agent-written: escape everything
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._templates = Jinja2Templates(env=environment)

    # -- plumbing ------------------------------------------------------------------------

    @property
    def backend(self) -> Backend:
        """The open backend (opened on first use)."""
        if self._backend is None:
            with self._lock:
                if self._backend is None:
                    self._backend = open_backend(self._config)
        return self._backend

    def close(self) -> None:
        """Close the backend if this app opened it."""
        if self._owns_backend and self._backend is not None:
            self._backend.close()
            self._backend = None

    async def _call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a blocking backend call in the thread pool."""
        return await run_in_threadpool(function, *args, **kwargs)

    def routes(self) -> list[BaseRoute]:
        """The app's routes."""
        return [
            Route("/", self._endpoint(self.home), name="home"),
            Route("/user", self._endpoint(self.user_page), name="user"),
            Route("/namespace", self._endpoint(self.namespace_page), name="namespace"),
            Route("/record", self._endpoint(self.record_page), name="record"),
            Route("/record/edit", self._endpoint(self.edit_page), name="edit"),
            Route("/record/edit", self._endpoint(self.save, write=True), methods=["POST"]),
            Route("/record/delete", self._endpoint(self.delete, write=True), methods=["POST"]),
            Route("/namespace/clear", self._endpoint(self.clear_page), name="clear"),
            Route("/namespace/clear", self._endpoint(self.clear, write=True), methods=["POST"]),
            Route("/export.jsonl", self._endpoint(self.export), name="export"),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ]

    def _endpoint(self, handler: Handler, *, write: bool = False) -> Callable[
        [Request], Awaitable[Response]
    ]:
        """Wrap a page or action: admit the viewer, check writes, turn errors into pages."""

        async def endpoint(request: Request) -> Response:
            viewer: Viewer | None = None
            try:
                admitted = await self._gate.admit(request)
                if isinstance(admitted, Response):
                    return admitted
                viewer = admitted
                if write:
                    form = await request.form()
                    check_write(request, viewer, str(form.get(CSRF_FIELD) or ""))
                response = await handler(request, viewer)
            except Refusal as refusal:
                response = self._message(request, viewer, refusal.status, refusal.reason,
                                         sign_in=refusal.status == 401)
            except (BadRequest, InvalidKeyError, InvalidKeyTypeError) as exc:
                response = self._message(request, viewer, 400, str(exc))
            except DataStoreError as exc:
                response = self._message(request, viewer, 503,
                                         f"The store did not answer: {exc}")
            for name, value in viewer.new_cookies if viewer is not None else ():
                set_cookie(request, response, name, value)
            return response

        return endpoint

    def _render(self, request: Request, viewer: Viewer | None, template: str,
                context: Mapping[str, Any], status: int = 200) -> Response:
        user = context.get("user")
        operator = self._operator
        root = str(request.scope.get("root_path") or "")

        def url(path: str, **params: Any) -> str:
            """A link within the app; the page's user is carried along for the operator."""
            if operator and user is not None:
                params = {"user": user, **params}
            if not operator:
                params.pop("user", None)
            query = urlencode({k: v for k, v in params.items() if v is not None}, quote_via=quote)
            return f"{root}{path}" + (f"?{query}" if query else "")

        full = {
            "static": lambda name: f"{root}/static/{name}",
            "operator": operator,
            "viewer": viewer,
            "csrf_field": CSRF_FIELD,
            "csrf_token": viewer.csrf_token if viewer else "",
            "url": url,
            "store": redact_url(self._config.url) if operator and viewer else None,
            "notice": None,
            "user": None,
            **context,
        }
        return self._templates.TemplateResponse(request, template, full, status_code=status)

    def _message(self, request: Request, viewer: Viewer | None, status: int, text: str,
                 *, sign_in: bool = False) -> Response:
        # The sign-in form comes back to the same address, so it carries the page's query.
        query = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
        return self._render(request, viewer, "message.html", {
            "status": status, "text": text, "sign_in": sign_in and request.method == "GET",
            "query": query,
        }, status)

    def _user(self, viewer: Viewer, source: Mapping[str, Any]) -> str:
        """The user a request is about: the signed-in one, or (operator) the one named."""
        if viewer.user_id is not None:
            return viewer.user_id
        user = source.get("user")
        if not user:
            raise BadRequest("The address names no user.")
        return str(user)

    @staticmethod
    def _required(source: Mapping[str, Any], name: str) -> str:
        value = source.get(name)
        if not value:
            raise BadRequest(f"The address or form names no {name}.")
        return str(value)

    def _redirect(self, request: Request, path: str, **params: Any) -> Response:
        query = urlencode({k: v for k, v in params.items() if v is not None}, quote_via=quote)
        root = str(request.scope.get("root_path") or "")
        return RedirectResponse(f"{root}{path}?{query}", status_code=303)

    def _redirect_params(self, viewer: Viewer, user: str) -> dict[str, Any]:
        return {"user": user} if viewer.user_id is None else {}

    @staticmethod
    def _notice(request: Request) -> str | None:
        """The message a redirect after an action asked the page to show."""
        params = request.query_params
        what = params.get("notice")
        if what == "saved":
            return f"Saved the new value of {params.get('key', '')}."
        if what == "deleted":
            return f"Deleted {params.get('key', '')}."
        if what == "cleared":
            return (f"Cleared namespace {params.get('namespace', '')}: "
                    f"{params.get('count', '0')} records deleted.")
        return None

    # -- pages ---------------------------------------------------------------------------

    async def home(self, request: Request, viewer: Viewer) -> Response:
        """The operator's list of users; a signed-in user's own namespaces."""
        if viewer.user_id is not None:
            return await self.user_page(request, viewer)
        users = await self._call(browse.users, self.backend)
        return self._render(request, viewer, "users.html", {"users": users})

    async def user_page(self, request: Request, viewer: Viewer) -> Response:
        """A user's namespaces with records, bytes, agents and last update."""
        user = self._user(viewer, request.query_params)
        namespaces = await self._call(browse.namespaces, self.backend, user)
        quota = await self._call(browse.quota_line, self.backend, self._config, user)
        return self._render(request, viewer, "user.html", {
            "user": user, "namespaces": namespaces, "notice": self._notice(request),
            "quota": quota,
            "records": sum(n.records for n in namespaces),
            "bytes": sum(n.bytes for n in namespaces),
        })

    async def namespace_page(self, request: Request, viewer: Viewer) -> Response:
        """A page of a namespace's records, grouped by key prefix, with a key search."""
        params = request.query_params
        user = self._user(viewer, params)
        namespace = self._required(params, "namespace")
        prefix = params.get("prefix", "")
        after = params.get("after") or None
        page = await self._call(browse.records_page, self.backend, user, namespace,
                                prefix=prefix, after=after, limit=self._page_size)
        return self._render(request, viewer, "namespace.html", {
            "user": user, "namespace": namespace, "prefix": prefix, "after": after,
            "page": page, "notice": self._notice(request),
        })

    async def _requested_record(
        self, request: Request, viewer: Viewer
    ) -> tuple[str, str, str, browse.RecordDetail | None]:
        """The user, namespace and key the address names, and that record (or ``None``)."""
        params = request.query_params
        user = self._user(viewer, params)
        namespace = self._required(params, "namespace")
        key = self._required(params, "key")
        detail = await self._call(browse.record_detail, self.backend, user, namespace, key)
        return user, namespace, key, detail

    def _no_record(self, request: Request, viewer: Viewer, user: str, namespace: str,
                   key: str, then: str = "") -> Response:
        return self._message(request, viewer, 404, f"There is no record {key!r} in "
                             f"namespace {namespace!r} of user {user!r}{then}.")

    async def record_page(self, request: Request, viewer: Viewer) -> Response:
        """One record: value, metadata and every field, with copy, edit and delete."""
        user, namespace, key, detail = await self._requested_record(request, viewer)
        if detail is None:
            return self._no_record(request, viewer, user, namespace, key)
        return self._render(request, viewer, "record.html", {
            "user": user, "namespace": namespace, "key": key, "detail": detail,
            "notice": self._notice(request),
        })

    async def edit_page(self, request: Request, viewer: Viewer) -> Response:
        """The form that edits a record's value as JSON."""
        user, namespace, key, detail = await self._requested_record(request, viewer)
        if detail is None:
            return self._no_record(request, viewer, user, namespace, key)
        return self._render(request, viewer, "edit.html", {
            "user": user, "namespace": namespace, "key": key, "text": detail.value_text,
            "seen_updated_at": detail.record.updated_at, "error": None, "current": None,
            "editor_agent": self._editor_agent,
        })

    async def clear_page(self, request: Request, viewer: Viewer) -> Response:
        """The confirmation form for clearing a namespace."""
        params = request.query_params
        user = self._user(viewer, params)
        namespace = self._required(params, "namespace")
        return self._render(request, viewer, "clear.html",
                            {"user": user, "namespace": namespace, "error": None})

    # -- actions -------------------------------------------------------------------------

    def _editor(self, user: str, namespace: str) -> Editor:
        return Editor(self.backend, self._config, user, namespace, self._editor_agent)

    async def save(self, request: Request, viewer: Viewer) -> Response:
        """Store an edited value; show the form again, with the text kept, if it is refused."""
        form = await request.form()
        user = self._user(viewer, form)
        namespace = self._required(form, "namespace")
        key = self._required(form, "key")
        text = str(form.get("value") or "")
        seen = str(form.get("seen_updated_at") or "") or None
        try:
            editor = await self._call(self._editor, user, namespace)
            await self._call(editor.save, key, text, seen)
        except (InvalidValueError, InvalidKeyError, ValueError) as exc:
            return self._edit_again(request, viewer, form, user, 400, str(exc), None)
        except RecordChangedError as exc:
            current = await self._call(browse.record_detail, self.backend, user, namespace,
                                       key)
            return self._edit_again(request, viewer, form, user, 409, str(exc), current)
        except RecordGoneError as exc:
            return self._edit_again(request, viewer, form, user, 404, str(exc), None)
        return self._redirect(request, "/record", **self._redirect_params(viewer, user),
                              namespace=namespace, key=key, notice="saved")

    def _edit_again(self, request: Request, viewer: Viewer, form: FormData, user: str,
                    status: int, error: str, current: browse.RecordDetail | None) -> Response:
        return self._render(request, viewer, "edit.html", {
            "user": user, "namespace": form.get("namespace"), "key": form.get("key"),
            "text": form.get("value") or "", "error": error, "current": current,
            # After a conflict the form carries the newer state: submitting again replaces it.
            "seen_updated_at": current.record.updated_at if current
            else form.get("seen_updated_at") or "",
            "editor_agent": self._editor_agent,
        }, status)

    async def delete(self, request: Request, viewer: Viewer) -> Response:
        """Delete one record; back to its namespace."""
        form = await request.form()
        user = self._user(viewer, form)
        namespace = self._required(form, "namespace")
        key = self._required(form, "key")
        editor = await self._call(self._editor, user, namespace)
        existed = await self._call(editor.delete, key)
        if not existed:
            return self._no_record(request, viewer, user, namespace, key, "; nothing deleted")
        return self._redirect(request, "/namespace", **self._redirect_params(viewer, user),
                              namespace=namespace, notice="deleted", key=key)

    async def clear(self, request: Request, viewer: Viewer) -> Response:
        """Delete every record of a namespace once its name was typed to confirm."""
        form = await request.form()
        user = self._user(viewer, form)
        namespace = self._required(form, "namespace")
        if form.get("confirm") != namespace:
            return self._render(request, viewer, "clear.html", {
                "user": user, "namespace": namespace,
                "error": "The name you typed is not the namespace's name; nothing was deleted.",
            }, 400)
        editor = await self._call(self._editor, user, namespace)
        count = await self._call(editor.clear)
        return self._redirect(request, "/user", **self._redirect_params(viewer, user),
                              notice="cleared", namespace=namespace, count=count)

    async def export(self, request: Request, viewer: Viewer) -> Response:
        """Download a namespace, a user or (operator) the whole store as JSON Lines."""
        params = request.query_params
        user = viewer.user_id if viewer.user_id is not None else params.get("user") or None
        namespace = params.get("namespace") or None
        if namespace is not None and user is None:
            raise BadRequest("A namespace download needs a user.")
        backend = self.backend

        def lines() -> Iterator[str]:
            pages = (backend.iter_all(user) if namespace is None or user is None
                     else backend.iter_records(user, namespace))
            for page in pages:
                yield "".join(document_line(record) for record in page)

        name = "-".join(part for part in (user or "all-users", namespace) if part)
        return StreamingResponse(lines(), media_type="application/jsonl; charset=utf-8",
                                 headers={"content-disposition": _attachment(f"{name}.jsonl")})


def _attachment(filename: str) -> str:
    """A Content-Disposition header saving as ``filename`` (ASCII fallback, UTF-8 name)."""
    ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", filename)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"
