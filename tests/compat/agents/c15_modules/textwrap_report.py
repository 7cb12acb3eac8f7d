# input: {"text": "The data store keeps every agent's records in its own namespace, so one agent never sees another agent's keys unless it asks for them explicitly."}
import textwrap


async def run(input_dict, tools):
    text = input_dict["text"]
    wrapped = textwrap.wrap(text, width=40)
    print(textwrap.fill(text, width=50, initial_indent="* ", subsequent_indent="  "))
    return {
        "lines": wrapped,
        "short": textwrap.shorten(text, width=60, placeholder=" [...]"),
        "indented": textwrap.indent("a\nb\n", "> "),
    }
