"""Who is asking: the client's address behind the configured number of reverse proxies."""

from django.conf import settings
from django.http import HttpRequest


def client_ip_address(request: HttpRequest) -> str | None:
    """The client address as the outermost trusted proxy saw it (used by login throttling).

    Every proxy appends the address it received the request from to X-Forwarded-For, so with
    N proxies the client is the N-th entry from the right. Entries further left were written
    by the client itself and can be forged; without proxies the header is ignored entirely.
    """
    proxies = settings.PROXY_COUNT
    if proxies:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        addresses = [address.strip() for address in forwarded.split(",") if address.strip()]
        if len(addresses) >= proxies:
            return addresses[-proxies]
    return request.META.get("REMOTE_ADDR")
