// The guest's disk as the grub stage reads it: the raw reader, the
// disk-format table, and libext2fs reading through them (ext_io_manager)
// -- what a filesystem reads is what the disk holds, inside its partition
// only.
#include <ext2fs/ext2fs.h>

#include "ext_filesystem.hpp"
#include "ext_io_manager.hpp"
#include "grub_test_support.hpp"
#include "hvmtool_common/disk_format.hpp"

using namespace hvmtool;
using namespace hvmtool::grub_test;
namespace fs = std::filesystem;

BOOST_AUTO_TEST_SUITE(disk_io)

namespace {

constexpr std::uint64_t kPartStart = 1 << 20;  // where make-test-disk.sh puts partition 1

template <typename E, typename F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("wrong exception type: ") + e.what();
  }
  return "(no error)";
}

// A disk that remembers the furthest byte a read reached.
class WatchedDisk final : public common::DiskImage {
 public:
  explicit WatchedDisk(std::unique_ptr<common::DiskImage> inner)
      : DiskImage(inner->path(), inner->size()), inner_(std::move(inner)) {}
  std::uint64_t furthest() const { return furthest_; }

 private:
  void read_inside(std::uint64_t offset, std::span<std::uint8_t> into, std::string_view what) const override {
    furthest_ = std::max<std::uint64_t>(furthest_, offset + into.size());
    inner_->read_into(offset, into, what);
  }
  std::unique_ptr<common::DiskImage> inner_;
  mutable std::uint64_t furthest_ = 0;
};

// A file as libext2fs reads it when opened by path at `offset` (the
// bootloader's way before ext_io_manager).
std::string read_by_path(const fs::path& disk, std::uint64_t offset, const char* file) {
  const std::string options = "offset=" + std::to_string(offset);
  ext2_filsys fs = nullptr;
  BOOST_REQUIRE(ext2fs_open2(disk.c_str(), options.c_str(), EXT2_FLAG_64BITS, 0, 0, unix_io_manager, &fs) == 0);
  ext2_ino_t ino = 0;
  BOOST_REQUIRE(ext2fs_namei(fs, EXT2_ROOT_INO, EXT2_ROOT_INO, file, &ino) == 0);
  ext2_file_t f = nullptr;
  BOOST_REQUIRE(ext2fs_file_open(fs, ino, 0, &f) == 0);
  std::string data;
  char buf[65536];
  unsigned got = 0;
  do {
    BOOST_REQUIRE(ext2fs_file_read(f, buf, sizeof buf, &got) == 0);
    data.append(buf, got);
  } while (got > 0);
  ext2fs_file_close(f);
  ext2fs_close_free(&fs);
  return data;
}

std::string read_through_disk(const common::DiskImage& disk, const grub::Partition& part, const char* file) {
  grub::ExtFilesystem efs(disk, part, "test");
  return efs.read_all("file", efs.regular_file("file", file), 64 << 20);
}

std::uint64_t block_size_of(const std::string& disk, std::uint64_t part_start) {
  return 1024ull << get32(disk, part_start + 1024 + 24);
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_raw_disk_reads_the_files_bytes_and_nothing_past_its_end) {
  const std::string bytes = pattern(5000, 7);
  const fs::path p = world().dir.write("raw.bin", bytes);
  const auto disk = common::open_disk(p, "raw");
  BOOST_TEST(disk->size() == 5000u);
  const auto part = disk->read(100, 50, "header");
  BOOST_TEST(std::string(part.begin(), part.end()) == bytes.substr(100, 50));
  std::array<std::uint8_t, 10> tail{};
  disk->read_into(4990, tail, "tail");
  BOOST_TEST(std::string(tail.begin(), tail.end()) == bytes.substr(4990));

  BOOST_TEST(message_of<ImageError>([&] { disk->read(4990, 11, "partition entry"); }) ==
             p.string() + ": truncated: partition entry (11 bytes at byte 4990) ends beyond the image's 5000 bytes");
  BOOST_TEST(message_of<ImageError>([&] { disk->read(~0ull, 1, "GPT header"); }) ==
             p.string() +
                 ": truncated: GPT header (1 bytes at byte 18446744073709551615) ends beyond the image's "
                 "5000 bytes");
  const fs::path missing = world().dir.path() / "disk_io-absent.img";
  BOOST_TEST(message_of<ImageError>([&] { common::open_disk(missing, "raw"); }) ==
             missing.string() + ": cannot open disk image: No such file or directory");
  BOOST_TEST(message_of<ImageError>([&] { common::open_disk(world().dir.path(), "raw"); }) ==
             world().dir.path().string() + ": not a regular file or block device");
}

BOOST_AUTO_TEST_CASE(the_format_table_has_raw_and_refuses_other_names) {
  BOOST_TEST(common::disk_format_names() == std::vector<std::string_view>{"raw"}, boost::test_tools::per_element());
  const common::DiskFormat* raw = common::find_disk_format("raw");
  BOOST_REQUIRE(raw);
  BOOST_TEST(raw->name == "raw");
  BOOST_TEST(!raw->description.empty());
  for (std::string_view name : {"qcow2", "RAW", "", "raw "}) BOOST_TEST(!common::find_disk_format(name), name);

  const fs::path p = world().dir.write("fmt.bin", "0123456789");
  const auto disk = common::open_disk(p, "raw");
  BOOST_TEST(disk->read(3, 4, "x") == (std::vector<std::uint8_t>{'3', '4', '5', '6'}),
             boost::test_tools::per_element());
  BOOST_TEST(message_of<Error>([&] { common::open_disk(p, "qcow2"); }) ==
             p.string() + ": disk format 'qcow2' is not supported (known: raw)");
  BOOST_TEST(message_of<Error>([&] { common::open_disk(p, "x\x1b[2J"); }) ==
             p.string() + ": disk format 'x\\x1b[2J' is not supported (known: raw)");
}

