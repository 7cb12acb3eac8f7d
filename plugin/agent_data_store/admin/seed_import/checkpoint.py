"""Where an interrupted import resumes: a small JSON file written after every page.

It holds the source's cursor after the last page whose records were written, and the
counts so far (for the final report and the verification), never a record. By default it
lives under the user's state directory, named after the source and the target, so running
the same command again resumes; a finished import removes it. The file is replaced
atomically, so an interruption while writing it leaves the previous one.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import platformdirs

from agent_data_store.errors import ConfigurationError

FORMAT = 1
"""Version of the checkpoint file's layout."""


def default_path(source: str, target: str) -> Path:
    """The checkpoint of importing ``source`` into ``target`` (descriptions without secrets)."""
    digest = hashlib.sha256(f"{source}\n{target}".encode()).hexdigest()[:24]
    state = Path(platformdirs.user_state_dir("agent-data-store"))
    return state / "imports" / f"import-gofannon-{digest}.json"


class Checkpoint:
    """The checkpoint file of one import of ``source`` into ``target``."""

    def __init__(self, path: Path, source: str, target: str) -> None:
        self.path = path
        self._owner = {"format": FORMAT, "source": source, "target": target}

    def load(self) -> dict[str, Any] | None:
        """The saved state, or ``None`` when there is none.

        A checkpoint of another import (another source or target, or a file that changed
        since) is refused rather than applied to this one.
        """
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise ConfigurationError(
                f"cannot read the checkpoint {self.path} ({exc}); pass --restart to start over"
            ) from None
        owner = {name: data.get(name) for name in self._owner}
        if owner != self._owner:
            raise ConfigurationError(
                f"the checkpoint {self.path} belongs to another import (source "
                f"{owner.get('source')}, target {owner.get('target')}); pass --restart to "
                "start over, or --checkpoint to keep it and use another file"
            )
        state: dict[str, Any] = data["state"]
        return state

    def save(self, state: dict[str, Any]) -> None:
        """Write ``state`` atomically."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".partial")
        partial.write_text(json.dumps({**self._owner, "state": state}), encoding="utf-8")
        os.replace(partial, self.path)

    def remove(self) -> None:
        """Forget the import: it finished, or starts over."""
        self.path.unlink(missing_ok=True)
