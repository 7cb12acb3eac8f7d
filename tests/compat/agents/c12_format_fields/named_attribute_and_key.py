# input: {"order": {"id": 41, "total": 99.5}}
class Customer:
    def __init__(self, name, tier):
        self.name = name
        self.tier = tier


async def run(input_dict, tools):
    customer = Customer("ada", "gold")
    order = input_dict["order"]
    text = "{customer.name} [{customer.tier}] order #{order[id]}: {order[total]:.2f}".format(
        customer=customer, order=order)
    return {"text": text}