BOOST_AUTO_TEST_CASE(files_read_through_the_io_manager_equal_the_by_path_read) {
  for (const std::string table : {"mbr", "gpt", "no-table"}) {
    BOOST_TEST_CONTEXT(table) {
      const fs::path path = world().disk("io-" + table + ".img", "--" + table + " --layout grub");
      const auto disk = common::open_disk(path, "raw");
      const grub::PartitionTable t = grub::read_partition_table(*disk);
      const grub::Partition& part = grub::choose_partition(*disk, t, std::nullopt);
      BOOST_TEST(part.offset == (table == "no-table" ? 0 : kPartStart));
      for (const char* file : {"/boot/vmlinuz-hvmtool", "/boot/initrd.img-hvmtool", "/boot/grub/grub.cfg"}) {
        const std::string now = read_through_disk(*disk, part, file);
        BOOST_TEST(now == read_by_path(path, part.offset, file), file);
        BOOST_TEST(!now.empty(), file);
      }
      BOOST_TEST(read_through_disk(*disk, part, "/boot/vmlinuz-hvmtool") == world().kernel_bytes);
      BOOST_TEST(read_through_disk(*disk, part, "/boot/initrd.img-hvmtool") == world().initrd_bytes);
    }
  }
}

BOOST_AUTO_TEST_CASE(group_descriptors_past_the_partition_are_refused_unread) {
  // The superblock fits in a range cut 2 KiB into the partition; the
  // descriptors after it do not.
  const fs::path path = world().disk("io-cut.img", "--mbr --layout grub");
  const std::uint64_t bs = block_size_of(slurp(path), kPartStart);
  WatchedDisk disk(common::open_disk(path, "raw"));
  grub::ExtDiskRange range{disk, kPartStart, 2048, {}, 0};
  ext2_filsys fs = nullptr;
  const long err = grub::open_ext2fs(range, EXT2_FLAG_64BITS, &fs);
  BOOST_TEST(err == EXT2_ET_SHORT_READ);
  BOOST_TEST(!fs);
  const std::uint64_t desc_block = bs == 1024 ? 2 : 1;  // the block after the superblock's
  BOOST_TEST(grub::ext_io_error(range, err) ==
             "block " + std::to_string(desc_block) + " (" + std::to_string(bs) + " bytes at byte " +
                 std::to_string(kPartStart + desc_block * bs) + ") lies beyond the partition's end (bytes " +
                 std::to_string(kPartStart) + ".." + std::to_string(kPartStart + 2048) + ")");
  BOOST_TEST(disk.furthest() == kPartStart + 2048);  // the superblock, and nothing after it
  BOOST_TEST(grub::ext_io_error(range, EXT2_ET_BAD_MAGIC) == "");
  // Asked to write, it refuses before anything is opened.
  BOOST_TEST(grub::open_ext2fs(range, EXT2_FLAG_RW, &fs) == EXT2_ET_RO_FILSYS);
}

BOOST_AUTO_TEST_CASE(an_extent_past_the_partition_is_refused_naming_its_offset) {
  // The kernel's first extent moved to the block right after the
  // filesystem: inside the image (its last MiB), outside the partition. By
  // path, libext2fs read those bytes as the kernel's.
  const fs::path sized = world().disk("io-sized.img", "--mbr --layout grub", "--size 16");
  const std::string bytes = slurp(sized);
  const std::uint64_t bs = block_size_of(bytes, kPartStart);
  const std::uint64_t blocks = get32(bytes, kPartStart + 1024 + 4);
  BOOST_REQUIRE(blocks * bs == 16u << 20);
  const fs::path script =
      world().dir.write("extent-past.debugfs", "sif /boot/vmlinuz-hvmtool block[5] " + std::to_string(blocks) + "\n");
  const fs::path path =
      world().disk("io-extent-past.img", "--mbr --layout grub", "--size 16 --debugfs " + script.string());
  const std::string part_end = std::to_string(kPartStart + blocks * bs);
  const std::string refusal = "block " + std::to_string(blocks) + " (" + std::to_string(bs) + " bytes at byte " +
                              part_end + ") lies beyond the partition's end (bytes " + std::to_string(kPartStart) +
                              ".." + part_end + ")";

  WatchedDisk disk(common::open_disk(path, "raw"));
  const grub::PartitionTable t = grub::read_partition_table(disk);
  const grub::Partition& part = grub::choose_partition(disk, t, std::nullopt);
  grub::ExtFilesystem efs(disk, part, "where");
  const auto kernel = efs.regular_file("kernel", "/boot/vmlinuz-hvmtool");
  BOOST_TEST(message_of<ImageError>([&] { efs.read_all("kernel", kernel, 64 << 20); }) ==
             "where: '/boot/vmlinuz-hvmtool': read error at file offset 0: " + refusal);
  BOOST_TEST(disk.furthest() <= kPartStart + blocks * bs);

  // The stage gives the same, with the disk and partition named.
  Run run({path});
  run.go();
  BOOST_TEST(run.message() == path.string() +
                                  ": MBR partition 1 at byte 1048576: '/boot/vmlinuz-hvmtool': read error "
                                  "at file offset 0: " +
                                  refusal);
  BOOST_TEST(run.leftovers() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
