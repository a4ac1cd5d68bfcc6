"""The call's vocabulary, read from the schemas so no other package has to repeat it.

- ``CALL``: the name of the call, the request envelope's one required key (request.json).
- ``IDENTIFIER_TYPES``: the identifier-type enum, in the schema's order (user.json).
- ``IDENTIFIER_LENGTH``, ``TOKEN_LENGTH``: (minimum, maximum) characters (user.json).
"""

from __future__ import annotations

from spec._registry import load_schema

_REQUEST = load_schema("request")
_USER = load_schema("user")["properties"]

(CALL,) = _REQUEST["required"]
IDENTIFIER_TYPES: tuple[str, ...] = tuple(_USER["identifier-type"]["enum"])
IDENTIFIER_LENGTH: tuple[int, int] = (_USER["identifier"]["minLength"], _USER["identifier"]["maxLength"])
TOKEN_LENGTH: tuple[int, int] = (_USER["token"]["minLength"], _USER["token"]["maxLength"])
