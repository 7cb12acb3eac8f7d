# input: {"items": ["a", "", "b"]}
import logging

logger = logging.getLogger(__name__)


async def run(input_dict, tools):
    kept = []
    for item in input_dict["items"]:
        if not item:
            logger.warning("empty item at position %d", len(kept))
            continue
        logger.info("kept %s", item)
        kept.append(item)
    return {"kept": kept, "effective": logger.getEffectiveLevel()}
