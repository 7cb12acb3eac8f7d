# input: {"values": [3, -2, 2.5, "text", "", [1, 2], {"a": 1}, null, true]}
def classify(value):
    match value:
        case bool(flag):
            return f"bool {flag}"
        case int(number) if number < 0:
            return "negative int"
        case int(number):
            return f"int {number}"
        case float():
            return "float"
        case str() as text if not text:
            return "empty string"
        case str(text):
            return f"string of {len(text)}"
        case list(items):
            return f"list of {len(items)}"
        case dict():
            return "dict"
        case None:
            return "none"


async def run(input_dict, tools):
    return {"classes": [classify(value) for value in input_dict["values"]]}
