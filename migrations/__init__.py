"""Alembic migrations, shipped as a package so an installed hub can migrate itself."""
