"""The mock's banner as text: its labels, the listening line, and how a process that starts a server
reads it (the standard library only: ``serving.process`` and ``mockserver.testing`` read it without
importing the mock).

``startup.banner`` prints it. Its first line says where the server listens (``listening``); a process
that starts the server reads the URL a client on this machine uses (``listening_url``), waits for the
last line (``banner_complete``) and reads what a client needs besides the URL (``banner_access``): the
admin token generated for the run and the CA file of HTTPS.
"""

from __future__ import annotations

import re
from typing import NamedTuple

LISTENING = re.compile(r"listening on (?P<bound>https?://[^\s,]+)(?:, locally (?P<local>https?://[^\s,]+))?")
LAST_LABEL = "try:"  # the label of the banner's last line, the curl command
ADMIN_LABEL = "admin:"
CA_LABEL = "CA file:"
LABEL_WIDTH = 12  # a label and the spaces after it, so that the values line up
GENERATED = "generated for this run"  # after a token that only the banner shows
TRUST_CA = "(trust it: curl --cacert FILE, or install it on a phone)"
GAP = "    "  # between a value and the note in parentheses after it
_GENERATED_TOKEN = re.compile(rf"^ *{ADMIN_LABEL} +token (?P<token>\S+){GAP}\({GENERATED};", re.MULTILINE)
_CA_FILE = re.compile(rf"^ *{CA_LABEL} +(?P<ca>.+?){GAP}{re.escape(TRUST_CA)}$", re.MULTILINE)


def listening(name: str, base: str, detail: str = "", local: str | None = None) -> str:
    """The line that says where a server listens: ``NAME listening on URL (DETAIL)``, or
    ``NAME listening on URL, locally LOCAL (DETAIL)`` when a client on this machine uses another URL
    (``local``: a server bound to 0.0.0.0 is reached at 127.0.0.1)."""
    shown = base if local is None or local == base else f"{base}, locally {local}"
    return f"{name} listening on {shown}" + (f" ({detail})" if detail else "")


def listening_url(text: str) -> str | None:
    """The URL a client on this machine uses, from the first listening line in ``text`` (whole lines),
    or None."""
    match = LISTENING.search(text)
    return (match.group("local") or match.group("bound")) if match else None


def banner_complete(text: str) -> bool:
    """Whether ``text`` (whole lines) holds the mock's banner up to its last line."""
    return any(line.lstrip().startswith(LAST_LABEL) for line in text.splitlines())


class Access(NamedTuple):
    """What a client needs besides the URL, as the banner shows it: None when it shows none."""

    admin_token: str | None  # generated for the run (a token given is not printed)
    ca_file: str | None  # the CA that signed the certificate of --tls-self-signed


def banner_access(text: str) -> Access:
    """The admin token generated for the run and the CA file, from the banner in ``text`` (whole lines)."""
    token = _GENERATED_TOKEN.search(text)
    ca = _CA_FILE.search(text)
    return Access(token.group("token") if token else None, ca.group("ca") if ca else None)
