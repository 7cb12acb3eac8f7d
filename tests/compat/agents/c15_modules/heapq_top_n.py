# input: {"scores": {"ada": 91, "bob": 78, "cy": 85, "dee": 99, "eve": 60}}
import heapq


async def run(input_dict, tools):
    scores = input_dict["scores"]
    top = heapq.nlargest(3, scores.items(), key=lambda item: item[1])
    bottom = heapq.nsmallest(2, scores, key=scores.get)
    merged = list(heapq.merge([1, 4, 9], [2, 3, 10]))
    return {"top": [list(item) for item in top], "bottom": bottom, "merged": merged}
