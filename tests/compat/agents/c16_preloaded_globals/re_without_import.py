# input: {"text": "Contact ada@example.com or bob@test.org before 2024-05-01."}
async def run(input_dict, tools):
    text = input_dict["text"]
    emails = re.findall(r"[\w.]+@[\w.]+\.\w+", text)
    date = re.search(r"(\d{4})-(\d{2})-(\d{2})", text)
    return {"emails": emails, "date": list(date.groups()),
            "words": len(re.split(r"\s+", text.strip()))}
