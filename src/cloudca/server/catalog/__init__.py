"""What instances are made from: zones, templates, and compute, disk, VPC and network offerings."""
