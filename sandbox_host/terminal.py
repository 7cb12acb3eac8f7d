"""Text for a person's terminal: agent-controlled strings shown, never obeyed.

Keys, values, printed output and error messages come from agent code. Written raw, an
escape sequence in them could recolour, move the cursor, rewrite earlier lines (``\\r``,
``ESC [ A``) or hide text; a line break could forge a table row or a log line; a bidi
override could reverse what is read; a lone surrogate would crash the UTF-8 writer. Every
human-facing line of both command-line tools goes through one of these functions, which
turn such characters into visible escapes (``\\x1b``, ``\\u202e``), as ``repr`` would.
"""

from __future__ import annotations

import re

_C0 = "\x00-\x08\x0b-\x1f"  # C0 controls but tab and newline
_BEYOND_C0 = (
    "\x7f-\x9f"  # DEL, C1 controls
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidi marks, embeddings and isolates
    "\u2028\u2029"  # line and paragraph separators
    "\ud800-\udfff"  # lone surrogates (not encodable as UTF-8)
)
_UNSAFE = _C0 + _BEYOND_C0
_UNSAFE_IN_TEXT = re.compile(f"[{_UNSAFE}]")
"""What :func:`escape_text` escapes: everything unsafe except tab and newline."""
_UNSAFE_IN_LINE = re.compile(f"[\t\n{_UNSAFE}]")
"""What :func:`escape_line` escapes: :data:`_UNSAFE_IN_TEXT`, tab and newline too."""
_UNSAFE_IN_JSON = re.compile(f"[{_BEYOND_C0}]")
"""What JSON text still holds raw after ``json.dumps(ensure_ascii=False)``: the encoder
escapes C0 controls itself, not DEL, C1, bidi controls, separators or surrogates."""

_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def escape_text(text: str) -> str:
    """``text`` safe to print: control characters escaped, line breaks and tabs kept."""
    return _UNSAFE_IN_TEXT.sub(_visible, text)


def escape_line(text: str) -> str:
    """``text`` safe to print on one line: line breaks and tabs escaped as well."""
    return _UNSAFE_IN_LINE.sub(_visible, text)


def escape_json(text: str) -> str:
    """JSON text (from ``json.dumps(..., ensure_ascii=False)``) safe to print, still JSON.

    The characters escaped can only occur inside JSON strings, where ``\\uXXXX`` means the
    same character, so the text decodes to exactly the same value.
    """
    return _UNSAFE_IN_JSON.sub(_json_escape, text)
