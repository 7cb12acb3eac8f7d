# input: {"name": "reports.example.com"}
import uuid


async def run(input_dict, tools):
    stable = uuid.uuid5(uuid.NAMESPACE_DNS, input_dict["name"])
    parsed = uuid.UUID("12345678-1234-5678-1234-567812345678")
    try:
        uuid.UUID("not-a-uuid")
        error = None
    except ValueError as exc:
        error = str(exc)
    return {
        "stable": str(stable),
        "version": stable.version,
        "parsed_hex": parsed.hex,
        "round_trip": str(uuid.UUID(hex=parsed.hex)) == str(parsed),
        "error": error,
        "uuid3": str(uuid.uuid3(uuid.NAMESPACE_URL, "https://example.com")),
    }
