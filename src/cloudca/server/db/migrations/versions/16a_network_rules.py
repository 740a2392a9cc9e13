"""Network ACL rules, load balancer rules and their members, VPN users, site-to-site VPNs

Revision ID: 16a_network_rules
Revises: 12a_teams
Create Date: 2026-12-04 16:30:00

The remote access VPN of a VPC is its source NAT public IP seen as a VPN (contract 6.19), so it
needs no table: the VPC gains the VPN's preshared key next to its ``vpn_status``. The two built-in
ACLs' rules are fixed and not stored.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "16a_network_rules"
down_revision: str | None = "12a_teams"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "vpn_users",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("environment_id", sa.String(length=36), nullable=False),
        sa.Column("username", sa.String(length=255), nullable=False),
        sa.Column("password_digest", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["environment_id"], ["environments.id"], name=op.f("fk_vpn_users_environment_id_environments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vpn_users")),
        sa.UniqueConstraint("environment_id", "username", name=op.f("uq_vpn_users_environment_id_username")),
    )
    op.create_table(
        "site_to_site_vpns",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("environment_id", sa.String(length=36), nullable=False),
        sa.Column("vpc_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("gateway", sa.String(length=50), nullable=False),
        sa.Column("cidr", sa.String(length=50), nullable=False),
        sa.Column("ipsec_psk", sa.String(length=255), nullable=False),
        sa.Column("ike_encryption_algorithm", sa.String(length=20), nullable=False),
        sa.Column("ike_hash_algorithm", sa.String(length=20), nullable=False),
        sa.Column("ike_dh_group", sa.String(length=20), nullable=True),
        sa.Column("ike_lifetime", sa.Integer(), nullable=False),
        sa.Column("esp_encryption_algorithm", sa.String(length=20), nullable=False),
        sa.Column("esp_hash_algorithm", sa.String(length=20), nullable=False),
        sa.Column("esp_perfect_forward_secrecy", sa.String(length=20), nullable=True),
        sa.Column("esp_lifetime", sa.Integer(), nullable=False),
        sa.Column("dpd", sa.Boolean(), nullable=False),
        sa.Column("force_encap", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["environment_id"],
            ["environments.id"],
            name=op.f("fk_site_to_site_vpns_environment_id_environments"),
        ),
        sa.ForeignKeyConstraint(
            ["vpc_id"], ["vpcs.id"], name=op.f("fk_site_to_site_vpns_vpc_id_vpcs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_to_site_vpns")),
        sa.UniqueConstraint(
            "environment_id", "gateway", name=op.f("uq_site_to_site_vpns_environment_id_gateway")
        ),
        sa.UniqueConstraint("environment_id", "name", name=op.f("uq_site_to_site_vpns_environment_id_name")),
    )
    with op.batch_alter_table("site_to_site_vpns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_site_to_site_vpns_vpc_id"), ["vpc_id"], unique=False)

    op.create_table(
        "network_acl_rules",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("environment_id", sa.String(length=36), nullable=False),
        sa.Column("network_acl_id", sa.String(length=36), nullable=False),
        sa.Column("rule_number", sa.Integer(), nullable=False),
        sa.Column("cidr", sa.String(length=50), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("protocol", sa.String(length=20), nullable=False),
        sa.Column("traffic_type", sa.String(length=20), nullable=False),
        sa.Column("start_port", sa.Integer(), nullable=True),
        sa.Column("end_port", sa.Integer(), nullable=True),
        sa.Column("icmp_type", sa.Integer(), nullable=True),
        sa.Column("icmp_code", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["environment_id"],
            ["environments.id"],
            name=op.f("fk_network_acl_rules_environment_id_environments"),
        ),
        sa.ForeignKeyConstraint(
            ["network_acl_id"],
            ["network_acls.id"],
            name=op.f("fk_network_acl_rules_network_acl_id_network_acls"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_acl_rules")),
        sa.UniqueConstraint(
            "network_acl_id", "rule_number", name=op.f("uq_network_acl_rules_network_acl_id_rule_number")
        ),
    )
    with op.batch_alter_table("network_acl_rules", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_network_acl_rules_environment_id"), ["environment_id"], unique=False
        )

    op.create_table(
        "load_balancer_rules",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("environment_id", sa.String(length=36), nullable=False),
        sa.Column("public_ip_id", sa.String(length=36), nullable=False),
        sa.Column("network_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("public_port", sa.Integer(), nullable=False),
        sa.Column("private_port", sa.Integer(), nullable=False),
        sa.Column("protocol", sa.String(length=20), nullable=False),
        sa.Column("algorithm", sa.String(length=20), nullable=False),
        sa.Column("stickiness_method", sa.String(length=20), nullable=True),
        sa.Column("stickiness_policy_id", sa.String(length=36), nullable=True),
        sa.Column("stickiness_parameters", sa.JSON(), nullable=False),
        sa.Column("ssl_certificate_id", sa.String(length=36), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["environment_id"],
            ["environments.id"],
            name=op.f("fk_load_balancer_rules_environment_id_environments"),
        ),
        sa.ForeignKeyConstraint(
            ["network_id"], ["networks.id"], name=op.f("fk_load_balancer_rules_network_id_networks")
        ),
        sa.ForeignKeyConstraint(
            ["public_ip_id"],
            ["public_ips.id"],
            name=op.f("fk_load_balancer_rules_public_ip_id_public_ips"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_load_balancer_rules")),
        sa.UniqueConstraint(
            "public_ip_id", "public_port", name=op.f("uq_load_balancer_rules_public_ip_id_public_port")
        ),
    )
    with op.batch_alter_table("load_balancer_rules", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_load_balancer_rules_environment_id"), ["environment_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_load_balancer_rules_network_id"), ["network_id"], unique=False)

    op.create_table(
        "load_balancer_members",
        sa.Column("rule_id", sa.String(length=36), nullable=False),
        sa.Column("instance_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["instances.id"],
            name=op.f("fk_load_balancer_members_instance_id_instances"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["load_balancer_rules.id"],
            name=op.f("fk_load_balancer_members_rule_id_load_balancer_rules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("rule_id", "instance_id", name=op.f("pk_load_balancer_members")),
    )
    with op.batch_alter_table("load_balancer_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_load_balancer_members_instance_id"), ["instance_id"], unique=False
        )

    with op.batch_alter_table("vpcs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("vpn_preshared_key", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("vpcs", schema=None) as batch_op:
        batch_op.drop_column("vpn_preshared_key")

    with op.batch_alter_table("load_balancer_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_load_balancer_members_instance_id"))

    op.drop_table("load_balancer_members")
    with op.batch_alter_table("load_balancer_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_load_balancer_rules_network_id"))
        batch_op.drop_index(batch_op.f("ix_load_balancer_rules_environment_id"))

    op.drop_table("load_balancer_rules")
    with op.batch_alter_table("network_acl_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_network_acl_rules_environment_id"))

    op.drop_table("network_acl_rules")
    with op.batch_alter_table("site_to_site_vpns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_to_site_vpns_vpc_id"))

    op.drop_table("site_to_site_vpns")
    op.drop_table("vpn_users")
