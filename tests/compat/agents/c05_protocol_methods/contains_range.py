# input: {"hours": [8, 12, 18, 23]}
class BusinessHours:
    def __init__(self, start, end):
        self.start = start
        self.end = end

    def __contains__(self, hour):
        return self.start <= hour < self.end


async def run(input_dict, tools):
    office = BusinessHours(9, 17)
    return {"open": [hour in office for hour in input_dict["hours"]],
            "closed": [hour not in office for hour in input_dict["hours"]]}
