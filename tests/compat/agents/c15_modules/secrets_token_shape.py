# input: {}
import secrets
import string


async def run(input_dict, tools):
    token = secrets.token_hex(16)
    code = "".join(secrets.choice(string.digits) for _ in range(6))
    return {
        "token_len": len(token),
        "token_hex": all(c in "0123456789abcdef" for c in token),
        "code_len": len(code),
        "same": secrets.compare_digest("abc", "abc"),
    }
