"""Ready-to-paste curl commands of the call: the banner's, the catalogue's, the admin API's list of
scenarios.

A curl command shows the API key only when it is the demo key and whoever reads it is on this machine;
otherwise it shows ``KEY_PLACEHOLDER`` (``shown_key``).
"""

from __future__ import annotations

import ipaddress
import shlex

import orjson

import spec
from mockserver import settings
from mockserver.identity.users import Directory

KEY_PLACEHOLDER = "<your-api-key>"  # what a curl command shows instead of a key: plainly not one


def shown_key(key: str, local: bool) -> str:
    """The key a curl command shows: the demo key to a reader on this machine (``local``), else the
    placeholder. A key of your own is never printed or served."""
    return key if local and key == settings.DEMO_API_KEY else KEY_PLACEHOLDER


def is_loopback(address: str | None) -> bool:
    """Whether ``address`` (a client's or a server's) is this machine's loopback, IPv4-mapped too."""
    try:
        found = ipaddress.ip_address((address or "").split("%", 1)[0])
    except ValueError:
        return address == "localhost"
    if isinstance(found, ipaddress.IPv6Address) and found.ipv4_mapped is not None:
        found = found.ipv4_mapped
    return found.is_loopback


def demo_user(directory: Directory) -> dict[str, str]:
    """The request ``user`` of the first directory user with a username (or an any-user example)."""
    for user in directory.users:
        if "username" in user.identifiers and user.token:
            return {
                "identifier-type": "username",
                "identifier": user.identifiers["username"],
                "token": user.token,
            }
    return {"identifier-type": "rfid", "identifier": "04A2B3C4D5E6F7"}


def curl(
    base: str,
    key: str,
    user: dict[str, str],
    headers: dict[str, str] | None = None,
    options: list[str] | None = None,
) -> str:
    """A curl command for the call (``options``: curl's own, such as ``--cacert FILE``)."""
    body = orjson.dumps({spec.CALL: {"user": user}}).decode()
    parts = ["curl", "-sS", *(options or []), f"{base}/api/v4/request", "-H", f"Authorization: key={key}"]
    parts += ["-H", "Content-Type: application/json"]
    for name, value in (headers or {}).items():
        parts += ["-H", f"{name}: {value}"]
    parts += ["-d", body]
    return shlex.join(parts)
