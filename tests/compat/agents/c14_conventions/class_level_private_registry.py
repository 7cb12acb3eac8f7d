# input: {"kinds": ["csv", "json", "xml"]}
class Exporter:
    _registry = {}
    _default = "json"

    @classmethod
    def register(cls, kind):
        def decorate(exporter):
            cls._registry[kind] = exporter
            return exporter

        return decorate

    @classmethod
    def for_kind(cls, kind):
        return cls._registry.get(kind, cls._registry[cls._default])


@Exporter.register("csv")
class CsvExporter:
    label = "comma separated"


@Exporter.register("json")
class JsonExporter:
    label = "json document"


async def run(input_dict, tools):
    return {"labels": [Exporter.for_kind(kind).label for kind in input_dict["kinds"]],
            "registered": sorted(Exporter._registry)}
