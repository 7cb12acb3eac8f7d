"""Record IDs: the key part is URL-safe base64 of the key's UTF-8, whatever the key."""

from __future__ import annotations

import base64
import random

from agent_data_store.records import decode_key, document_id, encode_key


def test_encode_key_is_url_safe_base64_of_the_utf8_and_decodes_back() -> None:
    rng = random.Random(7)
    keys = ["", "a", "ab", "abc", "é/+?", "日本語" * 5, "\U0001f600 ~>?", "x" * 1024]
    keys += ["".join(chr(rng.choice([rng.randrange(32, 127), rng.randrange(0xA0, 0xD800),
                                     rng.randrange(0x10000, 0x10FFFF)]))
                     for _ in range(rng.randrange(40)))
             for _ in range(500)]
    for key in keys:
        encoded = encode_key(key)
        assert encoded == base64.urlsafe_b64encode(key.encode("utf-8")).decode("ascii")
        assert "+" not in encoded and "/" not in encoded and ":" not in encoded
        assert decode_key(encoded) == key
    assert document_id("alice", "ns:x", "a/b") == f"alice:ns:x:{encode_key('a/b')}"
