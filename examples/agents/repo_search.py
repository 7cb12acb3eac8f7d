"""Search every ingested repository's summaries: discover ``summary:*`` namespaces, then search.

Pattern: namespace discovery. ``list_namespaces()`` shows what data exists; each
``summary:{repo}`` namespace is read with one ``get_all`` (one indexed query, not a read
per key). Every word of the query must occur in a file's path, summary or keywords.

Input: ``{"query": "invoice"}``. Run ``repo_ingest.py`` first (same user).

Run the whole workflow (offline tools included)::

    python examples/run_workflows.py repo_search
"""


async def run(input_dict, tools):
    words = input_dict.get("query", "").lower().split()
    searched = [ns for ns in data_store.list_namespaces() if ns.startswith("summary:")]

    matches = []
    for namespace in searched:
        repo = namespace.removeprefix("summary:")
        for path, record in data_store.use_namespace(namespace).get_all().items():
            haystack = " ".join([path, record["summary"], *record["keywords"]]).lower()
            if words and all(word in haystack for word in words):
                matches.append({"repo": repo, "path": path, "summary": record["summary"]})

    print(f"{len(matches)} matches for {' '.join(words)!r} in {len(searched)} repositories")
    return {"query": " ".join(words), "searched": searched, "matches": matches}
