"""``agent-data-store serve``: the data browser for an operator, on loopback by default.

The token comes from ``$AGENT_DATA_STORE_WEB_TOKEN`` or is made up at start; the sign-in URL
(with a made-up token) is printed once. The socket is bound before the server starts, so a
port in use is a one-line error, and ``--port 0`` picks a free port and prints it.
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket

import uvicorn

from agent_data_store.admin.exit_codes import ExitCode
from agent_data_store.admin.session import Session
from agent_data_store.config import is_loopback_host
from agent_data_store.web.app import create_app

TOKEN_ENV_VAR = "AGENT_DATA_STORE_WEB_TOKEN"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (IPv4 or IPv6, whichever ``host`` is)."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


def serve(args: argparse.Namespace, session: Session) -> ExitCode:
    """Serve the data browser until interrupted."""
    out = session.out
    token = os.environ.get(TOKEN_ENV_VAR, "")
    from_env = bool(token)
    if from_env and len(token) < 16:
        out.error(f"{TOKEN_ENV_VAR} must be at least 16 characters long")
        return ExitCode.USAGE
    token = token or secrets.token_urlsafe(24)
    try:
        sock = _listen(args.host, args.port)
    except OSError as exc:
        out.error(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
        return ExitCode.FAILED
    host, port = sock.getsockname()[:2]
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{port}/"
    app = create_app(session.config, token=token, backend=session.backend)
    if not is_loopback_host(args.host):
        out.note(f"warning: listening on {args.host}, not only this machine: anyone who can "
                 "reach the port can try the token, and plain HTTP is not encrypted (put a "
                 "TLS proxy in front)")
    if from_env:
        out.line(f"Data browser on {url} (token from {TOKEN_ENV_VAR}; sign in at "
                 f"{url}?token=...)")
    else:
        out.line(f"Data browser on {url}?token={token}")
    out.note("Press Ctrl-C to stop.")
    server = uvicorn.Server(uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="off", server_header=False,
    ))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
    return ExitCode.OK
