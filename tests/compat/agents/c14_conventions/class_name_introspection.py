# input: {}
class Shape:
    def describe(self):
        return f"{type(self).__name__} via {self.__class__.__name__}"


class Circle(Shape):
    pass


class Square(Shape):
    class Meta:
        kind = "polygon"


async def run(input_dict, tools):
    shapes = [Circle(), Square()]
    return {
        "described": [shape.describe() for shape in shapes],
        "qualnames": [Square.__qualname__, Square.Meta.__qualname__],
        "type_names": [type(value).__name__ for value in (1, "a", [], {}, None, 2.5)],
        "same_class": type(shapes[0]) is Circle,
    }
