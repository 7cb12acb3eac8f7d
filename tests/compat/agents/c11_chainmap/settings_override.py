# input: {"user_settings": {"theme": "dark"}}
from collections import ChainMap

DEFAULTS = {"theme": "light", "page_size": 20, "language": "en"}


async def run(input_dict, tools):
    settings = ChainMap(dict(input_dict["user_settings"]), DEFAULTS)
    settings["page_size"] = 50
    settings["timezone"] = "UTC"
    return {
        "effective": dict(settings),
        "user_layer": settings.maps[0],
        "defaults_untouched": DEFAULTS["page_size"] == 20,
    }
