"""Demo data beyond the demo organisation's current work (server_stub.seeding.demo)."""
