# input: {"name": "temperature", "value": 21.5, "unit": "C"}
from dataclasses import asdict, dataclass


@dataclass
class Metric:
    name: str
    value: float

    def label(self):
        return f"{self.name}={self.value}"


@dataclass
class UnitMetric(Metric):
    unit: str = ""

    def label(self):
        return super().label() + self.unit


async def run(input_dict, tools):
    metric = UnitMetric(**input_dict)
    return {"label": metric.label(), "fields": asdict(metric)}
