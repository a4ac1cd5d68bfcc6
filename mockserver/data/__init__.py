"""Deterministic data: the mock's clock (``clock``), the countries sessions happen in (``countries``),
and generated charging histories (``generation``, from ``seeding``, ``timestamps`` and ``variants``)."""
