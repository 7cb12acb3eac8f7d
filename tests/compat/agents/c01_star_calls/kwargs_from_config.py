# input: {"config": {"title": "Weekly sales", "limit": 2, "descending": true}}
def make_report(rows, *, title, limit=10, descending=False):
    ordered = sorted(rows, key=lambda row: row["total"], reverse=descending)
    return {"title": title, "rows": ordered[:limit]}


async def run(input_dict, tools):
    rows = [{"name": "north", "total": 10}, {"name": "south", "total": 30},
            {"name": "east", "total": 20}]
    return make_report(rows, **input_dict["config"])
