# input: {"base": "https://example.com/search", "params": {"q": "data store", "page": 2}}
from urllib.parse import parse_qs, quote, urlencode, urljoin, urlparse


async def run(input_dict, tools):
    url = input_dict["base"] + "?" + urlencode(input_dict["params"])
    parts = urlparse(url)
    return {
        "url": url,
        "host": parts.netloc,
        "query": parse_qs(parts.query),
        "quoted": quote("a b/c"),
        "joined": urljoin(url, "../about"),
    }
