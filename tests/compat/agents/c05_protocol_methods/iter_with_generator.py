# input: {"rows": [["a", 1], ["b", 2], ["c", 3]]}
class Table:
    def __init__(self, rows):
        self.rows = rows

    def __iter__(self):
        for key, value in self.rows:
            yield {"key": key, "value": value}


async def run(input_dict, tools):
    table = Table(input_dict["rows"])
    as_list = list(table)
    keys = [row["key"] for row in table]
    total = sum(row["value"] for row in table)
    return {"rows": as_list, "keys": keys, "total": total, "unpacked": [*table][-1]}
