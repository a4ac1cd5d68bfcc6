"""An example app (``oioi_client``) and its tests with the mock's pytest plugin (docs/qa.md)."""
