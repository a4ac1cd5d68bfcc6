"""Proxy mode (``--upstream URL``): forward protocol requests, validate both sides, record answers."""
