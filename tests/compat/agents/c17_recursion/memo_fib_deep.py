# input: {"n": 880}
def fib(n, memo=None):
    if memo is None:
        memo = {}
    if n < 2:
        return n
    if n not in memo:
        memo[n] = fib(n - 1, memo) + fib(n - 2, memo)
    return memo[n]


async def run(input_dict, tools):
    value = fib(input_dict["n"])
    return {"digits": len(str(value)), "last_digits": str(value)[-6:]}
