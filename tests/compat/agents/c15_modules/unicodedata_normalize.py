# input: {"names": ["Café", "Cafe\u0301", "naïve"]}
import unicodedata


def plain(text):
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


async def run(input_dict, tools):
    names = input_dict["names"]
    return {
        "same": unicodedata.normalize("NFC", names[0]) == unicodedata.normalize("NFC", names[1]),
        "plain": [plain(name) for name in names],
        "category": unicodedata.category("é"),
    }
