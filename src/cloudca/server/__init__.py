"""The cloudca server: the HTTP edge, the domain services, durable tasks and compute drivers."""
