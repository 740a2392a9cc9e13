#!/usr/bin/env bash
# Debian packages the libvirt driver and its tests need (QEMU, libvirt, the test guest's parts).
#
# Idempotent: installs only what is missing, and does nothing when everything is present.
# As root it installs with apt-get. As anyone else it only prints what is missing and exits 0: the
# libvirt tests then skip with the reason (in CI, where CI=true, they must run, so they fail instead).
set -euo pipefail

packages=(
  qemu-system-x86   # the hypervisor (TCG where hardware virtualisation is unusable)
  qemu-utils        # qemu-img: qcow2 overlays on template images
  libvirt-daemon-system
  libvirt-dev       # libvirt-python builds against it
  genisoimage       # the NoCloud seed ISO (volume id cidata)
  dnsmasq-base      # DHCP of libvirt networks
  dnsmasq-utils     # dhcp_release: a removed NIC's lease ends at once, so its address can be reused
  iptables          # libvirt 9's NAT networks
  nftables          # port forwarding and static NAT of public IPs
  busybox-static    # the test guest's userland
  dropbear-bin      # the test guest's SSH server
  qemu-guest-agent  # the test guest's agent (password resets and shutdowns of running guests)
  linux-image-amd64 # the test guest's kernel and modules
  iproute2          # network namespaces for the tests
)

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
  if [ "$status" != "installed" ]; then
    missing+=("$package")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "libvirt: missing Debian packages (the libvirt tests will skip): ${missing[*]}" >&2
  echo "libvirt: install them with: sudo $0" >&2
  exit 0
fi

echo "libvirt: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Package lists may be absent on a fresh machine; one update, then the install.
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
