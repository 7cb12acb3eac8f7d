# input: {"raw": {"id": 3, "title": "Quarterly", "pages": 12}}
class Document:
    def __init__(self, id, title):
        self.id = id
        self.title = title

    @classmethod
    def from_dict(cls, raw):
        return cls(raw["id"], raw["title"])

    def summary(self):
        return {"id": self.id, "title": self.title}


class Report(Document):
    @classmethod
    def from_dict(cls, raw):
        report = super().from_dict(raw)
        report.pages = raw.get("pages", 0)
        return report

    def summary(self):
        return {**super().summary(), "pages": self.pages}


async def run(input_dict, tools):
    report = Report.from_dict(input_dict["raw"])
    return {"summary": report.summary(), "type_ok": isinstance(report, Report)}
