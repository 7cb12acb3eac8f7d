# input: {"template": "Hello {name}, you owe {amount}. {unknown} stays.", "values": {"name": "Ada", "amount": "12 EUR"}}
async def run(input_dict, tools):
    values = input_dict["values"]

    def replace(match):
        key = match.group(1)
        return values.get(key, match.group(0))

    rendered = re.sub(r"\{(\w+)\}", replace, input_dict["template"])
    count = len(re.findall(r"\{(\w+)\}", input_dict["template"]))
    return {"rendered": rendered, "placeholders": count,
            "escaped": re.escape("a.b*c")}
