# input: {"celsius": 21.0}
class Thermometer:
    def __init__(self, celsius):
        self._celsius = celsius

    @property
    def celsius(self):
        return self._celsius

    @celsius.setter
    def celsius(self, value):
        if value < -273.15:
            raise ValueError("below absolute zero")
        self._celsius = value

    @property
    def fahrenheit(self):
        return self._celsius * 9 / 5 + 32


async def run(input_dict, tools):
    t = Thermometer(input_dict["celsius"])
    t.celsius = 30.0
    try:
        t.celsius = -300
        error = None
    except ValueError as exc:
        error = str(exc)
    return {"celsius": t.celsius, "fahrenheit": t.fahrenheit, "error": error}
