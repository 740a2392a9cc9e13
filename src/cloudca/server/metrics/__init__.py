"""What an operator scrapes: hosts, unknown machines, drift corrections, instances and tasks."""
