# input: {"latencies": [120, 95, 130, 95, 400, 101, 99]}
import statistics


async def run(input_dict, tools):
    values = input_dict["latencies"]
    return {
        "mean": statistics.mean(values),
        "median": statistics.median(values),
        "mode": statistics.mode(values),
        "stdev": round(statistics.stdev(values), 6),
        "pstdev": round(statistics.pstdev(values), 6),
        "quartiles": statistics.quantiles(values, n=4),
        "fmean": statistics.fmean(values),
    }
