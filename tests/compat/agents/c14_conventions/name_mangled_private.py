# input: {"deposits": [100, 50]}
class Account:
    def __init__(self, owner):
        self.owner = owner
        self.__balance = 0

    def deposit(self, amount):
        self.__balance += amount
        return self.__balance

    def balance(self):
        return self.__balance


async def run(input_dict, tools):
    account = Account("ada")
    for amount in input_dict["deposits"]:
        account.deposit(amount)
    try:
        account.__balance
        hidden = False
    except AttributeError:
        hidden = True
    return {"balance": account.balance(), "hidden": hidden}
