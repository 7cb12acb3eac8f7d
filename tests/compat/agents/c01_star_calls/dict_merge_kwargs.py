# input: {"overrides": {"ttl": 120, "namespace": "reports"}}
DEFAULTS = {"ttl": 60, "namespace": "default", "retries": 3}


async def run(input_dict, tools):
    merged = dict(DEFAULTS, **input_dict["overrides"])
    display = {**DEFAULTS, **input_dict["overrides"], "source": "merged"}
    return {"merged": merged, "display": display}
