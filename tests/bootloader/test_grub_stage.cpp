// The grub stage (loaded from hvmtool-grub.so) on disks that
// scripts/make-test-disk.sh builds at test time: MBR, GPT and whole-disk
// filesystems through grub.cfg, extlinux.conf and menu.lst; entry selection;
// byte-identical extraction; the scratch folder's life.
#include "grub_test_support.hpp"

using namespace hvmtool;
using namespace hvmtool::grub_test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

// ---------------------------------------------------------------------------
// The stage on generated disks

BOOST_AUTO_TEST_SUITE(disks)

BOOST_AUTO_TEST_CASE(finds_the_kernel_on_every_table_and_layout) {
  for (const char* table : {"--mbr", "--gpt", "--no-table"}) {
    for (const char* layout : {"grub", "extlinux", "menulst"}) {
      const std::string what = std::string(table) + " " + layout;
      BOOST_TEST_CONTEXT(what) {
        fs::path disk =
            world().disk(std::string("ok") + table + layout + ".img", std::string(table) + " --layout " + layout);
        Run run({disk});
        run.go();
        BOOST_REQUIRE_MESSAGE(!run.error, run.message());
        const BootPayload& b = run.ctx->boot;
        BOOST_TEST(b.cmdline == "console=ttyS0 root=/dev/xvda1 ro");
        BOOST_TEST(slurp(b.kernel) == world().kernel_bytes);
        BOOST_TEST(slurp(b.ramdisk) == world().initrd_bytes);
        BOOST_TEST(b.kernel.parent_path() == b.scratch_dir);
        BOOST_TEST(b.scratch_dir.parent_path() == run.scratch_parent.path());
        struct stat st {};
        BOOST_REQUIRE(::stat(b.scratch_dir.c_str(), &st) == 0);
        BOOST_TEST((st.st_mode & 0777) == 0700u);
        BOOST_TEST(b.scratch_dir.filename().string().starts_with("hvmtool-grub-" + std::to_string(::getpid()) +
                                                                 "-boot-test-"));
        const fs::path scratch = b.scratch_dir;
        run.stage->undo(*run.ctx);
        BOOST_TEST(!fs::exists(scratch));
        BOOST_TEST(run.leftovers() == 0u);
        BOOST_TEST(run.ctx->boot.scratch_dir.empty());
        run.stage->undo(*run.ctx);  // idempotent
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(entry_by_number_and_title_and_extra_cmdline) {
  fs::path disk = world().disk("entries.img", "--gpt --layout grub");
  for (std::string arg : {"entry=1", "entry=hvmtool test kernel (rescue)", "entry=hvmtool-1"}) {
    Run run({disk}, {arg});
    run.go();
    BOOST_REQUIRE_MESSAGE(!run.error, run.message());
    BOOST_TEST(run.ctx->boot.cmdline == "console=ttyS0 root=/dev/xvda1 ro single", arg);
  }
  Run extra({disk}, {"entry=0"}, {}, "quiet hvmtool=extra");
  extra.go();
  BOOST_TEST(extra.ctx->boot.cmdline == "console=ttyS0 root=/dev/xvda1 ro quiet hvmtool=extra");
  fs::path ext = world().disk("entries-ext.img", "--mbr --layout extlinux");
  Run rescue({ext}, {"entry=rescue"});
  rescue.go();
  BOOST_TEST(rescue.ctx->boot.cmdline == "console=ttyS0 root=/dev/xvda1 ro single");
}

BOOST_AUTO_TEST_CASE(disk_and_partition_params) {
  fs::path junk = world().dir.write("junk.img", std::string(4096, 'x'));
  fs::path disk = world().disk("second.img", "--mbr");
  Run by_vdev({junk, disk}, {}, {{"disk", "xvdb"}, {"partition", "1"}});
  by_vdev.go();
  BOOST_REQUIRE_MESSAGE(!by_vdev.error, by_vdev.message());
  BOOST_TEST(slurp(by_vdev.ctx->boot.kernel) == world().kernel_bytes);

  Run no_vdev({disk}, {}, {{"disk", "xvdq"}});
  no_vdev.go();
  BOOST_TEST(no_vdev.message() == "params.grub.disk: no disk with vdev 'xvdq' (disks: xvda)");
  Run no_part({disk}, {}, {{"partition", "3"}});
  no_part.go();
  BOOST_TEST(no_part.message() == disk.string() + ": partition 3 not found (partitions: 1 (type 0x83))");
  Run no_disks({});
  no_disks.go();
  BOOST_TEST(no_disks.message() == "domain.disks is empty: the grub bootloader reads the kernel from a disk");
  Run bad_args({disk}, {"entry=0", "verbose"});
  bad_args.go();
  BOOST_TEST(bad_args.message() ==
             "domain.bootloader_args: unknown argument 'verbose' (the grub bootloader knows entry=N and entry=TITLE)");
  Run missing({world().dir.path() / "nope.img"});
  missing.go();
  BOOST_TEST(missing.message() ==
             (world().dir.path() / "nope.img").string() + ": cannot open disk image: No such file or directory");
  for (Run* r : {&no_vdev, &no_part, &no_disks, &bad_args, &missing}) BOOST_TEST(r->leftovers() == 0u);
}

BOOST_AUTO_TEST_CASE(params_are_checked_at_load) {
  PluginLoader loader{{test::build_dir() / "plugins"}};
  auto message = [&](std::map<std::string, std::string> params) {
    std::map<std::string, ParamValue> values;
    for (auto& [k, v] : params) values[k] = ParamValue{v, {"p.yaml", 3, 5}};
    try {
      loader.create_stage("grub", StageSlot::bootloader, PluginParams("grub", values));
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("(created)");
  };
  BOOST_TEST(message({}) == "(created)");
  BOOST_TEST(message({{"partition", "0"}}).find("field 'params.grub.partition'") != std::string::npos);
  BOOST_TEST(message({{"max_kernel_size", "12Q"}}).find("field 'params.grub.max_kernel_size'") != std::string::npos);
  BOOST_TEST(message({{"dsik", "xvda"}}).find("did you mean 'disk'") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(cancelled_or_undone_early_leaves_nothing) {
  fs::path disk = world().disk("cancel.img", "--mbr");
  Run cancelled({disk});
  cancelled.ctx->cancelled->store(true);
  cancelled.go();
  BOOST_TEST(cancelled.message() == "grub bootloader cancelled");
  BOOST_TEST(cancelled.leftovers() == 0u);

  // undo() while the job may still be running: the completion reports a
  // cancellation and the folder is gone either way.
  Run undone({disk});
  undone.go([&] { undone.stage->undo(*undone.ctx); });
  undone.workers.join();
  BOOST_TEST(undone.message() == "grub bootloader cancelled");
  BOOST_TEST(undone.leftovers() == 0u);
  BOOST_TEST(undone.ctx->boot.scratch_dir.empty());
}

// /grub/grub.cfg and /extlinux.conf (a separate /boot partition's places),
// and a config written for a separate /boot (/vmlinuz-…) on a root
// filesystem that has the files in /boot.
BOOST_AUTO_TEST_CASE(config_locations_and_the_boot_prefix) {
  struct Case {
    std::string name;
    std::map<std::string, std::string> files;
    std::string debugfs;
    std::string cmdline;
  };
  const std::vector<Case> cases = {
      {"sepboot-grub",
       {{"grub/grub.cfg", "menuentry 'a' {\n linux /boot/vmlinuz-hvmtool a=1\n initrd /boot/initrd.img-hvmtool\n}\n"}},
       "rm /boot/grub/grub.cfg\n",
       "a=1"},
      {"root-extlinux",
       {{"extlinux.conf",
         "DEFAULT b\nLABEL b\n KERNEL boot/vmlinuz-hvmtool\n INITRD boot/initrd.img-hvmtool\n APPEND b=2\n"}},
       "rm /boot/grub/grub.cfg\n",
       "b=2"},
      {"boot-prefix",
       {{"boot/grub/grub.cfg",
         "menuentry 'c' {\n linux /vmlinuz-hvmtool c=3\n initrd (hd0,1)/initrd.img-hvmtool\n}\n"}},
       "",
       "c=3"},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.name) {
      fs::path root = world().folder(c.name + ".root");
      for (const auto& [path, content] : c.files) {
        fs::create_directories((root / path).parent_path());
        spit(root / path, content);
      }
      std::string extra = "--root " + root.string();
      if (!c.debugfs.empty()) extra += " --debugfs " + world().dir.write(c.name + ".debugfs", c.debugfs).string();
      Run run({world().disk(c.name + ".img", "--mbr", extra)});
      run.go();
      BOOST_REQUIRE_MESSAGE(!run.error, run.message());
      BOOST_TEST(run.ctx->boot.cmdline == c.cmdline);
      BOOST_TEST(slurp(run.ctx->boot.kernel) == world().kernel_bytes);
      BOOST_TEST(slurp(run.ctx->boot.ramdisk) == world().initrd_bytes);
    }
  }
}

// GRUB_DEFAULT=saved: /boot/grub/grubenv's saved_entry picks the entry.
BOOST_AUTO_TEST_CASE(grubenv_on_the_disk) {
  fs::path root = world().folder("grubenv.root");
  fs::create_directories(root / "boot" / "grub");
  spit(root / "boot" / "grub" / "grub.cfg",
       "set default=\"${saved_entry}\"\n"
       "menuentry 'one' --id x0 {\n linux /boot/vmlinuz-hvmtool n=0\n}\n"
       "menuentry 'two' --id x1 {\n linux /boot/vmlinuz-hvmtool n=1\n}\n");
  spit(root / "boot" / "grub" / "grubenv", "# GRUB Environment Block\nsaved_entry=x1\n" + std::string(990, '#'));
  Run run({world().disk("grubenv.img", "--gpt", "--root " + root.string())});
  run.go();
  BOOST_REQUIRE_MESSAGE(!run.error, run.message());
  BOOST_TEST(run.ctx->boot.cmdline == "n=1");
  BOOST_TEST(run.ctx->boot.ramdisk.empty());
}

// An MBR with a FAT-typed primary, then an extended partition holding two
// logical ones (5: the ext4 filesystem, 6: empty): the first Linux partition
// is 5; `partition: 1` is not ext4; an EBR that links to itself is a loop.
BOOST_AUTO_TEST_CASE(logical_partitions) {
  const fs::path fsimg = world().disk("logical-fs.img", "--no-table --layout grub");
  const std::uint64_t fs_sectors = fs::file_size(fsimg) / 512;
  const fs::path disk = world().dir.path() / "logical.img";
  const std::uint64_t ext_sectors = fs_sectors + 6144;
  fs::remove(disk);
  spit(disk, "");
  fs::resize_file(disk, (4096 + ext_sectors + 2048) * 512);
  const std::string script =
      "label: dos\nstart=2048, size=2048, type=c\nstart=4096, size=" + std::to_string(ext_sectors) +
      ", type=5\nstart=6144, size=" + std::to_string(fs_sectors) +
      ", type=83\nstart=" + std::to_string(6144 + fs_sectors + 2048) + ", size=2048, type=83\n";
  auto r = test::run_command("printf '" + script + "' | sfdisk --quiet --no-reread --no-tell-kernel " + disk.string() +
                             " && dd if=" + fsimg.string() + " of=" + disk.string() +
                             " bs=512 seek=6144 conv=notrunc status=none");
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);

  fs::copy_file(disk, world().dir.path() / "logical.img.orig", fs::copy_options::overwrite_existing);
  Run logical({disk});
  logical.go();
  BOOST_REQUIRE_MESSAGE(!logical.error, logical.message());
  BOOST_TEST(slurp(logical.ctx->boot.kernel) == world().kernel_bytes);
  Run fat({disk}, {}, {{"partition", "1"}});
  fat.go();
  BOOST_TEST(fat.message() == disk.string() +
                                  ": MBR partition 1 at byte 1048576: not a readable ext2/3/4 filesystem: Bad magic "
                                  "number in super-block");
  Run six({disk}, {}, {{"partition", "6"}});
  six.go();
  BOOST_TEST(six.message().starts_with(disk.string() + ": MBR partition 6 at byte "));

  // The second EBR (where the first one's link points) links to itself.
  std::string bytes = slurp(disk);
  const std::uint64_t ebr2 = 4096 + get32(bytes, 4096 * 512 + 446 + 16 + 8);
  bytes[ebr2 * 512 + 446 + 16 + 4] = 0x05;
  put32(bytes, ebr2 * 512 + 446 + 16 + 8, static_cast<std::uint32_t>(ebr2 - 4096));
  spit(disk, bytes);
  Run loop({disk});
  loop.go();
  BOOST_TEST(loop.message() == disk.string() + ": extended boot record at byte " + std::to_string(ebr2 * 512) +
                                   " links to itself (a loop)");
  BOOST_TEST(loop.leftovers() == 0u);

  // The first EBR links to itself: a link of an extended type with start 0
  // (links count from the extended partition's start), once read as the end.
  const std::string good = slurp(disk);
  bytes = good;
  bytes[4096 * 512 + 446 + 16 + 4] = 0x05;
  put32(bytes, 4096 * 512 + 446 + 16 + 8, 0);
  spit(disk, bytes);
  Run first({disk});
  first.go();
  BOOST_TEST(first.message() == disk.string() + ": extended boot record at byte " + std::to_string(4096 * 512) +
                                    " links to itself (a loop)");

  // Logical partition 5 grown over logical partition 6.
  bytes = slurp(world().dir.path() / "logical.img.orig");
  put32(bytes, 4096 * 512 + 446 + 12, static_cast<std::uint32_t>(fs_sectors + 4096));
  spit(disk, bytes);
  const std::uint64_t ebr6 = 4096 + get32(bytes, 4096 * 512 + 446 + 16 + 8);
  const std::uint64_t start6 = ebr6 + get32(bytes, ebr6 * 512 + 446 + 8);
  Run grown({disk});
  grown.go();
  BOOST_TEST(grown.message() == disk.string() + ": MBR logical partition 6 (entry at byte " +
                                    std::to_string(ebr6 * 512 + 446) + "): sectors " + std::to_string(start6) + ".." +
                                    std::to_string(start6 + 2047) + " overlap MBR logical partition 5 (entry at byte " +
                                    std::to_string(4096 * 512 + 446) + ", sectors 6144.." +
                                    std::to_string(6144 + fs_sectors + 4096 - 1) + ")");

  // Primary partition 1 grown into the extended partition.
  bytes = slurp(world().dir.path() / "logical.img.orig");
  put32(bytes, 446 + 12, 3000);
  spit(disk, bytes);
  Run into({disk});
  into.go();
  BOOST_TEST(into.message() == disk.string() + ": MBR partition 2 (entry at byte 462): sectors 4096.." +
                                   std::to_string(4096 + ext_sectors - 1) +
                                   " overlap MBR partition 1 (entry at byte 446, sectors 2048..5047)");
  BOOST_TEST(into.leftovers() == 0u);
}

// Random damage to the filesystem's metadata (superblock, group
// descriptors, bitmaps, inode table, directories: the first 256 KiB of the
// partition): every run ends in success or an hvmtool::Error, never a crash,
// and leaves no folder behind. Fixed seeds, so a failure reproduces.
BOOST_AUTO_TEST_CASE(damaged_filesystems_fail_cleanly) {
  const fs::path good = world().disk("damage-src.img", "--mbr --layout grub");
  const std::string original = slurp(good);
  const fs::path disk = world().dir.path() / "damaged.img";
  spit(disk, original);
  constexpr std::size_t kAt = 1 << 20, kSpan = 256 * 1024;
  std::size_t failed = 0, booted = 0;
  for (unsigned seed = 1; seed <= 300; ++seed) {
    std::string region = original.substr(kAt, kSpan);
    std::uint32_t x = seed * 2654435761u;
    const unsigned flips = 1 + seed % 16;
    const std::size_t span = seed % 2 ? 64 * 1024 : kSpan;  // odd seeds: the first 64 KiB only
    for (unsigned i = 0; i < flips; ++i) {
      x = x * 1103515245u + 12345u;
      const std::size_t at = 1024 + (x >> 8) % (span - 1024);
      x = x * 1103515245u + 12345u;
      region[at] = static_cast<char>(region[at] ^ (1u << (x >> 29)));
    }
    {
      std::fstream f(disk, std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(kAt);
      f.write(region.data(), static_cast<std::streamsize>(region.size()));
    }
    Run run({disk});
    run.go();
    run.workers.join();
    if (run.error) {
      ++failed;
      bool is_error = false;
      try {
        std::rethrow_exception(run.error);
      } catch (const Error&) {
        is_error = true;
      } catch (...) {
      }
      BOOST_TEST(is_error, "seed " << seed << ": " << run.message());
    } else {
      ++booted;
    }
    BOOST_TEST(run.leftovers() == (run.error ? 0u : 1u), "seed " << seed);
  }
  BOOST_TEST_MESSAGE("damaged filesystems: " << booted << " still booted, " << failed << " refused");
}

// On a disk: the warnings are logged at warning level with file:line (a
// `source` of a file that is not there is not worth one), the fallback from
// a default that names nothing too, and a title with an ESC sequence and a
// NUL reaches every log line escaped.
BOOST_AUTO_TEST_CASE(warnings_and_guest_bytes_in_the_log) {
  const std::string title("evil\x1b[31m\0x", 11);
  const std::string cfg =
      "set default=7\nsource ${config_directory}/custom.cfg\nsource /boot/grub/missing.cfg\n"
      "menuentry '" +
      title + "' {\n  linux /boot/vmlinuz-hvmtool\n}\n";
  const fs::path disk = [&] {
    fs::path root = world().folder("warn.root");
    fs::create_directories(root / "boot/grub");
    spit(root / "boot/grub/grub.cfg", cfg);
    spit(root / "boot/grub/custom.cfg", "menuentry 'custom' {\n linux /k\n}\n");
    return world().disk("warn.img", "--mbr", "--root " + root.string());
  }();
  Run run({disk});
  run.go();
  BOOST_REQUIRE_MESSAGE(!run.error, run.message());
  const std::string where = "grub: " + disk.string() + ": MBR partition 1 at byte 1048576: /boot/grub/grub.cfg:";
  const std::vector<std::string> warnings = run.log.at(LogLevel::warn);
  BOOST_REQUIRE_EQUAL(warnings.size(), 2u);
  BOOST_TEST(warnings[0] == where +
                                "2: 'source' is not followed: the entries and settings of "
                                "'/boot/grub/custom.cfg' are not read");
  BOOST_TEST(warnings[1] ==
             where + "1: default '7' matches no entry; booting the first, entry 0 'evil\\x1b[31m\\x00x'");
  const std::vector<std::string> info = run.log.at(LogLevel::info);
  BOOST_REQUIRE(!info.empty());
  BOOST_TEST(info.back().find("/boot/grub/grub.cfg entry 0 'evil\\x1b[31m\\x00x': kernel /boot/vmlinuz-hvmtool") !=
             std::string::npos);
  BOOST_TEST(!run.log.any_raw_control());
}

// A run killed with SIGKILL never runs undo(): its folder stays. The folder
// names carry the pid, and the next run removes those whose process is gone
// -- only those: a live process's folder, this process's own, and anything
// else in the parent stay.
BOOST_AUTO_TEST_CASE(scratch_folders_of_killed_runs_are_swept) {
  const fs::path disk = world().disk("sweep.img", "--mbr --layout grub");
  const test::TempDir scratch;
  const fs::path parent = scratch.path();
  const pid_t child = ::fork();  // before any thread of this test starts
  BOOST_REQUIRE(child >= 0);
  if (child == 0) {
    const fs::path dir = grub::make_scratch_dir(parent, "killed");
    std::ofstream(dir / "kernel") << "half a kernel";
    ::raise(SIGKILL);
    ::_exit(1);
  }
  int status = 0;
  BOOST_REQUIRE(::waitpid(child, &status, 0) == child);
  BOOST_REQUIRE(WIFSIGNALED(status));
  BOOST_REQUIRE_EQUAL(files_in(parent), 1u);
  const fs::path killed = fs::directory_iterator(parent)->path();
  BOOST_TEST(killed.filename().string().starts_with("hvmtool-grub-" + std::to_string(child) + "-killed-"));
  const fs::path live = parent / "hvmtool-grub-1-other-aaaaaa";
  const fs::path own = parent / ("hvmtool-grub-" + std::to_string(::getpid()) + "-other-bbbbbb");
  const fs::path odd = parent / "hvmtool-grub-x1-other-cccccc";
  for (const fs::path& p : {live, own, odd}) fs::create_directory(p);

  Run run({disk}, {}, {{"tmpdir", parent.string()}});
  run.go();
  BOOST_REQUIRE_MESSAGE(!run.error, run.message());
  BOOST_TEST(!fs::exists(killed));
  BOOST_TEST(fs::exists(live));
  BOOST_TEST(fs::exists(own));
  BOOST_TEST(fs::exists(odd));
  BOOST_TEST(run.ctx->boot.scratch_dir.filename().string().starts_with("hvmtool-grub-" + std::to_string(::getpid()) +
                                                                       "-boot-test-"));
  const auto info = run.log.at(LogLevel::info);
  BOOST_TEST(std::count(info.begin(), info.end(),
                        "grub: removed 1 scratch folder(s) of processes that no longer run from " + parent.string()) ==
             1);
  for (const fs::path& p : {live, own, odd}) fs::remove(p);
}

// undo() while the files are being copied (a 48 MiB initrd): the copy
// stops, the completion reports a cancellation, and no folder survives.
BOOST_AUTO_TEST_CASE(undo_during_the_copy) {
  const fs::path big = world().dir.write("big-initrd", pattern(48 << 20, 5));
  const fs::path disk = world().dir.path() / "big.img";
  auto r = test::run_command("bash " + (test::source_dir() / "scripts" / "make-test-disk.sh").string() + " " +
                             disk.string() + " --kernel " + world().kernel.string() + " --initrd " + big.string());
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  Run run({disk});
  bool saw_folder = false;
  run.go([&] {
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (run.leftovers() == 0 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(1ms);
    saw_folder = run.leftovers() == 1;
    run.stage->undo(*run.ctx);
  });
  run.workers.join();
  BOOST_TEST(saw_folder);
  BOOST_TEST(run.message() == "grub bootloader cancelled");
  BOOST_TEST(run.leftovers() == 0u);
  BOOST_TEST(run.ctx->boot.scratch_dir.empty());
}

BOOST_AUTO_TEST_SUITE_END()
