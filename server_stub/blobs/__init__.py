"""Photos and signatures on disk, named by their SHA-256 (sync-protocol.md, "Blobs")."""
