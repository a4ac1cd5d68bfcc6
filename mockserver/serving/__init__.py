"""Serving the app: the command line (``cli``), what it hands a server (``options``), what both servers
share at start (``startup``), and the servers themselves (``gunicorn_server``, ``granian_server``)."""
