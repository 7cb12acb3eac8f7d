# input: {"matrix": [[1, 2, 3], [4, 5, 6]]}
async def run(input_dict, tools):
    matrix = input_dict["matrix"]
    columns = [list(column) for column in zip(*matrix)]
    column_sums = [sum(column) for column in columns]
    return {"columns": columns, "column_sums": column_sums}
