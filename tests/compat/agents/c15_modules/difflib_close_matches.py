# input: {"word": "namspace", "choices": ["namespace", "name", "space", "keys"]}
import difflib


async def run(input_dict, tools):
    close = difflib.get_close_matches(input_dict["word"], input_dict["choices"], n=2)
    ratio = difflib.SequenceMatcher(None, "apple", "apples").ratio()
    diff = list(difflib.unified_diff(["a\n", "b\n"], ["a\n", "c\n"], lineterm=""))
    return {"close": close, "ratio": round(ratio, 3), "diff": diff}
