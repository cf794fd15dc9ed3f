"""Importing orders from a CSV file (the desk's `orders-import`, `POST /api/v1/orders/import`,
`ordo-server import orders`): the rows checked by `app.domain.order_import`, then every good
row made an order in ONE transaction, or none."""

from server_stub.imports.service import ImportTooLarge, import_orders, people_of

__all__ = ["ImportTooLarge", "import_orders", "people_of"]
