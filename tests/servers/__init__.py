"""Servers the contract suite is proven against: one correct, independent implementation of the
call (``reference``) and its mutants (``mutations``), each breaking exactly one rule."""
