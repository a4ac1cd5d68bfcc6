"""HTTPS: a certificate and key given (``--tls-cert``, ``--tls-key``), or made (``--tls-self-signed``).

``--tls-self-signed`` makes a certificate authority of its own and, signed by it, a server certificate
for every name and address the mock listens on (``names``), into a directory of the run; the banner
prints where the CA's file is, for ``curl --cacert`` or a phone to trust (its private key stays in
that directory, readable by its owner only, and goes with it when the mock stops). Made with
``cryptography`` (PyCA), a dependency of the mock: the server certificate follows what iOS and Android
ask of one (a subject alternative name for each name, the serverAuth extended key usage, a validity
of 825 days at most), which the standard library's ``ssl`` cannot make.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import socket
import ssl
from pathlib import Path

from mockserver.http import curl_lines
from mockserver.serving import startup
from mockserver.serving.options import Tls

CA_FILE = "ca.pem"
CERT_FILE = "server.pem"
KEY_FILE = "server-key.pem"
VALID_DAYS = 397  # the server certificate; at most 825 for iOS, 398 for a publicly trusted one
CA_VALID_DAYS = 3650


def problem(cert: str | None, key: str | None) -> tuple[str, str] | None:
    """Why ``cert`` and ``key`` cannot serve HTTPS (both given, readable, PEM, a pair): the flag to
    blame (``tls-cert``, ``tls-key``) and why; or None."""
    if cert is None or key is None:
        return ("tls-cert" if cert is None else "tls-key"), "give both --tls-cert FILE and --tls-key FILE"
    for flag, path in (("tls-cert", cert), ("tls-key", key)):
        if not os.path.isfile(path) or not os.access(path, os.R_OK):
            return flag, f"cannot read {path}: no such file, or not readable"
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as error:
        return "tls-cert", f"{cert} and {key} are not a PEM certificate and its private key ({error})"
    return None


def names(host: str) -> list[str]:
    """The host names and addresses a client may reach a mock bound to ``host`` by: this machine's
    loopback names always; the address or name it is bound to; for a wildcard address this machine's
    addresses on the network and its host name."""
    found = ["localhost", "127.0.0.1", "::1"]
    if not curl_lines.is_loopback(host):
        found.append(host)
    try:
        wildcard = ipaddress.ip_address(host).is_unspecified
    except ValueError:
        wildcard = False
    if wildcard:
        found.remove(host)
        families = [socket.AF_INET] if ":" not in host else [socket.AF_INET, socket.AF_INET6]
        found += [address for family in families for address in startup.interface_addresses(family)]
        found.append(socket.gethostname())
    return list(dict.fromkeys(found))


def self_signed(directory: Path, host: str) -> Tls:
    """A CA and a server certificate for ``names(host)`` written into ``directory``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)
    since = now - datetime.timedelta(hours=1)  # a phone whose clock is a little behind still accepts it
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"OIOI mock CA {now:%Y-%m-%d %H:%M:%S}")])
    ca_usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(since)
        .not_valid_after(now + datetime.timedelta(days=CA_VALID_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(ca_usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    alternatives: list[x509.GeneralName] = []
    for name in names(host):
        try:
            alternatives.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alternatives.append(x509.DNSName(name))
    usage = x509.KeyUsage(True, False, False, False, False, False, False, False, False)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names(host)[-1])]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(since)
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(alternatives), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    private = serialization.PrivateFormat.PKCS8
    (directory / CA_FILE).write_bytes(ca.public_bytes(pem))
    (directory / CERT_FILE).write_bytes(cert.public_bytes(pem))
    key_path = directory / KEY_FILE
    key_path.touch(mode=0o600)
    os.chmod(key_path, 0o600)
    key_path.write_bytes(key.private_bytes(pem, private, serialization.NoEncryption()))
    return Tls(str(directory / CERT_FILE), str(key_path), str(directory / CA_FILE))
