"""Facades of the modules agents use to read and write text formats, shared by every run.

csv (on ``io.StringIO``), urllib.parse, html, struct, ``ast.literal_eval``, pathlib's pure
paths. Left out: what changes process-wide state (``csv.register_dialect`` and
``field_size_limit``, ``urllib.parse.clear_cache``) and anything that touches files
(``pathlib.Path``, ``io.open``).
"""

from __future__ import annotations

import ast
import csv
import html
import io
import pathlib
import struct
import urllib.parse
from collections.abc import Mapping
from types import MappingProxyType

from sandbox_host.facades.core import ModuleFacade, pick
from sandbox_host.guards import add_writable_types

add_writable_types(csv.DictReader, csv.DictWriter)

_URL_PARSE = ModuleFacade(
    "urllib.parse",
    pick(
        urllib.parse,
        "quote quote_plus quote_from_bytes unquote unquote_plus unquote_to_bytes urlencode "
        "urlparse urlunparse urlsplit urlunsplit urljoin urldefrag parse_qs parse_qsl "
        "ParseResult SplitResult DefragResult",
    ),
    refused={"clear_cache": "the parsing cache is shared by every run"},
)

FORMAT_FACADES: Mapping[str, ModuleFacade] = MappingProxyType(
    {
        "csv": ModuleFacade(
            "csv",
            pick(
                csv,
                "reader writer DictReader DictWriter Sniffer Dialect excel excel_tab "
                "unix_dialect get_dialect list_dialects Error QUOTE_ALL QUOTE_MINIMAL "
                "QUOTE_NONNUMERIC QUOTE_NONE",
            ),
            refused={
                name: "it changes the csv settings of every run; pass dialect options to "
                "reader()/writer() instead"
                for name in ("register_dialect", "unregister_dialect", "field_size_limit")
            },
        ),
        "io": ModuleFacade(
            "io",
            pick(io, "StringIO BytesIO"),
            refused={name: "files are not available in the sandbox"
                     for name in ("open", "FileIO", "open_code", "TextIOWrapper")},
        ),
        "urllib": ModuleFacade("urllib", {"parse": _URL_PARSE}),
        "urllib.parse": _URL_PARSE,
        "html": ModuleFacade("html", pick(html, "escape unescape")),
        "struct": ModuleFacade(
            "struct",
            pick(struct, "pack unpack calcsize iter_unpack unpack_from pack_into Struct error"),
        ),
        "ast": ModuleFacade(
            "ast",
            pick(ast, "literal_eval"),
            refused={"parse": "syntax trees of code are not available; use ast.literal_eval "
                              "to read Python literals"},
        ),
        "pathlib": ModuleFacade(
            "pathlib",
            pick(pathlib, "PurePath PurePosixPath PureWindowsPath"),
            refused={"Path": "files are not available in the sandbox; PurePosixPath handles "
                             "path strings",
                     "PosixPath": "files are not available in the sandbox",
                     "WindowsPath": "files are not available in the sandbox"},
        ),
    }
)
"""Facades of text-format modules, without per-run state."""
