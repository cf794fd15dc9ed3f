"""Flet screens and components. Only `app.main` imports this package.

Views read and write through `app.services.types.Services` and never touch
SQL or HTTP themselves.
"""
