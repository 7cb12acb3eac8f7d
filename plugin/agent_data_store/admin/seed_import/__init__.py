"""Taking over a data store written by the seed's own runtime (``import-gofannon``).

The seed runtime keeps one document per record in the layout of its ``schema.md``:
``_id`` = ``{userId}:{namespace}:{base64(key)}``, ``value`` and ``metadata`` as native JSON,
optional fields left out, timestamps sometimes without a zone. That is not this store's
layout on any backend (CouchDB and Firestore hold ``value`` and ``metadata`` as JSON text,
DynamoDB uses another key schema), so the data is copied rather than opened in place:

* :mod:`.sources` — what a source is, and which one a URL or path names;
* :mod:`.couchdb_source`, :mod:`.dynamodb_source`, :mod:`.firestore_source`,
  :mod:`.file_source` — reading seed documents from each, a page at a time, as plain JSON;
* :mod:`.documents` — one seed document to a :class:`~agent_data_store.records.Record`;
* :mod:`.checkpoint` — where an interrupted import resumes;
* :mod:`.importer` — the copy: pages, conflicts, the report and the final verification.
"""
