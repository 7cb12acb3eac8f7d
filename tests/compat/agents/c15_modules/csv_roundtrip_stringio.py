# input: {"rows": [{"name": "ada", "score": "3"}, {"name": "bob", "score": "5"}]}
import csv
import io


async def run(input_dict, tools):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["name", "score"])
    writer.writeheader()
    writer.writerows(input_dict["rows"])
    text = buffer.getvalue()
    reader = csv.DictReader(io.StringIO(text))
    total = sum(int(row["score"]) for row in reader)
    lines = list(csv.reader(text.splitlines()))
    return {"csv": text, "total": total, "header": lines[0]}
