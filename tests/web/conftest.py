"""The data browser's fixtures (see :mod:`tests.web.fixtures`)."""

from tests.web.fixtures import anonymous, operator, user_client, web_config

__all__ = ["anonymous", "operator", "user_client", "web_config"]
