"""`/orders/<number>` and what it is made of, for everyone who opens an order: a technician's
phone stacks the parts, the desk lays them out in columns (app.views.desk.evidence)."""
