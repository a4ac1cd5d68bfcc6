"""Who gets what: the partner's API key (``auth``), the request's call and user (``parsing``), the user
directory (``users``) and the magic values that always give one outcome (``magic``)."""
