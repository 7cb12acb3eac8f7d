"""Keyword index: find documents by the words in them, with bulk reads and writes.

Pattern: an inverted index. Documents live in ``docs``; ``index:keywords`` maps each word to
the sorted IDs of the documents containing it. Indexing and searching use ``get_many`` /
``set_many`` / ``delete_many`` -- one call for many keys instead of one call per word.
Re-indexing a document removes it from the words it no longer contains.

    sandbox-host run examples/agents/keyword_index.py --user alice --agent indexer \\
        --input '{"action": "index", "documents": {"d1": "Invoices for orders"}}'
    sandbox-host run examples/agents/keyword_index.py --user alice --agent indexer \\
        --input '{"action": "search", "query": "invoices"}'
"""

import re

STOP_WORDS = {"a", "an", "and", "are", "for", "in", "is", "of", "on", "or", "the", "to"}


def words_of(text):
    return sorted({w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOP_WORDS})


def index_documents(documents):
    docs = data_store.use_namespace("docs")
    index = data_store.use_namespace("index:keywords")
    previous = docs.get_many(list(documents))

    added, removed = {}, {}
    for doc_id, text in documents.items():
        new_words = set(words_of(text))
        old_words = set(words_of(previous[doc_id])) if doc_id in previous else set()
        for word in new_words - old_words:
            added.setdefault(word, []).append(doc_id)
        for word in old_words - new_words:
            removed.setdefault(word, []).append(doc_id)

    touched = sorted(set(added) | set(removed))
    postings = index.get_many(touched)
    updates, emptied = {}, []
    for word in touched:
        ids = set(postings.get(word, [])) | set(added.get(word, []))
        ids -= set(removed.get(word, []))
        if ids:
            updates[word] = sorted(ids)
        else:
            emptied.append(word)
    docs.set_many(documents)
    index.set_many(updates)
    index.delete_many(emptied)
    return {"indexed": sorted(documents), "words_updated": len(updates),
            "words_removed": len(emptied), "vocabulary": len(index.list_keys())}


def search(query):
    words = words_of(query)
    if not words:
        return {"query": query, "results": []}
    postings = data_store.use_namespace("index:keywords").get_many(words)
    hits = None
    for word in words:
        ids = set(postings.get(word, []))
        hits = ids if hits is None else hits & ids
    hits = sorted(hits)
    texts = data_store.use_namespace("docs").get_many(hits)
    return {"query": query, "results": [{"id": i, "text": texts[i]} for i in hits if i in texts]}


async def run(input_dict, tools):
    action = input_dict.get("action", "search")
    if action == "index":
        documents = input_dict.get("documents") or {input_dict["doc_id"]: input_dict["text"]}
        return index_documents(documents)
    if action == "search":
        return search(input_dict.get("query", ""))
    raise ValueError(f"unknown action {action!r}; use index or search")
