"""One module per table: the only code that writes SQL against it.

Each store wraps a pool (or one connection); methods that must join a caller's transaction
take `conn`. Status changes of a job are the job store's named transitions.
"""
