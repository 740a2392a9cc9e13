"""Where machines run: hosts and their capacity, affinity groups, and the scheduler."""
