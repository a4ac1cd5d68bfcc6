"""The HTTP surface: every byte in and out.

The protocol endpoint (``endpoint``, plain WSGI in front of Flask) with its answer cache (``hotpath``),
the journal entry and log line of each request (``journal_entries``, ``request_log``), ``--self-check``
(``selfcheck``), Flask's routes (``routes``: /openapi.json, health, catalogue, JSON errors), the admin
API over the scenario engine (``admin``), ready-to-paste curl lines (``curl_lines``) and the catalogue
document (``catalog_document``). ``runtime`` holds what a request needs that ``create_app`` builds once.
"""
