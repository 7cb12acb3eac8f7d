# input: {"year": 2028, "month": 2}
import calendar


async def run(input_dict, tools):
    year, month = input_dict["year"], input_dict["month"]
    first_weekday, days = calendar.monthrange(year, month)
    return {
        "leap": calendar.isleap(year),
        "days": days,
        "starts_on": calendar.day_name[first_weekday],
        "month": calendar.month_name[month],
        "weeks": len(calendar.monthcalendar(year, month)),
    }
