"""VPCs, networks, network ACLs, NICs and their private IPs, public IPs and port forwarding."""
