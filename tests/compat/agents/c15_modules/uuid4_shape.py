# input: {"count": 3}
import re
import uuid

UUID_PATTERN = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


async def run(input_dict, tools):
    ids = [str(uuid.uuid4()) for _ in range(input_dict["count"])]
    raw = uuid.uuid4()
    return {
        "all_match": all(UUID_PATTERN.match(value) for value in ids),
        "unique": len(set(ids)) == len(ids),
        "lengths": sorted({len(value) for value in ids}),
        "hex_length": len(raw.hex),
        "version": raw.version,
        "is_uuid": isinstance(raw, uuid.UUID),
    }
