# input: {"emails": ["Ada@Example.com", "ada@example.com", "bob@example.com"]}
class Contact:
    def __init__(self, email):
        self.email = email

    def __eq__(self, other):
        if not isinstance(other, Contact):
            return NotImplemented
        return self.email.lower() == other.email.lower()

    def __hash__(self):
        return hash(self.email.lower())


async def run(input_dict, tools):
    contacts = [Contact(email) for email in input_dict["emails"]]
    unique = set(contacts)
    index = {contact: n for n, contact in enumerate(contacts)}
    return {
        "unique": len(unique),
        "index_size": len(index),
        "first_equals_second": contacts[0] == contacts[1],
        "not_equal_to_str": contacts[0] != "ada@example.com",
    }
