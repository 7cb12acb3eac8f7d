# input: {"steps": ["load", "transform", "fail", "save"]}
class Transaction:
    def __init__(self, log):
        self.log = log
        self.pending = []

    def __enter__(self):
        self.log.append("begin")
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.log.append(f"commit {len(self.pending)}")
            return False
        self.log.append(f"rollback {len(self.pending)} because {exc}")
        return True


async def run(input_dict, tools):
    log = []
    with Transaction(log) as tx:
        for step in input_dict["steps"]:
            if step == "fail":
                raise RuntimeError("step failed")
            tx.pending.append(step)
    with Transaction(log) as tx:
        tx.pending.append("only")
    return {"log": log}
