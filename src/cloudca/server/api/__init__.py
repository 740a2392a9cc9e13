"""The HTTP edge: envelopes, error mapping, authentication, paging and body parsing. No rules live here."""
