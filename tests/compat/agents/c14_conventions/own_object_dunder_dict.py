# input: {"name": "backup", "interval": 60}
class Job:
    def __init__(self, name, interval):
        self.name = name
        self.interval = interval
        self.enabled = True


async def run(input_dict, tools):
    job = Job(**input_dict)
    job.enabled = False
    snapshot = dict(job.__dict__)
    restored = Job("tmp", 0)
    restored.__dict__.update(snapshot)
    return {"snapshot": snapshot, "restored_name": restored.name, "attrs": sorted(attribute_names(job))}


def attribute_names(obj):
    return list(obj.__dict__.keys())
