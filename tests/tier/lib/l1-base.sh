# The start of an L1 system's /init (sourced by busybox sh; every tier
# initramfs has it as /lib/tier/l1-base.sh): busybox's applets, the kernel's
# file systems, and the console as stdin, stdout and stderr.
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin # the kernel starts init without one
export LD_LIBRARY_PATH=/lib/x86_64-linux-gnu

mkdir -p /proc /sys /dev /run /tmp /var/log
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /run
# The initramfs is already in memory; a tmpfs on /tmp would hide a build
# tree that lives under /tmp (the tiers keep its absolute path).
[ -n "$(ls -A /tmp)" ] || mount -t tmpfs tmp /tmp
ln -sfn /run /var/run
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs shm /dev/shm

exec </dev/console >/dev/console 2>&1
uptime_s() { cut -d' ' -f1 /proc/uptime; }
# heartbeat PREFIX: "PREFIX: BEAT <uptime>s" every 20 s in the background, so
# that the host tells a quiet test from a machine that stopped (run-tier.sh
# boots it once more, skipping what already reported).
heartbeat() {
  (while :; do
    sleep 20
    echo "$1: BEAT $(uptime_s)s"
  done) &
}
# cmdline_param NAME: NAME=value from the kernel command line, '+' read as ' '.
cmdline_param() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" /proc/cmdline | tr + ' '; }
