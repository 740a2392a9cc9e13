"""Idempotency keys: a retried mutation gets the first attempt's answer (see ``api.idempotency``)."""
