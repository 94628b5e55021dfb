// A table of hostile disks given to the grub stage: each gives one exact
// error text and leaves no folder behind.
#include "grub_test_support.hpp"

using namespace hvmtool;
using namespace hvmtool::grub_test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

// ---------------------------------------------------------------------------
// Hostile disks: each gives one exact message and leaves no folder behind.

BOOST_AUTO_TEST_SUITE(hostile_disks)

namespace {

struct Hostile {
  std::string name;
  std::function<fs::path()> make;
  std::function<std::string(const fs::path&)> expected;
  std::map<std::string, std::string> params{};
};

const std::string kPart = ": MBR partition 1 at byte 1048576: ";

// A disk whose filesystem also holds the files under `files` (path -> content;
// content "->target" makes a symlink).
fs::path disk_with(const std::string& name, const std::map<std::string, std::string>& files,
                   const std::string& options = "--mbr", const std::string& debugfs = "") {
  fs::path root = world().folder(name + ".root");
  for (const auto& [path, content] : files) {
    fs::path p = root / path;
    fs::create_directories(p.parent_path());
    if (content.starts_with("->"))
      fs::create_symlink(content.substr(2), p);
    else
      spit(p, content);
  }
  std::string extra = "--root " + root.string();
  if (!debugfs.empty()) extra += " --debugfs " + world().dir.write(name + ".debugfs", debugfs).string();
  return world().disk(name + ".img", options, extra);
}

std::string grub_linux(const std::string& kernel, const std::string& initrd = "") {
  std::string s = "menuentry 'evil' {\n  linux " + kernel + " console=ttyS0\n";
  if (!initrd.empty()) s += "  initrd " + initrd + "\n";
  return s + "}\n";
}

// Edits the bytes of a generated disk.
fs::path edited(const std::string& name, const std::string& options, const std::function<void(std::string&)>& edit) {
  fs::path p = world().disk(name + ".img", options);
  std::string bytes = slurp(p);
  edit(bytes);
  spit(p, bytes);
  return p;
}

std::string disk_bytes_text(const fs::path& p) { return std::to_string(fs::file_size(p)); }

const std::vector<Hostile>& hostile_disks() {
  static const std::vector<Hostile> cases = {
      {"traversal",
       [] {
         return disk_with("traversal", {{"boot/grub/grub.cfg", grub_linux("/../../etc/passwd")}});
       },
       [](const fs::path& d) {
         return d.string() + kPart + "kernel '/../../etc/passwd': the path escapes the filesystem's root";
       }},
      {"relative traversal (extlinux)",
       [] {
         return disk_with("traversal2",
                          {{"boot/extlinux/extlinux.conf", "DEFAULT x\nLABEL x\n LINUX ../../../etc/passwd\n"}},
                          "--mbr --layout extlinux");
       },
       [](const fs::path& d) {
         return d.string() + kPart + "kernel '../../../etc/passwd': the path escapes the filesystem's root";
       }},
      {"symlink out of the root",
       [] {
         return disk_with("symlink-out", {{"boot/grub/grub.cfg", grub_linux("/boot/evil")},
                                          {"boot/evil", "->../../../../etc/shadow"}});
       },
       [](const fs::path& d) {
         return d.string() + kPart + "kernel '/boot/evil': the path escapes the filesystem's root";
       }},
      {"absolute symlink stays inside",
       [] {
         return disk_with("symlink-abs",
                          {{"boot/grub/grub.cfg", grub_linux("/boot/evil")}, {"boot/evil", "->/etc/passwd"}});
       },
       [](const fs::path& d) { return d.string() + kPart + "kernel '/boot/evil': not found"; }},
      {"missing kernel",
       [] {
         return disk_with("missing", {{"boot/grub/grub.cfg", grub_linux("/boot/vmlinuz-nope")}});
       },
       [](const fs::path& d) { return d.string() + kPart + "kernel '/boot/vmlinuz-nope': not found"; }},
      {"missing initrd",
       [] {
         return disk_with("missing-initrd",
                          {{"boot/grub/grub.cfg", grub_linux("/boot/vmlinuz-hvmtool", "/boot/initrd-nope")}});
       },
       [](const fs::path& d) { return d.string() + kPart + "initrd '/boot/initrd-nope': not found"; }},
      {"symlink loop",
       [] {
         return disk_with("loop", {{"boot/grub/grub.cfg", grub_linux("/boot/loop1")},
                                   {"boot/loop1", "->loop2"},
                                   {"boot/loop2", "->/boot/loop1"}});
       },
       [](const fs::path& d) {
         return d.string() + kPart + "kernel '/boot/loop1': symlink loop (more than 8 symlinks)";
       }},
      {"directory as kernel",
       [] {
         return disk_with("dir", {{"boot/grub/grub.cfg", grub_linux("/boot/grub")}});
       },
       [](const fs::path& d) { return d.string() + kPart + "kernel '/boot/grub': is a directory"; }},
      {"device as kernel",
       [] {
         return disk_with("device", {{"boot/grub/grub.cfg", grub_linux("/boot/mem")}}, "--mbr",
                          "cd /boot\nmknod mem c 1 1\n");
       },
       [](const fs::path& d) {
         return d.string() + kPart + "kernel '/boot/mem': not a regular file (a device, FIFO or socket)";
       }},
      {"FIFO as initrd",
       [] {
         return disk_with("fifo", {{"boot/grub/grub.cfg", grub_linux("/boot/vmlinuz-hvmtool", "/boot/fifo")}}, "--mbr",
                          "cd /boot\nmknod fifo p\n");
       },
       [](const fs::path& d) {
         return d.string() + kPart + "initrd '/boot/fifo': not a regular file (a device, FIFO or socket)";
       }},
      {"file as a directory",
       [] {
         return disk_with("notdir", {{"boot/grub/grub.cfg", grub_linux("/boot/vmlinuz-hvmtool/x")}});
       },
       [](const fs::path& d) {
         return d.string() + kPart + "kernel '/boot/vmlinuz-hvmtool/x': /boot/vmlinuz-hvmtool is not a directory";
       }},
      {"huge config",
       [] {
         return disk_with(
             "huge", {{"boot/grub/grub.cfg", grub_linux("/boot/vmlinuz-hvmtool") + std::string((1 << 20) + 1, '#')}});
       },
       [](const fs::path& d) {
         return d.string() + kPart + "config '/boot/grub/grub.cfg' is " +
                std::to_string((1 << 20) + 1 + grub_linux("/boot/vmlinuz-hvmtool").size()) +
                " bytes, more than the limit of 1048576";
       }},
      {"config is a directory",
       [] { return disk_with("cfgdir", {}, "--mbr", "rm /boot/grub/grub.cfg\nmkdir /boot/grub/grub.cfg\n"); },
       [](const fs::path& d) { return d.string() + kPart + "config '/boot/grub/grub.cfg' is not a regular file"; }},
      {"malformed config",
       [] {
         return disk_with("malformed", {{"boot/grub/grub.cfg", "set default=0\nmenuentry 'evil {\n"}});
       },
       [](const fs::path& d) { return d.string() + kPart + "/boot/grub/grub.cfg: line 2: unterminated single quote"; }},
      {"no boot entry",
       [] {
         return disk_with("noentry", {{"boot/grub/grub.cfg", "set timeout=5\n"}});
       },
       [](const fs::path& d) { return d.string() + kPart + "/boot/grub/grub.cfg: grub.cfg has no boot entries"; }},
      {"no config", [] { return disk_with("nocfg", {}, "--mbr", "rm /boot/grub/grub.cfg\n"); },
       [](const fs::path& d) {
         return d.string() + kPart +
                "no boot config found (looked for /boot/grub/grub.cfg, /grub/grub.cfg, /boot/extlinux/extlinux.conf, "
                "/extlinux.conf, /boot/grub/menu.lst, /grub/menu.lst)";
       }},
      {"kernel larger than max_kernel_size",
       [] { return world().disk("bigkernel.img", "--mbr"); },
       [](const fs::path& d) {
         return d.string() + kPart + "kernel '/boot/vmlinuz-hvmtool' is " +
                std::to_string(world().kernel_bytes.size()) + " bytes, more than max_kernel_size (65536)";
       },
       {{"max_kernel_size", "64K"}}},
      {"truncated disk",
       [] {
         fs::path p = world().disk("truncated.img", "--mbr");
         fs::resize_file(p, 3 << 20);
         return p;
       },
       [](const fs::path& d) {
         const std::uint64_t sectors = (fs::file_size(world().dir.path() / "ok--mbrgrub.img") - (2 << 20)) / 512;
         return d.string() + ": MBR partition 1 (entry at byte 446): sectors 2048.." +
                std::to_string(2048 + sectors - 1) + " (bytes 1048576.." + std::to_string((2048 + sectors) * 512) +
                ") extend beyond the end of the disk (3145728 bytes)";
       }},
      {"truncated whole-disk filesystem",
       [] {
         fs::path p = world().disk("truncated-fs.img", "--no-table");
         fs::resize_file(p, 4 << 20);
         return p;
       },
       [](const fs::path& d) {
         return d.string() + ": whole-disk filesystem: the filesystem's " +
                std::to_string(fs::file_size(world().dir.path() / "ok--no-tablegrub.img")) +
                " bytes do not fit in its 4194304-byte partition (truncated image?)";
       }},
      {"superblock claims 2^32 more blocks",
       [] {
         return edited("huge-sb", "--mbr", [](std::string& b) {
           const std::size_t sb = (1 << 20) + 1024;
           put32(b, sb + 0x60, get32(b, sb + 0x60) | 0x80);  // 64bit
           put32(b, sb + 0x150, 1);                          // s_blocks_count_hi
         });
       },
       [](const fs::path& d) {
         const std::string b = slurp(d);
         const std::size_t sb = (1 << 20) + 1024;
         const std::uint64_t bytes = ((1ull << 32) | get32(b, sb + 4)) * (1024ull << get32(b, sb + 24));
         return d.string() + kPart + "the filesystem's " + std::to_string(bytes) + " bytes do not fit in its " +
                std::to_string(fs::file_size(d) - (2 << 20)) + "-byte partition (truncated image?)";
       }},
      {"truncated to less than a sector", [] { return world().dir.write("tiny.img", std::string(100, '\0')); },
       [](const fs::path& d) { return d.string() + ": truncated: 100 bytes, smaller than one 512-byte sector"; }},
      {"not a disk", [] { return world().dir.write("garbage.img", pattern(8192, 9)); },
       [](const fs::path& d) {
         return d.string() +
                ": no partition table (no 0x55AA signature at byte 510) and no ext2/3/4 filesystem (no magic at byte "
                "1080)";
       }},
      {"MBR partition beyond the disk end",
       [] { return edited("mbr-beyond", "--mbr", [](std::string& b) { put32(b, 446 + 12, 0x00FFFFFF); }); },
       [](const fs::path& d) {
         return d.string() + ": MBR partition 1 (entry at byte 446): sectors 2048.." +
                std::to_string(2048 + 0xFFFFFF - 1) + " (bytes 1048576.." + std::to_string((2048ull + 0xFFFFFF) * 512) +
                ") extend beyond the end of the disk (" + disk_bytes_text(d) + " bytes)";
       }},
      {"GPT header CRC mismatch",
       [] { return edited("gpt-hcrc", "--gpt", [](std::string& b) { b[512 + 56] ^= 0x01; }); },
       [](const fs::path& d) {
         std::string b = slurp(d);
         const std::uint32_t stored = get32(b, 512 + 16);
         put32(b, 512 + 16, 0);
         return d.string() + ": GPT header CRC mismatch at byte 512: stored " + hex8(stored) + ", computed " +
                hex8(crc(b.substr(512, 92)));
       }},
      {"GPT entry array CRC mismatch",
       [] { return edited("gpt-acrc", "--gpt", [](std::string& b) { b[1024 + 56] ^= 0x20; }); },
       [](const fs::path& d) {
         std::string b = slurp(d);
         return d.string() + ": GPT partition entry array CRC mismatch at byte 1024: stored " +
                hex8(get32(b, 512 + 88)) + ", computed " + hex8(crc(b.substr(1024, 128 * 128)));
       }},
      {"GPT partition beyond the disk end",
       [] {
         return edited("gpt-beyond", "--gpt", [](std::string& b) {
           put64(b, 1024 + 40, 1ull << 40);
           fix_gpt_crcs(b);
         });
       },
       [](const fs::path& d) {
         return d.string() + ": GPT partition 1 (entry at byte 1024): sectors 2048.." + std::to_string(1ull << 40) +
                " (bytes 1048576.." + std::to_string(((1ull << 40) + 1) * 512) +
                ") extend beyond the end of the disk (" + disk_bytes_text(d) + " bytes)";
       }},
      {"GPT entry array beyond the disk end",
       [] {
         return edited("gpt-array", "--gpt", [](std::string& b) {
           put32(b, 512 + 80, 8192);  // 8192 entries x 128 bytes = 1 MiB, from 2 KiB before the end
           put64(b, 512 + 72, fs::file_size(world().dir.path() / "ok--gptgrub.img") / 512 - 4);
           put32(b, 512 + 16, 0);
           put32(b, 512 + 16, crc(b.substr(512, 92)));
         });
       },
       [](const fs::path& d) {
         const std::uint64_t at = (fs::file_size(d) / 512 - 4) * 512;
         return d.string() + ": truncated: GPT partition entry array (1048576 bytes at byte " + std::to_string(at) +
                ") ends beyond the image's " + disk_bytes_text(d) + " bytes";
       }},
      {"overlapping MBR partitions",
       [] {
         return edited("mbr-overlap", "--mbr", [](std::string& b) {
           b[462 + 4] = static_cast<char>(0x83);
           put32(b, 462 + 8, 4096);
           put32(b, 462 + 12, 2048);
         });
       },
       [](const fs::path& d) {
         const std::uint32_t sectors = get32(slurp(d), 446 + 12);
         return d.string() +
                ": MBR partition 2 (entry at byte 462): sectors 4096..6143 overlap MBR partition 1 (entry at byte 446, "
                "sectors 2048.." +
                std::to_string(2048 + sectors - 1) + ")";
       }},
      {"overlapping GPT partitions",
       [] {
         return edited("gpt-overlap", "--gpt", [](std::string& b) {
           std::memcpy(b.data() + 1024 + 128, b.data() + 1024, 128);
           b[1024 + 128 + 16] ^= 0x01;  // another unique GUID
           put64(b, 1024 + 128 + 32, 2056);
           put64(b, 1024 + 128 + 40, 2148);
           fix_gpt_crcs(b);
         });
       },
       [](const fs::path& d) {
         const std::string b = slurp(d);
         std::uint64_t last;
         std::memcpy(&last, b.data() + 1024 + 40, 8);
         return d.string() +
                ": GPT partition 2 (entry at byte 1152): sectors 2056..2148 overlap GPT partition 1 (entry at byte "
                "1024, sectors 2048.." +
                std::to_string(last) + ")";
       }},
      {"terminal escapes in a kernel path",
       [] {
         return disk_with("escapes", {{"boot/grub/grub.cfg", grub_linux(std::string("/boot/\x1b[31mvmlinuz"))}});
       },
       [](const fs::path& d) { return d.string() + kPart + "kernel '/boot/\\x1b[31mvmlinuz': not found"; }},
      {"not an ext filesystem",
       [] { return edited("notext", "--mbr", [](std::string& b) { std::memset(b.data() + (1 << 20), 0, 4096); }); },
       [](const fs::path& d) {
         return d.string() + kPart + "not a readable ext2/3/4 filesystem: Bad magic number in super-block";
       }},
  };
  return cases;
}

}  // namespace

BOOST_AUTO_TEST_CASE(hostile_disks_give_exact_errors_and_leave_nothing) {
  // The good disks some expectations measure.
  world().disk("ok--mbrgrub.img", "--mbr --layout grub");
  world().disk("ok--gptgrub.img", "--gpt --layout grub");
  world().disk("ok--no-tablegrub.img", "--no-table --layout grub");
  for (const Hostile& h : hostile_disks()) {
    BOOST_TEST_CONTEXT(h.name) {
      const fs::path disk = h.make();
      Run run({disk}, {}, h.params);
      run.go();
      BOOST_TEST(run.message() == h.expected(disk));
      BOOST_TEST(run.ctx->boot.scratch_dir.empty());
      BOOST_TEST(run.ctx->boot.kernel.empty());
      run.workers.join();
      BOOST_TEST(run.leftovers() == 0u);
      // The error is an ImageError, except for what is not about the disk's content.
      BOOST_REQUIRE(run.error);
      bool image_error = false;
      try {
        std::rethrow_exception(run.error);
      } catch (const ImageError&) {
        image_error = true;
      } catch (...) {
      }
      BOOST_TEST(image_error);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
