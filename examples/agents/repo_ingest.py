"""Repository ingestion: store a repository's files and an LLM summary of each file.

Pattern: namespaces named after what they hold -- ``files:{repo}`` for contents and
``summary:{repo}`` for summaries -- so other agents can discover them with
``list_namespaces()`` (see ``repo_search.py``). Re-ingesting a repository removes the
records of files that no longer exist.

Needs the ``list_repo`` and ``summarise`` tools (see ``examples/tools.py``).
Input: ``{"repo": "acme-billing"}``.

Run the whole workflow (offline tools included)::

    python examples/run_workflows.py repo_search
"""


async def run(input_dict, tools):
    repo = input_dict["repo"]
    files = await tools["list_repo"](repo)
    contents = data_store.use_namespace(f"files:{repo}")
    summaries = data_store.use_namespace(f"summary:{repo}")

    records = {}
    for path, text in files.items():
        summary = await tools["summarise"](text)
        records[path] = {
            "path": path,
            "summary": summary["summary"],
            "keywords": summary["keywords"],
            "lines": len(text.splitlines()),
        }
    contents.set_many(files, metadata={"repo": repo})
    summaries.set_many(records, metadata={"repo": repo, "summariser": "summarise"})

    gone = [path for path in contents.list_keys() if path not in files]
    removed = contents.delete_many(gone) + summaries.delete_many(gone) if gone else 0
    print(f"ingested {repo}: {len(files)} files")
    return {"repo": repo, "files": sorted(files), "summaries": len(records), "removed": removed}
