# input: {"size": 5}
class Squares:
    def __init__(self, size):
        self.size = size

    def __len__(self):
        return self.size

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self.size))]
        if index < 0:
            index += self.size
        if not 0 <= index < self.size:
            raise IndexError("square index out of range")
        return index * index


async def run(input_dict, tools):
    squares = Squares(input_dict["size"])
    return {
        "all": list(squares),
        "last": squares[-1],
        "slice": squares[1:4],
        "reversed": list(reversed(squares)),
        "has_nine": 9 in squares,
    }
