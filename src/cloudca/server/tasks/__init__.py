"""Durable tasks: every mutation is a task row that ends SUCCESS or FAILED, even across a crash."""
