# input: {"words": ["tree", "apple", "fig", "banana"]}
def build_tracker():
    longest = ""

    def track(words):
        checked = 0

        def consider(word):
            nonlocal longest, checked
            checked += 1
            if len(word) > len(longest):
                longest = word

        for word in words:
            consider(word)
        return checked

    def result():
        return longest

    return track, result


async def run(input_dict, tools):
    track, result = build_tracker()
    checked = track(input_dict["words"])
    return {"checked": checked, "longest": result()}
