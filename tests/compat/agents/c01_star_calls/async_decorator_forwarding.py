# input: {"keys": ["a", "bb", "ccc"]}
import asyncio
import functools


def retry(times=3):
    def decorate(func):
        @functools.wraps(func)
        async def wrapper(*args, **kwargs):
            last_error = None
            for attempt in range(1, times + 1):
                try:
                    return await func(*args, attempt=attempt, **kwargs)
                except ValueError as exc:
                    last_error = exc
            raise last_error

        return wrapper

    return decorate


@retry(times=3)
async def flaky_lookup(key, *, attempt, suffix=""):
    await asyncio.sleep(0)
    if attempt < len(key):
        raise ValueError(f"attempt {attempt} failed for {key}")
    return f"{key}{suffix}@{attempt}"


async def run(input_dict, tools):
    found = [await flaky_lookup(key, suffix="!") for key in input_dict["keys"]]
    return {"found": found}
