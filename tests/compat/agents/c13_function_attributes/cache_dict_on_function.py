# input: {"n": 30}
def fib(n):
    if n in fib.cache:
        return fib.cache[n]
    value = n if n < 2 else fib(n - 1) + fib(n - 2)
    fib.cache[n] = value
    return value


fib.cache = {}


async def run(input_dict, tools):
    return {"fib": fib(input_dict["n"]), "cached": len(fib.cache)}
