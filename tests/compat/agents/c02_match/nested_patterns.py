# input: {"events": [{"type": "order", "items": [{"sku": "a", "qty": 2}]}, {"type": "order", "items": []}, {"type": "refund", "order": {"id": 7, "amount": 12.5}}, {"type": "ping"}]}
def summarize(event):
    match event:
        case {"type": "order", "items": []}:
            return "empty order"
        case {"type": "order", "items": [{"sku": sku, "qty": qty}, *more]}:
            return f"order of {qty} x {sku} and {len(more)} more"
        case {"type": "refund", "order": {"id": int(order_id), "amount": float(amount)}}:
            return f"refund {amount} on order {order_id}"
        case {"type": kind}:
            return f"ignored {kind}"


async def run(input_dict, tools):
    return {"summary": [summarize(event) for event in input_dict["events"]]}
