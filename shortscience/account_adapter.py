"""django-allauth adapter: failed log-ins are throttled per account *and* address, never per account alone."""

from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """allauth counts failed log-ins under one key per account (ACCOUNT_RATE_LIMITS["login_failed"], "key"),
    so five wrong passwords from anywhere locked the account for its owner too. Adding the client's address to
    that key throttles a guesser at their own address while the researcher logs in from theirs; the "ip" part
    of the same limit still caps one address across accounts. The counts live in Django's cache: with
    REDIS_URL every worker shares them, without it each process counts its own.
    """

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        # allauth builds every use of the login_failed key here (consume, rollback, clear after a reset).
        return f"{super()._get_login_attempts_cache_key(request, **credentials)}:{self.get_client_ip(request)}"
