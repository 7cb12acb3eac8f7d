# input: {"numerator": "1", "denominator": "7"}
import decimal


async def run(input_dict, tools):
    n = decimal.Decimal(input_dict["numerator"])
    d = decimal.Decimal(input_dict["denominator"])
    with decimal.localcontext() as ctx:
        ctx.prec = 6
        short = n / d
    with decimal.localcontext() as ctx:
        ctx.prec = 40
        long = n / d
    try:
        decimal.Decimal("abc")
        invalid = None
    except decimal.InvalidOperation:
        invalid = "InvalidOperation"
    return {"short": str(short), "long": str(long), "invalid": invalid,
            "rounded": str(round(decimal.Decimal("2.675"), 2))}
