"""The data browser's fixtures (see :mod:`tests.web.fixtures`)."""

from tests.admin.conftest import cli, sqlite_url
from tests.web.fixtures import anonymous, operator, user_client, web_config

__all__ = ["anonymous", "cli", "operator", "sqlite_url", "user_client", "web_config"]
