# input: {"emails": [" Ada@Example.COM ", "bob@example.com", "not-an-email"]}
_EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[a-z]+$"


def _normalize(email):
    return email.strip().lower()


def _is_valid(email):
    import re

    return re.match(_EMAIL_PATTERN, email) is not None


async def run(input_dict, tools):
    cleaned = [_normalize(email) for email in input_dict["emails"]]
    return {"valid": [e for e in cleaned if _is_valid(e)],
            "invalid": [e for e in cleaned if not _is_valid(e)]}
