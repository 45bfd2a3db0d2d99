"""django-allauth adapter: failed log-ins are throttled per account *and* address, never per account alone."""

import ipaddress

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core.exceptions import PermissionDenied


class AccountAdapter(DefaultAccountAdapter):
    """allauth counts failed log-ins under one key per account (ACCOUNT_RATE_LIMITS["login_failed"], "key"),
    so five wrong passwords from anywhere locked the account for its owner too. Adding the client's address to
    that key throttles a guesser at their own address while the researcher logs in from theirs; the "ip" part
    of the same limit still caps one address across accounts. The counts live in Django's cache, shared by
    every worker through Redis.
    """

    def get_client_ip(self, request) -> str:
        # The address the site's own limits and view counts use (behind a proxy, the header it sets).
        address = request.META.get(settings.CLIENT_IP_META_KEY, "").strip()
        if not address:
            raise PermissionDenied("Unable to determine the client's address.")
        return address

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        # allauth builds every use of the login_failed key here (consume, rollback, clear after a reset).
        return f"{super()._get_login_attempts_cache_key(request, **credentials)}:{_network(self.get_client_ip(request))}"


def _network(address: str) -> str:
    """An IPv6 address stands for its /64, which one machine can fill with fresh addresses; IPv4 for itself."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    return str(ipaddress.ip_network(f"{parsed}/64", strict=False).network_address) if parsed.version == 6 else address
