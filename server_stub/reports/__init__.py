"""What the server shows a customer: the status link and its page (`status`, `links`), the
completion report PDF (`record`, `pdf`), and the page's rate limit (`ratelimit`).
sync-protocol.md, "Customer status links" and "Reports"."""
