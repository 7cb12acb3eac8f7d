"""What every command works with: the open backend, its configuration and the output."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from agent_data_store.admin.render import Output
from agent_data_store.backends.base import Backend
from agent_data_store.config import StoreConfig
from agent_data_store.records import Record


@dataclass(frozen=True, slots=True)
class Session:
    """One command's store and output."""

    backend: Backend
    config: StoreConfig
    out: Output

    def pages(
        self, user_id: str | None = None, namespace: str | None = None
    ) -> Iterator[list[Record]]:
        """Stream the records of the store, a user, a user's namespace, or one namespace name.

        A namespace name across all users is filtered here, page by page, so it works on
        every backend.
        """
        if namespace is None:
            yield from self.backend.iter_all(user_id)
        elif user_id is not None:
            yield from self.backend.iter_records(user_id, namespace)
        else:
            for page in self.backend.iter_all():
                selected = [record for record in page if record.namespace == namespace]
                if selected:
                    yield selected
