# input: {"name": "ada", "count": 3}
import textwrap


async def run(input_dict, tools):
    message = textwrap.dedent(
        f"""\
        Hello {input_dict["name"]},
            you have {input_dict["count"]} new reports.
        Bye
        """
    )
    print(message, end="")
    wrapper = textwrap.TextWrapper(width=12, break_long_words=True)
    return {"message": message, "wrapped": wrapper.wrap("supercalifragilistic is long")}
