"""SSH keys registered in an environment."""
