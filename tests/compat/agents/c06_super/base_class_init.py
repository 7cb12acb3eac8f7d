# input: {"name": "cleanup", "interval": 30}
class Job:
    def __init__(self, name):
        self.name = name
        self.runs = 0

    def run_once(self):
        self.runs += 1
        return f"{self.name} run {self.runs}"


class ScheduledJob(Job):
    def __init__(self, name, interval):
        super().__init__(name)
        self.interval = interval

    def run_once(self):
        message = super().run_once()
        return f"{message} (every {self.interval}s)"


async def run(input_dict, tools):
    job = ScheduledJob(input_dict["name"], input_dict["interval"])
    messages = [job.run_once(), job.run_once()]
    return {"messages": messages, "runs": job.runs, "is_job": isinstance(job, Job)}
