# input: {"shares": [[1, 3], [1, 6], [1, 4]]}
from fractions import Fraction


async def run(input_dict, tools):
    shares = [Fraction(a, b) for a, b in input_dict["shares"]]
    total = sum(shares)
    rest = 1 - total
    return {
        "total": str(total),
        "rest": str(rest),
        "rest_float": float(rest),
        "approx_pi": str(Fraction(3.14159265).limit_denominator(1000)),
        "from_str": str(Fraction("0.75")),
        "parts": [total.numerator, total.denominator],
    }
