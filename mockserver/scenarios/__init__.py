"""The scenario engine: the built-in catalogue (``catalog``), what each kind does to an answer
(``effects``) or to the connection (``transport``), scenario files (``scenario_files``), the
per-request selector and journal (``selector``), their stores (``state``), and the ``engine`` that
holds them together for one app. No Flask here: the admin API over it is ``mockserver.http.admin``.
"""
