"""Ordo: offline-first work order management for field teams."""
