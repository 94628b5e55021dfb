#!/bin/busybox sh
# /init of the tier's dom0 initramfs: bring up the Xen toolstack's daemons
# the way xen-utils' init scripts do, run the tests (dom0-tests.sh), power off.
# Every line starting "XENTIER:" is read by the host (run-tier.sh).
. /lib/tier/l1-base.sh
export PATH=/bin:/usr/bin:/usr/sbin:/usr/lib/xen-4.17/bin:/opt/hvmtool/bin
mkdir -p /var/lib/xen /var/lock /run/xen /run/xenstored /var/log/xen/console /var/log/hvmtool

echo "XENTIER: INFO dom0 init at $(uptime_s)s, kernel $(uname -r)"

fail_boot() {
  echo "XENTIER: FAIL dom0-setup $*"
  echo "XENTIER: DONE"
  sync
  poweroff -f
}

for m in xen-privcmd xenfs xen-evtchn xen-gntdev xen-gntalloc; do
  ko=$(find /lib/modules -name "$m.ko" | head -n 1)
  [ -n "$ko" ] || fail_boot "module $m.ko missing from the initramfs"
  insmod "$ko" || fail_boot "insmod $m failed"
done
mkdir -p /proc/xen
mount -t xenfs xenfs /proc/xen || fail_boot "mount xenfs on /proc/xen failed"
grep -q control_d /proc/xen/capabilities || fail_boot "not the control domain"

xenstored --pid-file /run/xenstored.pid || fail_boot "xenstored did not start"
i=0
until xenstore-ls / >/dev/null 2>&1; do
  i=$((i + 1))
  [ $i -lt 100 ] || fail_boot "xenstored not answering"
  sleep 0.1
done
xen-init-dom0 || fail_boot "xen-init-dom0 failed"
xenconsoled --pid-file=/run/xenconsoled.pid --log=guest --log-dir=/var/log/xen/console ||
  fail_boot "xenconsoled did not start"
echo "XENTIER: INFO toolstack up at $(uptime_s)s"
xl list

export HVMTOOL_PLUGIN_PATH=/opt/hvmtool/plugins
export HVMTOOL_FIRMWARE_DIR=/opt/hvmtool/firmware
export HVMTOOL_LOG_DIR=/var/log/hvmtool
heartbeat XENTIER
XENTIER_SKIP=$(cmdline_param xentier_skip) \
  XENTIER_ONLY=$(cmdline_param xentier_only) \
  XENTIER_SHOW_CONSOLE=$(cmdline_param xentier_show_console) \
  XENTIER_HVMTOOL=/opt/hvmtool/bin/hvmtool \
  XENTIER_KERNEL=/opt/xentier/guest/kernel \
  XENTIER_RAMDISK=/opt/xentier/guest/initrd.cpio.gz \
  XENTIER_BZIMAGE=/opt/xentier/guest/bzImage \
  XENTIER_HVM_KERNEL=/opt/hvmtool/guests/testkernel.bzImage \
  XENTIER_WORK=/tmp/xentier \
  sh /opt/xentier/dom0-tests.sh
echo "XENTIER: INFO tests ended at $(uptime_s)s"
echo "XENTIER: DONE"
sync
poweroff -f
