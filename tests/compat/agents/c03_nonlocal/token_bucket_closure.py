# input: {"requests": 7, "capacity": 4}
def rate_limiter(capacity):
    tokens = capacity
    refused = 0

    def allow():
        nonlocal tokens, refused
        if tokens > 0:
            tokens -= 1
            return True
        refused += 1
        return False

    def refill(amount):
        nonlocal tokens
        tokens = min(capacity, tokens + amount)

    def refused_count():
        return refused

    return allow, refill, refused_count


async def run(input_dict, tools):
    allow, refill, refused_count = rate_limiter(input_dict["capacity"])
    decisions = [allow() for _ in range(input_dict["requests"])]
    refill(2)
    decisions.append(allow())
    return {"decisions": decisions, "refused": refused_count()}
