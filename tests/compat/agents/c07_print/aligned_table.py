# input: {"stock": {"apples": 12, "kiwis": 3, "watermelons": 110}}
async def run(input_dict, tools):
    stock = input_dict["stock"]
    width = max(len(name) for name in stock)
    print(f"{'item':<{width}} | {'qty':>5}")
    print("-" * (width + 8))
    for name, qty in sorted(stock.items()):
        print(f"{name:<{width}} | {qty:>5}")
    return {"rows": len(stock)}
