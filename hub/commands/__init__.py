"""Implementations behind the ``hub`` subcommands, imported only when used."""
