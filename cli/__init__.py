"""cli: the ``fdl`` command, thin commands over ``translator`` and ``worker``."""
