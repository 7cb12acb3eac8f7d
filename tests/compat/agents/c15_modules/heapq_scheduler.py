# input: {"jobs": [[5, "report"], [1, "alert"], [3, "sync"], [1, "audit"]]}
import heapq


async def run(input_dict, tools):
    heap = []
    for priority, name in input_dict["jobs"]:
        heapq.heappush(heap, (priority, name))
    first = heapq.heappop(heap)
    replaced = heapq.heapreplace(heap, (2, "retry"))
    order = [heapq.heappop(heap)[1] for _ in range(len(heap))]
    data = [7, 2, 9, 4]
    heapq.heapify(data)
    return {"first": list(first), "replaced": list(replaced), "order": order, "min": data[0]}
