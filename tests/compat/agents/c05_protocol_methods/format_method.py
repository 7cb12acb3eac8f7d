# input: {"amounts": [1234.5, 0.25]}
class Money:
    def __init__(self, amount, currency="EUR"):
        self.amount = amount
        self.currency = currency

    def __format__(self, spec):
        if spec == "short":
            return f"{self.amount:.0f}{self.currency[0]}"
        return f"{format(self.amount, spec or ',.2f')} {self.currency}"


async def run(input_dict, tools):
    values = [Money(amount) for amount in input_dict["amounts"]]
    return {
        "default": [f"{value}" for value in values],
        "short": [f"{value:short}" for value in values],
        "precise": [format(value, ".3f") for value in values],
        "via_format": "{:short}".format(values[0]),
    }
