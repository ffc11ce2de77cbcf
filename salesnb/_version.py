"""The package's version, in a leaf module so that any module can name it without importing ``salesnb``'s
``__init__`` (which would close an import cycle: ``__init__`` → ``context`` → ``prepare`` → ``__init__``)."""

__version__ = "0.1.0"
