# input: {"jobs": [3, 1, 4, 1, 5, 9, 2, 6], "workers": 3}
import asyncio


async def worker(queue, results):
    while True:
        job = await queue.get()
        try:
            await asyncio.sleep(0)
            results.append(job * 10)
        finally:
            queue.task_done()


async def run(input_dict, tools):
    queue = asyncio.Queue()
    results = []
    for job in input_dict["jobs"]:
        queue.put_nowait(job)
    workers = [asyncio.create_task(worker(queue, results)) for _ in range(input_dict["workers"])]
    await queue.join()
    for task in workers:
        task.cancel()
    outcomes = await asyncio.gather(*workers, return_exceptions=True)
    cancelled = sum(isinstance(outcome, asyncio.CancelledError) for outcome in outcomes)
    return {"results": sorted(results), "cancelled_workers": cancelled, "size": queue.qsize()}
