"""Roles, local accounts, sessions that survive a reload, and throttling of failed sign-ins.

Three roles in a ladder: *viewer* (anyone with a link, the default: aggregates only), *staff* (sees detail) and
*coordinator* (changes data). Beside the ladder, *reporter* (rapportör: a safety host or a partner) sees no
data at all: only the form that reports what they saw (lagesbild.observations), for their organisation. Sign-in is either the municipality's OIDC provider through `st.login` (roles by
e-mail address in secrets) or local accounts whose salted PBKDF2 hashes live in secrets. Passwords are
compared in constant time, an unknown user name costs as much as a wrong password, and a stored hash with
fewer than `MIN_ITERATIONS` is refused until the administrator makes a new one.

A local sign-in lasts `SESSION_SECONDS` through a signed cookie: the user name, a fingerprint of the stored
hash (a new password ends old sessions), an expiry and an id, signed with HMAC-SHA256 under a key from
secrets. The role is read from secrets on every use, never from the cookie. Nothing here imports Streamlit.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

ROLES = ("viewer", "staff", "coordinator")
REPORTER = "reporter"  # not a step of ROLES: reports from the street, sees no aggregated page
ALL_ROLES = (*ROLES, REPORTER)
DEFAULT_ORGANISATION = "Trygghetsvärdar"
# Streamlit's secrets (or any mapping like them): TOML tables and values, nested as the file nests them.
Secrets = Mapping[str, Any]
ROLE_LABELS = {"viewer": "Läsare", "staff": "Personal", "coordinator": "Samordnare", REPORTER: "Rapportör"}
MIN_ITERATIONS = 600_000  # OWASP's floor for PBKDF2-HMAC-SHA256 (2023)
ITERATIONS = MIN_ITERATIONS
_SCHEME = "pbkdf2_sha256"
REHASH_HINT = "make a new one with `python -m lagesbild hash-password` and replace it in secrets.toml"

SESSION_SECONDS = 8 * 3600  # a working day; then sign in again
COOKIE_NAME = "lagesbild_inloggning"
MIN_SECRET_LENGTH = 32


def at_least(role: str, needed: str) -> bool:
    """Whether `role` includes what `needed` may do (a reporter, outside the ladder, includes nothing of it)."""
    if role not in ROLES or needed not in ROLES:
        return False
    return ROLES.index(role) >= ROLES.index(needed)


def hash_password(password: str, *, salt: bytes | None = None, iterations: int = ITERATIONS) -> str:
    """A salted PBKDF2-SHA256 hash in the form 'pbkdf2_sha256$iterations$salt$hash' (base64)."""
    if not password:
        raise ValueError("the password is empty")
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    encode = base64.b64encode
    return f"{_SCHEME}${iterations}${encode(salt).decode()}${encode(digest).decode()}"


def hash_iterations(encoded: str) -> int | None:
    """The iteration count of a stored hash, or None when it is not a PBKDF2-SHA256 hash of ours."""
    parts = encoded.split("$")
    if len(parts) != 4 or parts[0] != _SCHEME or not parts[1].isdigit():
        return None
    return int(parts[1])


def is_weak(encoded: str) -> bool:
    """Whether a stored hash is unusable: not ours, or with fewer than MIN_ITERATIONS."""
    iterations = hash_iterations(encoded)
    return iterations is None or iterations < MIN_ITERATIONS


def _matches(password: str, encoded: str) -> bool:
    try:
        _, iterations, salt, expected = encoded.split("$")
        digest = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
        return hmac.compare_digest(digest, base64.b64decode(expected))
    except (ValueError, TypeError, binascii.Error):
        return False


def verify_password(password: str, encoded: str) -> bool:
    """Whether `password` matches `encoded`, compared in constant time; weak hashes never match."""
    return not is_weak(encoded) and _matches(password, encoded)


_DUMMY = hash_password("not a real password", salt=b"0" * 16)


class WeakHashError(Exception):
    """The password is right, but the stored hash is too weak to be accepted."""

    def __init__(self, username: str, iterations: int | None) -> None:
        self.username = username
        self.iterations = iterations
        super().__init__(f"account {username!r} has a password hash with {iterations or 'unknown'} "
                         f"iterations (at least {MIN_ITERATIONS} needed): {REHASH_HINT}")


@dataclass(frozen=True)
class Account:
    username: str
    role: str
    password_hash: str
    organisation: str = ""  # a reporter's organisation (the source of their reports)


def accounts_from(config: Secrets) -> dict[str, Account]:
    """Local accounts from the `[accounts.<name>]` tables of secrets; unknown roles are refused."""
    found = {}
    for username, entry in dict(config.get("accounts", {})).items():
        role = entry.get("role", "viewer")
        if role not in ALL_ROLES:
            raise ValueError(f"account {username!r} has unknown role {role!r}; use one of {ALL_ROLES}")
        organisation = str(entry.get("organisation", "")).strip()
        if role == REPORTER and not organisation:
            organisation = DEFAULT_ORGANISATION
        found[username.lower()] = Account(username, role, entry.get("password_hash", ""), organisation)
    return found


def weak_accounts(accounts: Mapping[str, Account]) -> list[str]:
    """The user names whose stored hash is refused (to tell the administrator)."""
    return sorted(a.username for a in accounts.values() if is_weak(a.password_hash))


def authenticate(accounts: Mapping[str, Account], username: str, password: str) -> Account | None:
    """The account if the password is right, else None (the same work either way).

    Raises WeakHashError when the password is right but the stored hash is too weak to be accepted.
    """
    account = accounts.get(username.strip().lower())
    if account is not None and is_weak(account.password_hash):
        _matches(password, _DUMMY)  # a weak hash is quick to check: spend the usual time anyway
        if _matches(password, account.password_hash):
            raise WeakHashError(account.username, hash_iterations(account.password_hash))
        return None
    ok = verify_password(password, account.password_hash if account else _DUMMY)
    return account if account and ok else None


def role_for_email(config: Secrets, email: str | None) -> str:
    """A role for an OIDC-signed-in user: listed in `[roles]` coordinators/staff/reporters, else `[roles] default`."""
    roles = dict(config.get("roles", {}))
    address = (email or "").strip().lower()
    if address and address in {e.lower() for e in roles.get("coordinators", [])}:
        return "coordinator"
    if address and address in {e.lower() for e in roles.get("staff", [])}:
        return "staff"
    if address and address in {e.lower() for e in roles.get("reporters", [])}:
        return REPORTER
    default = roles.get("default", "viewer")
    return default if default in ROLES else "viewer"


def organisation_for(config: Secrets, username: str) -> str:
    """A reporter's organisation: from their local account, else `[roles.organisations]` (address = name) for an
    OIDC user, else DEFAULT_ORGANISATION."""
    account = accounts_from(config).get(username.strip().lower())
    if account is not None and account.organisation:
        return account.organisation
    mapping = dict(dict(config.get("roles", {})).get("organisations", {}))
    found = {str(k).strip().lower(): str(v).strip() for k, v in mapping.items()}.get(username.strip().lower(), "")
    return found or DEFAULT_ORGANISATION


def session_key(config: Secrets) -> bytes | None:
    """The key that signs local-account cookies: from `[local] cookie_secret`, else derived from `[auth]`'s.

    None (sign-in then lasts only until a reload) when neither is set or the secret is shorter than
    MIN_SECRET_LENGTH characters.
    """
    for section, label in (("local", b"lagesbild local session, own secret"),
                           ("auth", b"lagesbild local session, derived from [auth]")):
        secret = str(dict(config.get(section, {})).get("cookie_secret", ""))
        if len(secret) >= MIN_SECRET_LENGTH:
            return hmac.new(secret.encode(), label, hashlib.sha256).digest()
        if secret:
            log.warning("[%s] cookie_secret is shorter than %d characters and is not used: local sign-ins "
                        "will not survive a reload", section, MIN_SECRET_LENGTH)
    return None


@dataclass(frozen=True)
class Session:
    account: Account
    expires: int
    token_id: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(key: bytes, body: str) -> str:
    return _b64(hmac.new(key, body.encode(), hashlib.sha256).digest())


def _fingerprint(key: bytes, password_hash: str) -> str:
    return _b64(hmac.new(key, password_hash.encode(), hashlib.sha256).digest()[:12])


def issue_session(key: bytes, account: Account, *, now: float | None = None,
                  lifetime: int = SESSION_SECONDS) -> str:
    """A signed token for `account`, valid for `lifetime` seconds: 'payload.signature', URL-safe base64."""
    now = time.time() if now is None else now
    payload = {"u": account.username, "h": _fingerprint(key, account.password_hash),
               "exp": int(now + lifetime), "id": secrets.token_hex(8)}
    body = _b64(json.dumps(payload, separators=(",", ":")).encode())
    return f"{body}.{_sign(key, body)}"


def read_session(key: bytes, token: object, accounts: Mapping[str, Account], *, now: float | None = None,
                 revoked: Revocations | None = None) -> Session | None:
    """The session in `token` if its signature, expiry, account and password fingerprint hold, else None."""
    now = time.time() if now is None else now
    if not isinstance(token, str):
        return None
    body, _, signature = token.partition(".")
    if not body or not hmac.compare_digest(signature.encode(), _sign(key, body).encode()):
        return None
    try:
        payload = json.loads(_unb64(body))
        username, fingerprint, token_id = payload["u"], payload["h"], payload["id"]
        expires = int(payload["exp"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        return None
    account = accounts.get(str(username).lower())
    if account is None or now >= expires or is_weak(account.password_hash):
        return None
    if not hmac.compare_digest(str(fingerprint), _fingerprint(key, account.password_hash)):
        return None
    if revoked is not None and revoked.contains(str(token_id), now=now):
        return None
    return Session(account, expires, str(token_id))


class Revocations:
    """Sessions signed out before they expire (per process; kept until their expiry)."""

    def __init__(self) -> None:
        self._until: dict[str, float] = {}
        self._lock = threading.Lock()

    def revoke(self, token_id: str, expires: float) -> None:
        with self._lock:
            self._until[token_id] = expires

    def contains(self, token_id: str, *, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        with self._lock:
            for stale in [t for t, until in self._until.items() if until <= now]:
                del self._until[stale]
            return token_id in self._until


class Throttle:
    """Locks an account or a client after repeated failed sign-ins, for a delay that doubles each time.

    After ACCOUNT_FREE failures in a row for one user name (from any client), or CLIENT_FREE for one client
    (any user names), that key is locked for BASE_DELAY seconds; each further failure doubles the delay up
    to MAX_DELAY. While locked, no password is checked, not even the right one. A success clears the
    account's count; a key with no failure for FORGET_AFTER seconds starts again from zero. Counts live in
    this process only (each app replica keeps its own) and at most `max_entries` keys are kept.
    """

    ACCOUNT_FREE = 5
    CLIENT_FREE = 20
    BASE_DELAY = 30
    MAX_DELAY = 15 * 60
    FORGET_AFTER = 24 * 3600

    def __init__(self, *, clock: Callable[[], float] = time.time, max_entries: int = 10_000) -> None:
        self._clock = clock
        self._max_entries = max_entries
        # (kind, key) -> (failures in a row, time of the last one, end of the lock)
        self._entries: OrderedDict[tuple[str, str], tuple[int, float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    @staticmethod
    def _keys(username: str, client: str) -> tuple[tuple[str, str], tuple[str, str]]:
        return ("account", username.strip().lower()), ("client", client)

    def _current(self, key: tuple[str, str], now: float) -> tuple[int, float, float]:
        failures, last, until = self._entries.get(key, (0, 0.0, 0.0))
        if failures and now - last > self.FORGET_AFTER and now >= until:
            return 0, 0.0, 0.0
        return failures, last, until

    def locked_until(self, username: str, client: str) -> float | None:
        """When the lock on this user name or client ends, or None when a sign-in may be tried now."""
        now = self._clock()
        with self._lock:
            until = max(self._current(key, now)[2] for key in self._keys(username, client))
        return until if until > now else None

    def failed(self, username: str, client: str) -> None:
        """Count a failed sign-in against the user name and the client."""
        now = self._clock()
        account_key, client_key = self._keys(username, client)
        with self._lock:
            for key, free in ((account_key, self.ACCOUNT_FREE), (client_key, self.CLIENT_FREE)):
                failures = self._current(key, now)[0] + 1
                delay = min(self.BASE_DELAY * 2 ** min(failures - free, 16), self.MAX_DELAY)
                until = now + delay if failures >= free else 0.0
                self._entries[key] = (failures, now, until)
                self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def succeeded(self, username: str, client: str) -> None:
        """Clear the account's count after a right password (the client's count stays)."""
        with self._lock:
            self._entries.pop(self._keys(username, client)[0], None)
