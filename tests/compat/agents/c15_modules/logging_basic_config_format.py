# input: {"orders": [3, 0, 7]}
import logging

logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
log = logging.getLogger("orders")


async def run(input_dict, tools):
    total = 0
    for quantity in input_dict["orders"]:
        if quantity == 0:
            log.warning("skipping an empty order")
            continue
        log.info("adding %d items", quantity)
        total += quantity
    log.debug("not shown at INFO")
    return {"total": total}
