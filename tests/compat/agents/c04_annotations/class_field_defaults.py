# input: {"name": "nightly-report"}
class JobConfig:
    name: str = ""
    retries: int = 3
    tags: tuple = ()

    def describe(self):
        return f"{self.name} (retries={self.retries}, tags={len(self.tags)})"


async def run(input_dict, tools):
    config = JobConfig()
    config.name = input_dict["name"]
    return {"description": config.describe(), "default_retries": JobConfig.retries}
