# input: {"title": "Q1 <draft> & notes"}
import html


async def run(input_dict, tools):
    safe = html.escape(input_dict["title"])
    page = f"<h1>{safe}</h1>"
    return {"page": page, "back": html.unescape(safe)}
