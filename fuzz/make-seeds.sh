#!/usr/bin/env bash
# Makes the seed corpus of every fuzz target: fuzz/make-seeds.sh OUT [BUILD]
#   OUT/<target>/...   one folder per target (fuzz/fuzz_<target>.cpp)
#   BUILD              a build tree whose test kernels and hvmloader are
#                      added when present (default: the repository's build/)
# Everything is made here from text, as/ld, sfdisk and mke2fs; nothing binary
# is kept in the tree. Packages (Debian): binutils, fdisk, e2fsprogs.
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:?usage: make-seeds.sh OUT [BUILD]}"
build="${2:-$src/build}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

rm -rf "$out"
for t in pipeline_yaml elf_loader pvh_notes bzimage partition_table grub_cfg extlinux_conf menu_lst ext_path_walk; do
  mkdir -p "$out/$t"
done

# Writes the bytes printf makes of $3 at offset $2 of file $1.
put() { printf "$3" | dd of="$1" bs=1 seek=$(($2)) conv=notrunc status=none; }

# ---- pipeline_yaml: the shipped pipelines, the loader tests' files, a few more
cp "$src"/config/*.yaml "$out/pipeline_yaml/"
for f in "$src"/tests/config/data/*.yaml; do cp "$f" "$out/pipeline_yaml/data-$(basename "$f")"; done
cat > "$out/pipeline_yaml/params.yaml" <<'YAML'
platform: kvm
count: 3
plugins: {search_path: [a, b], firmware: firmware}
stages: {bootloader: grub, build: build_hvm}
params:
  grub: {disk: xvda, partition: 2, max_kernel_size: 64M, tmpdir: /tmp}
domain:
  name: many
  type: hvm
  memory: 1G
  maxmem: 2G
  vcpus: 2
  disks: ["/tmp/d.img,raw,xvda,r", {target: /tmp/e.img, vdev: xvdb}]
  bootloader_args: ["entry=1>0"]
  timeouts: {make: 5s, build: 2m, wait: 500ms}
  on_crash: preserve
YAML
printf 'domain: {name: x, memory: 99999999999999999999T}\n' > "$out/pipeline_yaml/huge.yaml"
printf 'domain:\n  name: &a x\n  cmdline: *a\n  memory: !!int 0x10\n' > "$out/pipeline_yaml/anchors.yaml"

# ---- ELF images: tiny kernels with PVH notes, 32- and 64-bit (as/ld)
mkelf() {  # NAME BITS [extra asm]
  local name=$1 bits=$2 extra=${3:-}
  cat > "$work/$name.S" <<ASM
        .text
        .globl _start
_start: hlt
        jmp _start
        .section .note.Xen, "a"
        .balign 4
        .long 4, 4, 18
        .asciz "Xen"
        .long _start
        .long 4, 4, 6
        .asciz "Xen"
        .ascii "lnx\0"
$extra
        .data
        .long 1, 2, 3, 4
        .bss
        .space 4096
ASM
  # Everything from 1 MiB, the notes in their own PT_NOTE inside the load segment.
  printf 'SECTIONS { . = 0x100000; .text : { *(.text) } .note.Xen : { *(.note.Xen) }\n .data : { *(.data) } .bss : { *(.bss) } }\n' > "$work/k.lds"
  local emulation=elf_i386 asflag=--32
  [ "$bits" = 64 ] && emulation=elf_x86_64 asflag=--64
  as $asflag -o "$work/$name.o" "$work/$name.S"
  ld -m $emulation -s -n --no-warn-rwx-segments --build-id=none -T "$work/k.lds" -o "$work/$name.elf" "$work/$name.o"
}
mkelf pvh32 32
mkelf pvh64 64
mkelf twonotes 32 '        .long 4, 4, 18
        .asciz "Xen"
        .long _start + 1'
for e in pvh32 pvh64 twonotes; do
  cp "$work/$e.elf" "$out/elf_loader/$e.elf"
  cp "$work/$e.elf" "$out/pvh_notes/$e.elf"
done
[ -f "$build/hvmloader/hvmloader" ] && cp "$build/hvmloader/hvmloader" "$out/elf_loader/hvmloader.elf"
[ -f "$build/tests/guests/pvhkernel.elf" ] && cp "$build/tests/guests/pvhkernel.elf" "$out/pvh_notes/pvhkernel.elf"

# ---- bzimage: two bytes (RAM in MiB - 4, command line length / 8), then the image
mkbz() {  # NAME VERSION(lo hi as \xLL\xHH) JUMP_DISPLACEMENT
  local f="$work/$1.bz"
  head -c 2048 /dev/zero > "$f"
  put "$f" 0x1f1 '\001'                 # setup_sects: 1 (+ boot sector) = 1024 bytes
  put "$f" 0x1f4 '\100\000\000\000'     # syssize: 0x40 paragraphs = 1024 bytes
  put "$f" 0x1fe '\125\252'             # boot_flag 0xaa55
  put "$f" 0x200 "\\353$3"              # jmp, header end
  put "$f" 0x202 'HdrS'
  put "$f" 0x206 "$2"
  put "$f" 0x211 '\001'                 # LOADED_HIGH
  put "$f" 0x214 '\000\000\020\000'     # code32_start 0x100000
  put "$f" 0x22c '\377\377\377\177'     # initrd_addr_max
  put "$f" 0x230 '\000\000\040\000'     # kernel_alignment 2 MiB
  put "$f" 0x234 '\001\025'             # relocatable, min_alignment 21
  put "$f" 0x236 '\001\000'             # XLF_KERNEL_64
  put "$f" 0x238 '\377\007\000\000'     # cmdline_size 2047
  put "$f" 0x248 '\020\000\000\000\000\001\000\000'  # payload 0x10+0x100
  put "$f" 0x258 '\000\000\000\001\000\000\000\000'  # pref_address 16 MiB
  put "$f" 0x260 '\000\000\020\000'     # init_size 1 MiB
  { printf '\074\010'; cat "$f"; } > "$out/bzimage/$1.bin"   # 64 MiB, 64-byte command line
}
mkbz v2.15 '\017\002' '\152'
mkbz v2.12 '\014\002' '\146'
mkbz v2.02 '\002\002' '\052'
[ -f "$build/tests/guests/testkernel.bzImage" ] &&
  { printf '\074\004'; cat "$build/tests/guests/testkernel.bzImage"; } > "$out/bzimage/testkernel.bin"

# ---- partition_table: small MBR (with logical partitions) and GPT disks
sfd() { sfdisk --quiet --no-reread --no-tell-kernel "$1" >/dev/null 2>&1; }
truncate -s 64K "$work/mbr.img"
printf 'label: dos\nstart=8, size=24, type=83, bootable\nstart=32, size=64, type=5\nstart=40, size=16, type=83\nstart=64, size=16, type=c\nstart=100, size=20, type=83\n' |
  sfd "$work/mbr.img"
cp "$work/mbr.img" "$out/partition_table/mbr.img"
truncate -s 96K "$work/gpt.img"
printf 'label: gpt\nfirst-lba: 34\nstart=34, size=40, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, attrs=LegacyBIOSBootable\nstart=80, size=40, type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709\n' |
  sfd "$work/gpt.img"
cp "$work/gpt.img" "$out/partition_table/gpt.img"

# ---- boot configs
# Debian 12's generated grub.cfg, as the bootloader tests keep it.
sed -n '/R"GRUB(/,/)GRUB"/p' "$src/tests/bootloader/test_boot_menus.cpp" | sed '1s/.*R"GRUB(//; $d' \
  > "$out/grub_cfg/debian.cfg"
cat > "$out/grub_cfg/features.cfg" <<'CFG'
set default="${saved_entry}"
submenu 'Advanced' --id adv {
	menuentry 'Linux 6.1' --id 'l61' {
		set x=1
		linux	(hd0,msdos1)/boot/vmlinuz-6.1 root=UUID=1234 ro single "a b" c\"d
		initrd	/boot/initrd.img-6.1 /boot/intel-ucode.img
	}
}
source ${config_directory}/custom.cfg
for f in a b; do echo $f; done
function f { menuentry 'hidden' { linux /h } }
#grubenv
# GRUB Environment Block
saved_entry=adv>l61
CFG
printf 'set default="Debian GNU/Linux"\nmenuentry "Debian GNU/Linux" {\n linux16 /vmlinuz\n}\nblscfg\neval "x"\n' \
  > "$out/grub_cfg/title-default.cfg"
printf "menuentry 'x\\033[31my' { linux /k\\000z; initrd /i }\\n" > "$out/grub_cfg/escapes.cfg"
cat > "$out/extlinux_conf/extlinux.conf" <<'CFG'
DEFAULT linux
PROMPT 0
TIMEOUT 50
APPEND console=ttyS0
INCLUDE common.cfg
LABEL linux
  MENU LABEL ^Debian
  KERNEL /vmlinuz
  APPEND root=/dev/xvda1 ro initrd=/initrd.img,/extra.img
LABEL rescue
  MENU LABEL Rescue
  MENU DEFAULT
  LINUX ../vmlinuz-old
  INITRD ../initrd.img-old
  APPEND -
LABEL hdt
  KERNEL hdt.c32
CFG
cat > "$out/menu_lst/menu.lst" <<'CFG'
default 1
timeout 5
title Debian GNU/Linux, kernel 2.6.32
root (hd0,0)
kernel /boot/vmlinuz-2.6.32 root=/dev/xvda1 ro
initrd /boot/initrd.img-2.6.32
title Xen
kernel /boot/xen.gz
module /boot/vmlinuz
title=Chain
chainloader +1
title Other
kernel=(hd0,1)/vmlinuz --no-mem-option quiet
configfile /boot/grub/other.lst
CFG

# ---- ext_path_walk: small ext2 and ext4 (inline data) filesystems
root="$work/root"
mkdir -p "$root/boot/grub" "$root/boot/extlinux" "$root/a/b/c/d"
printf 'menuentry x {\n linux /boot/vmlinuz\n initrd /boot/initrd.img\n}\n' > "$root/boot/grub/grub.cfg"
printf 'kernel' > "$root/boot/vmlinuz"
head -c 3000 /dev/urandom > "$root/boot/initrd.img"
ln -s vmlinuz "$root/boot/link"
ln -s boot/vmlinuz "$root/vmlinuz"
ln -s ../vmlinuz "$root/boot/extlinux/link"
ln -s "/a/b/c/d/../../../../boot/grub/../../boot/././vmlinuz-and-a-long-name-for-a-slow-symlink-target-xx" "$root/a/b/c/d/e"
ln -s loop "$root/boot/loop"
mke2fs -q -F -t ext2 -b 1024 -N 32 -m 0 -d "$root" "$out/ext_path_walk/ext2.img" 128 >/dev/null 2>&1
mke2fs -q -F -t ext4 -b 1024 -N 32 -m 0 -O ^has_journal,^resize_inode,inline_data -d "$root" \
  "$out/ext_path_walk/ext4.img" 256 >/dev/null 2>&1

n=0
for t in "$out"/*/; do n=$((n + $(find "$t" -type f | wc -l))); done
echo "make-seeds.sh: $n seed files in $out"
