#!/bin/busybox sh
# /init of the kvm tier's L1 initramfs: load KVM (kvm-amd on QEMU's emulated
# SVM with nested paging), run the tests (l1-tests.sh), power off. Every line
# starting "KVMTIER:" is read by the host (run-tier.sh).
. /lib/tier/l1-base.sh
# GNU coreutils and bash (/usr/bin) before busybox's applets (/bin): the
# project's scripts expect GNU tools (busybox du breaks make-test-disk.sh).
export PATH=/usr/sbin:/usr/bin:/sbin:/bin

echo "KVMTIER: INFO L1 init at $(uptime_s)s, kernel $(uname -r), $(grep -c ^processor /proc/cpuinfo) CPU," \
  "$(awk '/^MemTotal:/ {print int($2 / 1024)}' /proc/meminfo) MiB"

fail_boot() {
  echo "KVMTIER: FAIL l1-setup $*"
  echo "KVMTIER: DONE"
  sync
  poweroff -f
}

grep -qw svm /proc/cpuinfo || fail_boot "no svm flag in /proc/cpuinfo (QEMU -cpu needs +svm)"
# The package has no modules.dep: the order is each module's .modinfo
# depends (kvm needs irqbypass; kvm-amd needs kvm and ccp).
for m in irqbypass kvm ccp kvm-amd; do
  insmod "/lib/modules/$(uname -r)/$m.ko" || fail_boot "insmod $m failed: $(dmesg | tail -n 3 | tr '\n' ' ')"
done
i=0
until [ -c /dev/kvm ]; do
  i=$((i + 1))
  [ $i -lt 50 ] || fail_boot "no /dev/kvm after loading kvm-amd: $(dmesg | grep -i kvm | tail -n 3 | tr '\n' ' ')"
  sleep 0.1
done
echo "KVMTIER: INFO /dev/kvm up at $(uptime_s)s: kvm_amd nested=$(cat /sys/module/kvm_amd/parameters/nested)" \
  "npt=$(cat /sys/module/kvm_amd/parameters/npt)"

heartbeat KVMTIER
KVMTIER_SKIP=$(cmdline_param kvmtier_skip) \
  KVMTIER_ONLY=$(cmdline_param kvmtier_only) \
  KVMTIER_REPEAT=$(cmdline_param kvmtier_repeat) \
  KVMTIER_BUDGET=$(cmdline_param kvmtier_budget) \
  sh /opt/kvmtier/l1-tests.sh
echo "KVMTIER: INFO tests ended at $(uptime_s)s"
echo "KVMTIER: DONE"
sync
poweroff -f
