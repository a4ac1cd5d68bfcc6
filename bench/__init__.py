"""The benchmark: ``python -m bench.run`` (``make bench``) and the bare baseline app it compares with."""
