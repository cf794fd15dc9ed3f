"""An order's history: read from the ledger (`ledger`) and said in words (`words`)."""
