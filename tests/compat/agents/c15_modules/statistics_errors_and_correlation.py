# input: {"x": [1, 2, 3, 4, 5], "y": [2, 4, 5, 4, 5]}
import statistics


async def run(input_dict, tools):
    try:
        statistics.mean([])
        error = None
    except statistics.StatisticsError as exc:
        error = str(exc)
    slope, intercept = statistics.linear_regression(input_dict["x"], input_dict["y"])
    return {
        "error": error,
        "correlation": round(statistics.correlation(input_dict["x"], input_dict["y"]), 6),
        "slope": round(slope, 6),
        "intercept": round(intercept, 6),
        "median_low": statistics.median_low([1, 3, 5, 7]),
        "harmonic": round(statistics.harmonic_mean([40, 60]), 6),
    }
